import type { QueryExecutor, Row, SqlDialect } from '../driver.js'
import { brand, MigError } from '../errors.js'

/** Tools whose history `mig adopt --from` can import. */
export type ImportTool = 'dbmate' | 'goose' | 'golang-migrate' | 'flyway' | 'sqitch' | 'liquibase' | 'knex'

/** One thing another tool recorded as applied. */
export interface ImportedEntry {
  /** How the tool names it, for reports (`20240115100000`, `V2__add_email.sql`, `create_users`). */
  ref: string
  /** A version to match against mig versions. */
  version?: string
  /** A name to match against mig migration names (sqitch changes, flyway descriptions). */
  name?: string
  /**
   * The tool's own id (Liquibase `author:id`, a sqitch change name): matched against the `toolId`
   * of migrations read from the tool's folder, the k-th entry with an id to the k-th migration with it.
   */
  toolId?: string
  /** The tool's checksum: an entry with a `toolId` matches a migration only when its `toolChecksum` is equal. */
  toolChecksum?: string
  /** Why the entry is left aside when no migration matches it (a repeatable `mig up` applies again). */
  otherwise?: string
  /** Everything up to and including `version` is applied (golang-migrate, flyway baseline). */
  upTo?: boolean
  /** Recorded but not cleanly applied (dirty, failed): reported, never adopted. */
  problem?: string
  /** Left aside on purpose (flyway repeatables, schema markers), with why. */
  skip?: string
}

/** Options of an importer. */
export interface ImportOptions {
  /** Table (or schema-qualified table) to read; each importer has the tool's default. */
  table?: string
}

/** Reads another tool's history table. */
export interface Importer {
  tool: ImportTool
  /** The table the tool keeps its history in (schema-qualified for sqitch). */
  defaultTable: string
  read(exec: QueryExecutor, dialect: SqlDialect, table: string): Promise<ImportedEntry[]>
}

/** The other tool's history could not be read. */
export class ImportError extends MigError {
  override name = 'ImportError'
  readonly tool: ImportTool
  constructor(tool: ImportTool, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options)
    this.tool = tool
  }
}
brand(ImportError, 'ImportError')

/** Run a query on the tool's table, turning a missing table into a clear {@link ImportError}. */
export async function readTable(exec: QueryExecutor, tool: ImportTool, table: string, sql: string): Promise<Row[]> {
  try {
    return await exec.query(sql)
  } catch (err) {
    throw new ImportError(tool, `cannot read the ${tool} history table ${table}: ${(err as Error).message}`, {
      cause: err,
      hint: `is this the database ${tool} migrated? pass --table if it uses another table name`,
    })
  }
}

/** Truthy values as engines return booleans (true, 1, '1', 't'). */
export function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 1n || v === '1' || v === 't' || v === 'true'
}
