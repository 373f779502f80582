/**
 * The dialect-neutral schema model: what an introspector reads from a live catalog and what the
 * diff engine compares. Types, defaults and expressions are kept as the engine spells them
 * (normalised by the introspector), so two schemas read from one engine compare as text.
 */

/** Referential action of a foreign key. */
export type FkAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT'

/** A column of a table. */
export interface Column {
  name: string
  /** Type as the engine spells it after normalisation, e.g. `varchar(20)`, `integer`, `text[]`. */
  type: string
  nullable: boolean
  /** Default expression as SQL text (`'x'::text`, `CURRENT_TIMESTAMP`), absent when none. */
  default?: string
  /** `always` / `by default` (SQL identity), `auto` (MySQL AUTO_INCREMENT, SQLite AUTOINCREMENT). */
  identity?: 'always' | 'by default' | 'auto'
  /** Generated (computed) column. */
  generated?: { expression: string; stored: boolean }
  /** Collation when it differs from the default. */
  collation?: string
  comment?: string
}

/** A primary key. */
export interface PrimaryKey {
  /** Constraint name when the engine keeps one. */
  name?: string
  columns: string[]
}

/** A UNIQUE constraint (unique indexes are {@link Index} with `unique`). */
export interface UniqueConstraint {
  name: string
  columns: string[]
  /** Engine-specific extras, e.g. `DEFERRABLE INITIALLY DEFERRED`, `NULLS NOT DISTINCT`. */
  options?: string
}

/** A CHECK constraint. */
export interface CheckConstraint {
  name: string
  /** The expression without the `CHECK ( )` wrapper. */
  expression: string
  /** Engine-specific extras, e.g. `NO INHERIT`. */
  options?: string
}

/** A FOREIGN KEY constraint. */
export interface ForeignKey {
  /** Constraint name; SQLite has none (a name derived from the columns is used). */
  name: string
  columns: string[]
  refSchema?: string
  refTable: string
  refColumns: string[]
  onDelete: FkAction
  onUpdate: FkAction
  /** `DEFERRABLE INITIALLY DEFERRED` and the like. */
  options?: string
  /**
   * Index the engine created for this key by itself (InnoDB), left out of `indexes`. Not compared;
   * the DDL drops it together with the key.
   */
  impliedIndex?: string
}

/** An index that is not the implementation of a constraint. */
export interface Index {
  name: string
  unique: boolean
  /** Key parts: column names, or expressions (then `expression` is true for that part). */
  columns: IndexPart[]
  /** Partial index predicate. */
  where?: string
  /** Access method when not the default (`gin`, `hash`, `FULLTEXT`, ...). */
  method?: string
  /**
   * The engine's own definition (`CREATE INDEX ...` as the catalog prints it). When present, it is
   * what the diff compares and what the DDL emits.
   */
  definition?: string
  comment?: string
}

/** One key part of an index. */
export interface IndexPart {
  /** Column name or expression text. */
  name: string
  expression?: boolean
  /** `DESC`, prefix length `(10)`, opclass, collation as engine text. */
  suffix?: string
}

/** A table. */
export interface Table {
  schema?: string
  name: string
  /** Columns in their physical order. */
  columns: Column[]
  primaryKey?: PrimaryKey
  uniques: UniqueConstraint[]
  checks: CheckConstraint[]
  foreignKeys: ForeignKey[]
  indexes: Index[]
  comment?: string
  /**
   * Table options the engine reports (MySQL ENGINE, SQLite WITHOUT ROWID/STRICT; PostgreSQL
   * `PARTITION OF ... FOR VALUES ...`, `INHERITS (...)`, `PARTITION BY ...`), as text: compared.
   */
  options?: string
  /**
   * Parent tables (PostgreSQL `INHERITS`, or the one parent of a partition), qualified as
   * {@link qualifiedName}. Columns inherited from a parent are not listed in `columns`.
   */
  parents?: string[]
  /** Partition bound (`FOR VALUES ...`, `DEFAULT`) when this table is a partition of `parents[0]`. */
  partitionBound?: string
  /** Keys of objects this table needs (types, sequences, routines in defaults), for dump order. */
  dependsOn?: string[]
}

/** A view (or materialized view). */
export interface View {
  schema?: string
  name: string
  /** The SELECT, as the engine prints it. */
  definition: string
  materialized?: boolean
  /** Extra clause text, e.g. `WITH CHECK OPTION`, MySQL `SQL SECURITY`. */
  options?: string
  /** Tables and views this view reads, as `schema.name` or `name`, when the engine tells. */
  dependsOn?: string[]
  comment?: string
}

/** A sequence not owned by an identity column. */
export interface Sequence {
  schema?: string
  name: string
  type?: string
  start: string
  increment: string
  min?: string
  max?: string
  cache?: string
  cycle: boolean
  /** `table.column` that owns the sequence (serial). */
  ownedBy?: string
}

/** An enum type (PostgreSQL `CREATE TYPE ... AS ENUM`). MySQL enums are column types. */
export interface EnumType {
  schema?: string
  name: string
  values: string[]
  comment?: string
}

/** A function or procedure, compared by its full definition. */
export interface Routine {
  schema?: string
  name: string
  kind: 'function' | 'procedure'
  /** Identity arguments, e.g. `(integer, text)`; part of the key for overloads. */
  signature: string
  /** The complete `CREATE ...` statement as the engine prints it. */
  definition: string
  comment?: string
  /** Keys of objects its signature needs (a table whose row type it returns), for dump order. */
  dependsOn?: string[]
}

