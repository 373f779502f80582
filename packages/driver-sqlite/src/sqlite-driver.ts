import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  ConnectionError,
  type Driver,
  type DriverCapabilities,
  type LockHandle,
  type LockOptions,
  type QueryExecutor,
  type Row,
  type Script,
  type Schema,
  type SchemaDdl,
  type ScriptStatement,
  type ShadowDatabase,
  type CopyDatabaseOptions,
  type DatabaseCopy,
  type SqlSession,
  StatementFailure,
  runScriptStatements,
  type StreamedScript,
} from '@mig/core'
import Database from 'better-sqlite3'
import { copySqliteDatabase } from './sqlite-copy.js'
import { sqliteDdl } from './sqlite-ddl.js'
import { sqliteDialect } from './sqlite-dialect.js'
import { sqlitePath } from './sqlite-url.js'
import { introspectSqlite } from './sqlite-introspector.js'
import { acquireSqliteLock } from './sqlite-lock.js'
import { openSqliteSession } from './sqlite-session.js'

/** Options of {@link sqlite}. */
export interface SqliteOptions {
  /** `sqlite:./file.db`, `sqlite:/abs/file.db` or `sqlite::memory:`. */
  url: string
  /** How long a statement waits for another connection's write lock, in ms. Default 5000. */
  busyTimeoutMs?: number
}

function bind(params: readonly unknown[] | undefined): unknown[] {
  return (params ?? []).map((p) => (p instanceof Date ? p.toISOString() : typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p))
}

/**
 * SQLite on better-sqlite3: one connection, transactional DDL, and a write lock so two
 * processes on one file never apply the same migration twice.
 */
export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect
  readonly capabilities: DriverCapabilities = { transactionalDdl: true }
  readonly displayUrl: string
  readonly file: string
  /** SQLite DDL generator (table rebuilds for what ALTER TABLE lacks). */
  readonly ddl: SchemaDdl = sqliteDdl
  private db: Database.Database | undefined

  constructor(private readonly options: SqliteOptions) {
    this.file = sqlitePath(options.url)
    this.displayUrl = options.url
  }

  get client(): Database.Database {
    if (!this.db) throw new Error('not connected')
    return this.db
  }

  async connect(): Promise<void> {
    if (this.db) return
    if (this.file !== ':memory:' && !existsSync(dirname(this.file))) {
      throw new ConnectionError(this.displayUrl, `folder ${dirname(this.file)} does not exist`)
    }
    try {
      this.db = new Database(this.file, { timeout: this.options.busyTimeoutMs ?? 5000 })
      this.db.pragma('foreign_keys = ON')
    } catch (err) {
      throw new ConnectionError(this.displayUrl, (err as Error).message, { cause: err })
    }
  }

  async close(): Promise<void> {
    this.db?.close()
    this.db = undefined
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const stmt = this.client.prepare(sql)
    if (stmt.reader) return stmt.all(...bind(params)) as R[]
    stmt.run(...bind(params))
    return []
  }

  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    const db = this.client
    db.exec('BEGIN IMMEDIATE')
    try {
      const out = await fn(this)
      db.exec('COMMIT')
      return out
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw err
    }
  }

  /** Split, then {@link runStatements} (core's default). */
  runScript(exec: QueryExecutor, script: Script, onStatement?: (index: number, statement: ScriptStatement) => Promise<void>): Promise<void> {
    return runScriptStatements(this, exec, script, onStatement)
  }

  /** A script's statements, or a streamed file's (see `Driver.runStatements`), each executed as it arrives. */
  async runStatements(
    _exec: QueryExecutor,
    statements: AsyncIterable<ScriptStatement> | Iterable<ScriptStatement>,
    _script: StreamedScript,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
  ): Promise<void> {
    let i = 0
    for await (const st of statements) {
      try {
        this.client.exec(st.sql)
      } catch (err) {
        throw new StatementFailure(i, st, err)
      }
      if (onStatement) await onStatement(i, st)
      i++
    }
  }

  async acquireLock(options: LockOptions): Promise<LockHandle> {
    if (this.file === ':memory:') return { release: async () => {} }
    return acquireSqliteLock(this.file, options)
  }

  /** Read the `main` schema. */
  async introspect(): Promise<Schema> {
    return introspectSqlite(this)
  }

  /** From `sqlite_master` of `main` or of the attached schema the name starts with. */
  async tableExists(name: string): Promise<boolean> {
    const dot = name.indexOf('.')
    const [schema, table] = dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : ['main', name]
    const rows = await this.query(`SELECT 1 AS e FROM ${sqliteDialect.quoteIdent(schema)}.sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE`, [
      table,
    ])
    return rows.length > 0
  }

  /** A shadow database in memory: each connection to `sqlite::memory:` is a new empty database. */
  async createShadow(): Promise<ShadowDatabase> {
    return { url: 'sqlite::memory:', drop: async () => {} }
  }

  /** A copy of the file in the temporary folder, through the backup API (sqlite-copy.ts). */
  copyDatabase(options?: CopyDatabaseOptions): Promise<DatabaseCopy> {
    return copySqliteDatabase(this.file, options)
  }

  /** A session for SQL tests on the file (sqlite-session.ts). */
  openSession(): Promise<SqlSession> {
    return openSqliteSession(this.file)
  }

  async dropAllObjects(): Promise<void> {
    const db = this.client
    const objects = db.prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('view', 'trigger', 'table')`).all() as {
      type: string
      name: string
    }[]
    const order = ['view', 'trigger', 'table']
    db.pragma('foreign_keys = OFF')
    try {
      db.exec('BEGIN')
      for (const type of order)
        for (const o of objects.filter((x) => x.type === type)) db.exec(`DROP ${type.toUpperCase()} IF EXISTS ${sqliteDialect.quoteIdent(o.name)}`)
      db.exec('COMMIT')
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw err
    } finally {
      db.pragma('foreign_keys = ON')
    }
  }
}

/**
 * Create a SQLite driver.
 *
 * @example
 * createMigrator({ driver: sqlite({ url: 'sqlite:./dev.db' }), sources: [directory('migrations')] })
 */
export function sqlite(options: SqliteOptions): SqliteDriver {
  return new SqliteDriver(options)
}

/** The factory the CLI calls for `sqlite:` URLs. */
export function createDriver(url: string): SqliteDriver {
  return new SqliteDriver({ url })
}
