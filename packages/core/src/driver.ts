import type { SqlDialect } from './driver-kit/dialect.js'
import { brand, isBranded, type LockHolder } from './errors.js'
import type { SchemaDdl } from './schema/ddl.js'
import type { Schema } from './schema/model.js'
import type { StatementResult } from './results/types.js'
import type { SplitOptions } from './splitter.js'
import type { Tenancy } from './fleet/tenancy.js'

// the dialect kit lives in driver-kit/; these names stay importable from here
export type { SqlDialect } from './driver-kit/dialect.js'
export { quoteQualified } from './driver-kit/dialect.js'

/** A row as returned by a driver: column name to value. */
export type Row = Record<string, unknown>

/** What differs between engines, asked by core instead of switching on a dialect name. */
export interface DriverCapabilities {
  /** DDL inside a transaction is undone by ROLLBACK (PostgreSQL, SQLite: true; MySQL: false). */
  transactionalDdl: boolean
  /**
   * Backslash is an escape character in string literals on this connection (MySQL without
   * `NO_BACKSLASH_ESCAPES`). Known after `connect()`; undefined when the engine has no such mode.
   * The template renderer escapes values to match.
   */
  backslashEscapes?: boolean
  /**
   * A transaction may be started (handed to {@link Driver.transaction}) while the previous one is
   * still running, and is then sent right after it; when the previous one fails, the queued one is
   * guaranteed to change nothing and to fail. PostgreSQL: the driver sends nothing queued behind a
   * failed transaction, and transactions sharing a message stop at the first error. Core uses it
   * for plain SQL migrations, so the client prepares the next migrations while the server runs the
   * current one.
   */
  queuedTransactions?: boolean
  /**
   * Opening a connection waits on a server (a process or thread of its own, authentication): core
   * opens it while it reads the migration files. PostgreSQL, MySQL: true. Without it (SQLite, whose
   * connect creates the database file) core connects after reading them, so a project with broken
   * files touches no database.
   */
  connectWhileDiscovering?: boolean
  /**
   * The driver sends a script's statements in batches that the server runs whole even when the
   * client is gone (MySQL's multi-statement packets), and writes each statement's progress inside
   * the batch, right after the statement (the `progress` argument of {@link Driver.runScript} and
   * {@link Driver.runStatements}): a data change commits with its progress, anything else is
   * followed by its progress at once. The committed progress of a non-transactional migration then
   * always counts exactly the statements that committed, even after the client was killed, so core
   * resumes such an interrupted migration (a `running` row, file unchanged) from its progress.
   */
  progressInBatch?: boolean
}

/**
 * Records that statement `index` (0-based, in its file) completed: history writes deferred on the
 * executor (see {@link QueryExecutor.defer}), which a {@link DriverCapabilities.progressInBatch}
 * driver sends right after the statement, in the same batch.
 */
export type StatementProgress = (index: number, statement: ScriptStatement) => Promise<void>

/** Runs statements on one connection. `?` is the parameter placeholder in every dialect. */
export interface QueryExecutor {
  /**
   * Run one statement and return its rows. The statement is sent now (with whatever the executor
   * deferred before it, see {@link defer}): a driver never holds back a statement given here.
   */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>
  /**
   * Run a write whose outcome nobody waits for, which may ride with the executor's next round trip
   * instead of costing one of its own. Core's history recorder is its only caller: a migration's
   * history row, log entry and progress travel with the migration's own statements (PostgreSQL:
   * `BEGIN; <script>; <history writes>; COMMIT` in one message; MySQL: in front of the next packet).
   *
   * The executor must send deferred writes, in order, before anything sent after them, and have
   * them committed before its transaction commits, before the migration lock is released and before
   * the connection closes. An error of a deferred write is thrown by whatever sends it (the next
   * {@link query}, {@link sync}, the commit, the lock's release). Resolves once the write is
   * accepted: held back, or sent when the executor does not hold it. Optional: without it, core
   * calls {@link query}.
   *
   * @example
   * await (exec.defer ? exec.defer(sql, params) : exec.query(sql, params))
   */
  defer?(sql: string, params?: readonly unknown[]): Promise<void>
  /**
   * Executors that hold statements back to save round trips (a transaction that sends a migration's
   * script, its deferred history writes and COMMIT together) send them now, throwing what they would
   * have thrown. Core calls it where an error must be told apart from the next migration's.
   */
  sync?(): Promise<void>
  /**
   * Set while the executor holds back work whose duration only the server will know: an SQL
   * expression giving that duration in milliseconds, which the history tables record instead of
   * the client's figure.
   */
  readonly elapsedMsSql?: string
  /**
   * Once the transaction of this executor committed: the time the server spent on it (its scripts,
   * from the moment the server started the transaction), in milliseconds. Drivers that hand the
   * server several transactions at once (`queuedTransactions`) set it, since the client cannot time
   * each of them; core reports it instead of its own figure.
   */
  readonly serverDurationMs?: number
}

