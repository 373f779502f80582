export type { Change, ChangeBody, ChangeKind, Constraint } from './changes.js'
export type { DdlPlan, DdlStatement, SchemaDdl } from './ddl.js'
export type { DiffOptions, SchemaDiff } from './diff.js'
export { diffSchemas, isEmptyDiff } from './diff.js'
export type { DriftResult } from './drift.js'
export { drift } from './drift.js'
export type { MaterializeContext, SchemaSourceSpec } from './materialize.js'
export {
  applyFiles,
  applyMigrations,
  historyTables,
  materialize,
  parseSchemaSource,
  SchemaSourceError,
  SchemaUnsupportedError,
  schemaFiles,
  withShadow,
} from './materialize.js'
export type {
  CheckConstraint,
  Column,
  EnumType,
  Extension,
  FkAction,
  ForeignKey,
  Index,
  IndexPart,
  PrimaryKey,
  Routine,
  Schema,
  SchemaObject,
  Sequence,
  Table,
  Trigger,
  UniqueConstraint,
  UnsupportedObject,
  View,
} from './model.js'
export { canonicalize, cmp, emptySchema, objectKey, qualifiedName, routineKey } from './model.js'
export type { RenderedMigration, RenderMigrationOptions } from './render.js'
export { dumpSchema, scriptText } from './dump.js'
export { dependencyOrder } from './order.js'
export type { NotCompared } from './not-compared.js'
export { describeNotCompared, dumpGaps, notCompared, pluralKind } from './not-compared.js'
export { renderMigration } from './render.js'
export { isWidening, summarize } from './summary.js'
export type { DumpObject, TemplatizeOptions } from './flatten.js'
export { dumpObjects, flattenValues, templatize } from './flatten.js'
