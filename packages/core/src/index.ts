export { checksum, normalizeNewlines } from './checksum.js'
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
export type { Directives, Sections } from './directives.js'
export { KNOWN_DIRECTIVES, parseDirectives, splitSections } from './directives.js'
export type { DirectoryOptions, DiscoveryProblem, MigrationSource } from './discovery.js'
export { directory, discover, embedded } from './discovery.js'
export type {
  Driver,
  DriverCapabilities,
  DriverFactory,
  DriverOptions,
  LockHandle,
  LockOptions,
  QueryExecutor,
  Row,
  Script,
  ScriptStatement,
  ShadowDatabase,
  SqlDialect,
} from './driver.js'
export { quoteQualified, StatementFailure } from './driver.js'
export type { MigrationInfo, MigratorEventName, MigratorEvents } from './events.js'
export { Emitter } from './events.js'
export type { HistoryRow, HistoryStatus, LogAction, LogEntry, LogRow } from './history-store.js'
export { currentActor, DEFAULT_HISTORY_TABLE, HistoryStore } from './history-store.js'
export type { Migration, MigrationBody, MigrationContext, MigrationFn, MigrationKind, MigrationScope, RenderContext } from './migration.js'
export { compareMigrations, compareVersions } from './migration.js'
export type { MigrationResult, MigratorOptions, Renderer, ResolveResult, RunDownOptions, RunResult, RunUpOptions } from './migrator.js'
export { createMigrator, Migrator } from './migrator.js'
export type { DownOptions, MigrationStatus, PlanInput, StatusEntry, UpOptions } from './planner.js'
export { computeStatus, planDown, planUp } from './planner.js'
export type { SplitOptions } from './splitter.js'
export { SqlSplitter, splitStatements, splitStream } from './splitter.js'
export type { MigConfig, PinPolicy, ResolvedTarget, TargetConfig } from './config.js'
export { DEFAULT_CONFIG_FILE, DEFAULT_URL, expandEnv, loadConfig, parseConfig, resolveTarget } from './config.js'
export { redactUrl, sqlitePath, urlScheme } from './url.js'
export * from './schema/index.js'