/** One statement of a script, with where it starts in its file. */
export interface ScriptStatement {
  sql: string
  /** 1-based line in the file where the statement starts. */
  line: number
  /** Offset (UTF-16 code units) of the statement's first character in the script's text. */
  offset?: number
}

/** A SQL script to execute. */
export interface Script {
  /** The whole text. */
  sql: string
  /** File the text came from, for errors. */
  file?: string
  /** 1-based line of the file on which `sql` begins. */
  line?: number
}

/** A script streamed from a file (see {@link Driver.runStatements}): where its statements come from. */
export interface StreamedScript {
  /** File the statements come from, for errors. */
  file?: string
  /** 1-based line of the file on which the script begins. */
  line?: number
}

/**
 * The rows of a CSV file to load into a table in bulk (a template's `csv_insert`), for
 * {@link Driver.loadCsv}. mig's CSV dialect: RFC 4180 (fields in double quotes, a doubled quote
 * inside), `\n`, `\r\n` or `\r` between records, a leading UTF-8 byte order mark dropped.
 */
export interface CsvLoad {
  /** The table, quoted for the driver's dialect (`"audit"."big"`). */
  table: string
  /**
   * The columns the CSV's fields go to, in order, each quoted for the dialect: the `columns` given,
   * else the names in the CSV's first record. Undefined when there are none (an empty file): nothing to load.
   */
  columns(): Promise<string[] | undefined>
  /** The first record names the columns and is not a row. */
  header: boolean
  /** Field separator (one character). */
  delimiter: string
  /** A field equal to this (quoted or not) is NULL; without it no field is NULL. */
  nullAs?: string
  /** The file's bytes (a leading byte order mark removed), from the start each time it is called. */
  bytes(): AsyncIterable<Uint8Array>
  /** The call as written, for messages (`csv_insert("data/big.csv", "big")`). */
  source: string
}

/** Held migration lock; release it once the run is over. */
export interface LockHandle {
  release(): Promise<void>
}

/** Options of {@link Driver.acquireLock}. */
export interface LockOptions {
  /** Identifies the lock: derived from the history table, so two projects in one database do not block each other. */
  key: string
  /** Give up after this many milliseconds (throw LockTimeoutError). Default: wait forever. */
  timeoutMs?: number
  /** Called (once, then every few seconds) while another runner holds the lock. */
  onWait?: (holder: LockHolder | undefined) => void
}

/**
 * A connection to one database for one run. Drivers live in their own packages
 * (`@mig/driver-sqlite`, `@mig/driver-postgres`, `@mig/driver-mysql`, or third-party
 * `mig-driver-<scheme>`), each exporting `createDriver(url, options)`.
 */