/** A trigger, compared by its full definition. */
export interface Trigger {
  schema?: string
  name: string
  table: string
  /** The complete `CREATE TRIGGER ...` statement. */
  definition: string
}

/** An installed extension (PostgreSQL `CREATE EXTENSION`); its own objects are not part of the schema. */
export interface Extension {
  name: string
  /** Schema the extension's objects live in, when not the default one. */
  schema?: string
}

/**
 * An object kept as the engine's own definition (PostgreSQL domains, composite and range types,
 * aggregates, rules, policies; MySQL events; SQLite virtual tables): dumped by its statements and
 * compared by them. The diff creates it, drops it, or drops and recreates it when its statements
 * differ; it does not alter it in place.
 */
export interface SchemaObject {
  /** Singular kind as reports name it: `domain`, `rule`, `aggregate`, `policy`, `event`. */
  kind: string
  schema?: string
  name: string
  /** Key other objects name it by in `dependsOn`. Default: {@link qualifiedName}. */
  key?: string
  /** Statements that recreate it, without terminators. Two objects are equal when these are. */
  statements: string[]
  /** Statements that remove it, without terminators. */
  drop: string[]
  /**
   * Dropping it fails or loses data while other objects use it (a domain or type used by columns):
   * a changed definition is then a destructive change, commented out unless allowed.
   */
  dropBlocksUsers?: boolean
  /**
   * Where it goes in a dump before dependency order applies: `type` (with the types, before
   * routines and tables), `routine` (after routines), `table` (after tables), `late` (after views
   * and triggers).
   */
  phase: 'type' | 'routine' | 'table' | 'late'
  /** Keys of objects it needs, for dump order. */
  dependsOn?: string[]
}

/** An object seen in the catalog that mig neither dumps nor compares (grants, publications...). */
export interface UnsupportedObject {
  /** Singular kind: `publication`, `foreign table`, `grant`. */
  kind: string
  /** Qualified name, or what the grant is on. */
  name: string
}

/** A whole database schema (one or more namespaces). */
export interface Schema {
  /** Dialect name of the engine it was read from (`sqlite`, `postgres`, `mysql`). */
  dialect: string
  /** Identifiers match case-insensitively (SQLite: `Users` and `users` are one table). */
  caseInsensitive?: boolean
  /**
   * The engine can place a column (MySQL `AFTER`, SQLite by rebuild): a changed column order is a
   * difference. PostgreSQL cannot, so there order is ignored.
   */
  movableColumns?: boolean
  /** Namespaces other than the default one, that must exist (PostgreSQL `CREATE SCHEMA`). */
  schemas: string[]
  tables: Table[]
  views: View[]
  sequences: Sequence[]
  enums: EnumType[]
  routines: Routine[]
  triggers: Trigger[]
  /** Installed extensions (PostgreSQL). */
  extensions?: Extension[]
  /** Objects kept by their definition (see {@link SchemaObject}). */
  objects?: SchemaObject[]
  /** Objects neither dumped nor compared; named on stderr by `mig dump`, counted by diff and drift. */
  unsupported?: UnsupportedObject[]
}

/** An empty schema of a dialect. */
export function emptySchema(dialect: string): Schema {
  return { dialect, schemas: [], tables: [], views: [], sequences: [], enums: [], routines: [], triggers: [] }
}

/** `schema.name`, or `name` when there is no schema: the key objects are matched by. */
export function qualifiedName(o: { schema?: string; name: string }): string {
  return o.schema ? `${o.schema}.${o.name}` : o.name
}

/** Key of an object for dependencies: its `key`, else its qualified name. */
export function objectKey(o: SchemaObject): string {
  return o.key ?? qualifiedName(o)
}

/** Key of a routine: name and signature (overloads are different routines). */
export function routineKey(r: Routine): string {
  return `${qualifiedName(r)}${r.signature}`
}

/**
 * Put a schema in canonical order (objects by name, columns kept in physical order) so that two
 * introspections of equal databases are deep-equal and a dump is stable.
 */
export function canonicalize(schema: Schema): Schema {
  const byName = <T extends { schema?: string; name: string }>(a: T, b: T) => cmp(qualifiedName(a), qualifiedName(b))
  return {
    dialect: schema.dialect,
    ...(schema.caseInsensitive ? { caseInsensitive: true } : {}),
    ...(schema.movableColumns ? { movableColumns: true } : {}),
    schemas: [...schema.schemas].sort(cmp),
    tables: schema.tables
      .map((t) => ({
        ...t,
        uniques: [...t.uniques].sort(byName),
        checks: [...t.checks].sort(byName),
        foreignKeys: [...t.foreignKeys].sort(byName),
        indexes: [...t.indexes].sort(byName),
      }))
      .sort(byName),
    views: [...schema.views].sort(byName),
    sequences: [...schema.sequences].sort(byName),
    enums: [...schema.enums].sort(byName),
    routines: [...schema.routines].sort((a, b) => cmp(routineKey(a), routineKey(b))),
    triggers: [...schema.triggers].sort(byName),
    ...(schema.extensions?.length ? { extensions: [...schema.extensions].sort(byName) } : {}),
    ...(schema.objects?.length ? { objects: [...schema.objects].sort((a, b) => cmp(a.kind, b.kind) || cmp(objectKey(a), objectKey(b))) } : {}),
    ...(schema.unsupported?.length ? { unsupported: [...schema.unsupported].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name)) } : {}),
  }
}

/** Code-point string comparison (locale-independent, so output is the same on every machine). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
