export { checksum, checksumStream, NewlineNormalizer, normalizeNewlines, normalizedText } from './checksum.js'
export type { StreamedBodyInfo } from './streaming.js'
export { fileChunks, hashBytes, scanParts, scanStreamedBody, STREAM_THRESHOLD, STREAMED_LOG_HEAD, streamedLogText } from './streaming.js'
export type { ConfigProblem, LockHolder } from './errors.js'
export {
  ConfigError,
  ConnectionError,
  describeHolder,
  EnvironmentError,
  LockTimeoutError,
  MigError,
  MigrationError,
  PlanError,
  ProjectError,
  UrlError,
} from './errors.js'
export type { Directives, Section, Sections } from './directives.js'
export { KNOWN_DIRECTIVES, parseDirectives, splitSections } from './directives.js'
export type { DirectoryOptions, DiscoveryProblem, MigrationSource } from './discovery.js'
export { directory, discover, embedded } from './discovery.js'
export type { ExternalSources } from './config-remote.js'
export type { S3Location, S3Settings, S3SourceOptions } from './s3-source.js'
export { describeS3Error, isS3Url, parseS3Url, s3ObjectBytes, s3ObjectText, s3Source } from './s3-source.js'
export type { FormatReader, ReaderOptions } from './formats/common.js'
export type { ConvertedFile, ConvertProblem } from './formats/convert.js'
export { convertMigrations } from './formats/convert.js'
export type { FormatSetting, MigrationFormat } from './formats/index.js'
export { flywayChecksum } from './formats/flyway.js'
export { detectFormat, FORMAT_READERS, MIGRATION_FORMATS } from './formats/index.js'
export { type ForeignMarker, findForeignMarker } from './formats/markers.js'
export type {
  CopyDatabaseOptions,
  CsvLoad,
  DatabaseCopy,
  Driver,
  DependentObject,
  DriverCapabilities,
  DriverFactory,
  DriverOptions,
  LockHandle,
  LockOptions,
  QueryExecutor,
  Row,
  Script,
  ScriptStatement,
  StatementProgress,
  DriverModule,
  ShadowDatabase,
  SqlSession,
  StreamedScript,
} from './driver.js'
export { endSession, NotRunError, StatementFailure } from './driver.js'
export * from './driver-kit/index.js'
export type { MigrationInfo, MigratorEventName, MigratorEvents } from './events.js'
export { Emitter } from './events.js'
export type { HistoryRow, HistoryState, HistoryStatus, LogAction, LogEntry, LogRow } from './history/store.js'
export { currentActor, DEFAULT_HISTORY_TABLE, HistoryStore } from './history/store.js'
export type { HistoryRowInput, HistoryTables, RecorderOptions } from './history/recorder.js'
export { HistoryRecorder } from './history/recorder.js'
export type { FailurePoint, MigrationRecordInput } from './history/migration-record.js'
export { MigrationRecord } from './history/migration-record.js'
export type { CoreContext, Emit } from './context.js'
export { createCoreContext, Session } from './context.js'
export { MigrationBodies } from './run/bodies.js'
export type { MigrationTask, StartedMigration, StartOptions } from './run/one-migration.js'
export { runMigration, startMigration } from './run/one-migration.js'
export type { PlannedRun } from './run/run-plan.js'
export { runPlan } from './run/run-plan.js'
export type { ReapplyItem, ReapplyOptions, ReapplyResult } from './run/reapply.js'
export { definedObjects, orderReapply, reapplyRepeatables } from './run/reapply.js'
export type { DependentUse } from './dependents.js'
export type { AdhocResult, AdhocScript } from './adhoc.js'
export { ADHOC_VERSION, runAdhocScript } from './adhoc.js'
export { findDependents } from './dependents.js'
export type { RunContext, RunControl, RunTarget } from './run/target.js'
export type { Migration, MigrationBody, MigrationContext, MigrationFn, MigrationKind, MigrationScope, RenderContext, TenantContext } from './migration.js'
export { compareMigrations, compareVersions } from './migration.js'
export type {
  AcceptChecksumResult,
  AdoptOptions,
  AdoptResult,
  AuditEntry,
  ImportHistoryOptions,
  MigrationResult,
  MigratorOptions,
  Renderer,
  StreamedSql,
  StreamedPart,
  ResolveResult,
  RunDownOptions,
  RunResult,
  RunUpOptions,
} from './migrator.js'
export { createMigrator, Migrator } from './migrator.js'
export type { DownOptions, MigrationStatus, PlanInput, StatusEntry, UpOptions } from './planner.js'
export { computeStatus, planDown, planUp } from './planner.js'
export type { SplitOptions } from './splitter.js'
export { SqlSplitter, splitStatements, splitStream } from './splitter.js'
export type { MigConfig, PinPolicy, ResolvedTarget, TargetConfig, TenantsConfig } from './config.js'
export { DEFAULT_CONFIG_FILE, DEFAULT_URL, expandEnv, loadConfig, parseConfig, resolveTarget } from './config.js'
export { redactUrl, urlScheme } from './url.js'
export * from './schema/index.js'
export type { ImportMatch, Unmatched } from './adopt.js'
export { matchImported } from './adopt.js'
export type { LoggedVars } from './audit.js'
export { DecryptionError, decryptVars, ENCRYPTED_PREFIX, encryptVars, readLoggedVars, varsForLog } from './audit.js'
export type { CodeMigrationDefinition } from './code-migration.js'
export { CODE_MIGRATION, code, loadCodeMigrations } from './code-migration.js'
export { findCycles, orderByDependencies, resolveDependencies } from './dependencies.js'
export { isProductionEnv, PRODUCTION_ENV } from './env.js'
export type { BodySegment, HookContext, HookFn, HookName, MigratorHooks, RunCommand, RunCommandContext } from './hooks.js'
export { callHooks, HOOK_NAMES, HookError, hasRunLines, splitRunSegments } from './hooks.js'
export type { ImportedEntry, Importer, ImportOptions, ImportTool } from './importers/importer.js'
export { ImportError } from './importers/importer.js'
export { IMPORTERS } from './importers/tools.js'
export type { ProjectSourceOptions, ResolvedPackage } from './sources.js'
export { globSource, isPattern, matchFolders, packageSource, projectSources, resolvePackage } from './sources.js'
export type { FleetEvents, FleetResult, TenantFailure } from './fleet/fleet-events.js'
export type { TenantStatus } from './fleet/fleet-plan.js'
export { fleetStatus, planTenantDown, planTenantUp, tenantMigrations } from './fleet/fleet-plan.js'
export type { FleetOptions, FleetRunOptions, FleetState, TenantJob } from './fleet/fleet-runner.js'
export { createFleet, DEFAULT_CONCURRENCY, Fleet } from './fleet/fleet-runner.js'
export type { TenantRecord } from './fleet/registry.js'
export { TenantRegistry } from './fleet/registry.js'
export type { PreparedPart } from './fleet/tenant-apply.js'
export type { Tenancy, TenantSession } from './fleet/tenancy.js'
export type { Shard, TenantSelection } from './fleet/tenants.js'
export { assertTenantNames, parseShard, scopeTenant, selectTenants, shardOf, TENANT_NAME, TenantError, tenantSchema, tenantScope } from './fleet/tenants.js'
export * from './results/index.js'
export * from './sql-tests/index.js'