export interface Driver extends QueryExecutor {
  readonly dialect: SqlDialect
  readonly capabilities: DriverCapabilities
  /** The URL with any password replaced by `***`. */
  readonly displayUrl: string
  connect(): Promise<void>
  close(): Promise<void>
  /**
   * Run `fn` in a transaction on the main connection; commit when it resolves, roll back when it throws.
   */
  transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T>
  /**
   * Execute a multi-statement script. Throws a {@link StatementFailure} naming the statement and
   * its line on error. `onStatement` is called after each statement that completes, for drivers that
   * cannot roll DDL back and record progress per statement. Core's `runScriptStatements` is the
   * usual implementation (split, then {@link runStatements}); override it to do better with a whole script.
   * `progress`: given only to a {@link DriverCapabilities.progressInBatch} driver (see there).
   */
  runScript(
    exec: QueryExecutor,
    script: Script,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
    progress?: StatementProgress,
  ): Promise<void>
  /**
   * Execute statements as they arrive from a file too large to hold (a migration over
   * `STREAM_THRESHOLD`, split by core with {@link splitOptions} as the file is read). Same contract
   * as {@link runScript}: throws a {@link StatementFailure} naming the statement (its index in the
   * whole file) and line; `onStatement` records progress (after each statement, or after each
   * bounded batch for its last statement). Memory must not grow with the number of statements: send
   * them one by one or in modest batches, inside `exec`'s transaction when it has one. Optional:
   * without it, core reads such a file whole and calls {@link runScript}.
   */
  runStatements?(
    exec: QueryExecutor,
    statements: AsyncIterable<ScriptStatement> | Iterable<ScriptStatement>,
    script: StreamedScript,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
    progress?: StatementProgress,
  ): Promise<void>
  /**
   * Load a CSV's rows into a table the engine's own bulk way (PostgreSQL: `COPY … FROM STDIN` fed
   * the file's bytes as they are read), on `exec` (inside its transaction when it has one): the
   * rows must be those the INSERT statements of the same `csv_insert` would give. Resolves false,
   * having sent nothing, when it cannot take this CSV (a delimiter or NULL string its bulk path
   * refuses): core then runs the INSERT statements. Throws the engine's error when a row is
   * refused. Optional: without it (MySQL, SQLite) core runs multi-row INSERT statements.
   */
  loadCsv?(exec: QueryExecutor, load: CsvLoad): Promise<boolean>
  /**
   * How this engine's scripts are split (MySQL: `DELIMITER`, `#` comments, backslash escapes per
   * `sql_mode`), for statements core splits itself (see {@link runStatements}). Default: the
   * PostgreSQL/SQLite rules (`{}`).
   */
  readonly splitOptions?: SplitOptions
  /** Take the migration lock, waiting for other runners. */
  acquireLock(options: LockOptions): Promise<LockHandle>
  /**
   * The schema (PostgreSQL) or database (MySQL) an unqualified `table` resolves to in the session as
   * it is now: where such a table exists, else where CREATE TABLE would put it. Core asks once per
   * run, before anything runs, and writes the history tables with it: a migration that changes
   * `search_path` or runs `USE` never redirects mig's own writes. Optional (SQLite has no such thing).
   */
  resolveSchema?(table: string): Promise<string | undefined>
  /**
   * Cancel the statement the main connection is running, from a connection of its own (PostgreSQL
   * `pg_cancel_backend`, MySQL `KILL QUERY`): the statement fails and its transaction rolls back;
   * the run hears of it on the main connection as a failure. Optional: without it (SQLite runs
   * statements in-process) a running statement cannot be interrupted.
   */
  cancel?(): Promise<void>
  /**
   * Let what the server is running finish, and run nothing handed over behind it: transactions
   * queued on the connection (`queuedTransactions`) that the server has not started fail with
   * {@link NotRunError}, having changed nothing. Optional: a driver that queues nothing needs nothing.
   */
  stopQueued?(): Promise<void>
  /**
   * Create a schema (namespace) if it does not exist: called before the history tables are created
   * when the history table is schema-qualified. Optional: drivers without schemas omit it.
   */
  ensureSchema?(schema: string): Promise<void>
  /**
   * Whether a table exists (`name` as the history table is configured: `table` or `schema.table`),
   * asked of the catalog, so that an error (a lost connection, a missing privilege) is never taken
   * for "no such table" (which would make every migration look pending). Optional: without it core
   * tries to read the table and takes any error for "no such table".
   */
  tableExists?(name: string): Promise<boolean>
  /** Drop every object in the database (or schema) the URL points at: used by `mig fresh`. */
  dropAllObjects(): Promise<void>
  /** The driver's own client (for code migrations). */
  readonly client: unknown
  /** Read the live schema of the database (or schema) the URL points at. Optional: needed by dump/diff/drift. */
  introspect?(): Promise<Schema>
  /** DDL generator for this dialect. Optional: needed by dump/diff. */
  readonly ddl?: SchemaDdl
  /**
   * Create an empty scratch database of the same engine to materialise SQL in (PostgreSQL/MySQL: a
   * temporary database on the same server; SQLite: memory). Needs a connection. Optional.
   */
  createShadow?(): Promise<ShadowDatabase>
  /** Schema-per-tenant support (`[tenants]` in mig.toml): how this engine keeps and enters tenants. Optional. */
  readonly tenancy?: Tenancy
  /**
   * The views and functions that depend on `objects` (names as a script writes them, unquoted and
   * lower-cased), directly or through each other, dependencies first, each with the statements that
   * drop and re-create it: the dev loop (`mig watch`) drops them before re-applying a repeatable that
   * re-creates what they use, and re-creates them after. Optional: engines whose views do not hold
   * on to what they use (SQLite, MySQL) omit it.
   */
  dependentObjects?(exec: QueryExecutor, objects: readonly string[]): Promise<DependentObject[]>
  /**
   * A new database on the same server (SQLite: a new file) holding a copy of the database the URL
   * points at, for SQL tests. `contents: 'copied'` when the engine copied it (PostgreSQL
   * `CREATE DATABASE … TEMPLATE`, SQLite's backup API); `'empty'` when it cannot (MySQL) or
   * `empty` is asked: core then applies the target's migrations to it. Throws a
   * {@link DatabaseCopyError} when the source cannot be copied (sessions connected to a template).
   * Must not need the driver's own connection to the source. Optional: `mig test` needs it.
   */
  copyDatabase?(options?: CopyDatabaseOptions): Promise<DatabaseCopy>
  /**
   * Open a new connection to the database the URL points at, running one statement at a time with
   * its full result (columns, rows as text, command tag, notices), for SQL tests and `mig run`.
   * The driver's own connection (connected) watches the session's lock waits. Optional.
   */
  openSession?(): Promise<SqlSession>
}

/** A database object found by {@link Driver.dependentObjects}. */
export interface DependentObject {
  kind: 'view' | 'materialized view' | 'function' | 'procedure'
  /** Schema-qualified name, as the catalog spells it (`public.active_users`). */
  name: string
  /** What it uses among the objects asked about, or among the other dependents (`public.users_v`). */
  uses: string[]
  drop: string
  create: string
}

/** Options of {@link Driver.copyDatabase}. */
export interface CopyDatabaseOptions {
  /** Create an empty database (with the source's settings) instead of copying: core migrates it. */
  empty?: boolean
}

/** A database made by {@link Driver.copyDatabase}; `drop()` removes it (idempotent). */
export interface DatabaseCopy extends ShadowDatabase {
  /** Database name, or file for SQLite: what `--keep` prints. */
  name: string
  /** Whether the source's contents were copied, or the database is empty. */
  contents: 'copied' | 'empty'
  /** Name of the database copied: output that names the copy names the source instead, so it is the same every run. */
  source?: string
}

/** A connection that runs statements one by one and returns everything they produce. */
export interface SqlSession {
  /**
   * Run one statement. An error of the statement comes back in the result (`error`); only a lost
   * connection throws.
   */
  run(sql: string): Promise<StatementResult>
  /** Whether the statement now running waits for a lock another session holds. */
  waitingForLock(): Promise<boolean>
  /** Close the connection (a running statement is abandoned). */
  close(): Promise<void>
}

/** A scratch database made by {@link Driver.createShadow}; `drop()` removes it (idempotent). */
export interface ShadowDatabase {
  url: string
  drop(): Promise<void>
}

/** A statement of a script failed. */
export class StatementFailure extends Error {
  /** `instanceof` works across copies of @mig/core: a driver package may bring its own. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof asks about (a subclass too)
    return isBranded(this, x)
  }
  override name = 'StatementFailure'
  readonly statement: ScriptStatement
  readonly index: number
  /** Line of the error in the file, when the server gives a position inside the statement. */
  readonly line: number
  constructor(index: number, statement: ScriptStatement, cause: unknown, line?: number) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.statement = statement
    this.index = index
    this.line = line ?? statement.line
  }
}

brand(StatementFailure, 'StatementFailure')

/**
 * A transaction handed to a driver that never ran: it was queued behind one that failed, or the run
 * was stopped ({@link Driver.stopQueued}) before the server started it. Nothing of it was applied.
 */
export class NotRunError extends Error {
  /** `instanceof` works across copies of @mig/core: a driver package may bring its own. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof asks about (a subclass too)
    return isBranded(this, x)
  }
  override name = 'NotRunError'
}

brand(NotRunError, 'NotRunError')

/** What a driver package exports. */
export type DriverFactory = (url: string, options?: DriverOptions) => Driver

/**
 * A driver package's module, as the CLI imports it for a URL scheme (`@mig/driver-<scheme>` or
 * `mig-driver-<scheme>`).
 */
export interface DriverModule {
  /** Create a driver for a URL (not connected). */
  createDriver: DriverFactory
  /**
   * Resolve a URL written in a project (config, `--database`, `DATABASE_URL`) against the project
   * root, e.g. a relative SQLite file path. Optional: without it URLs are used as written.
   */
  resolveUrl?(url: string, root: string): string
}

/** Options every driver accepts. */
export interface DriverOptions {
  /** `application_name` / connection attribute, so lock holders are recognisable. */
  applicationName?: string
}

/**
 * For drivers' `close()`: end a session without waiting for the server to close its side (a few
 * milliseconds at the end of every command). `end` writes the client's goodbye (PostgreSQL's
 * Terminate, MySQL's COM_QUIT; on an idle socket the write reaches the kernel at once), then the
 * socket stops keeping the process alive and the rest of the goodbye happens on its own. Waits for
 * `end` when the socket cannot be unreferenced.
 */
export async function endSession(end: () => Promise<unknown>, socket: unknown): Promise<void> {
  const ended = end().catch(() => {})
  const unref = (socket as { unref?: unknown } | null | undefined)?.unref
  if (typeof unref === 'function') unref.call(socket)
  else await ended
}
