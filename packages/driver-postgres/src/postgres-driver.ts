import {
  ConnectionError,
  type CsvLoad,
  createShadowDatabase,
  type DependentObject,
  type Driver,
  type DriverCapabilities,
  type DriverOptions,
  endSession,
  type LockHandle,
  type LockOptions,
  type QueryExecutor,
  quoteQualified,
  type Row,
  redactUrl,
  type Script,
  type ScriptStatement,
  StatementFailure,
  splitStatements,
  type Schema,
  type SchemaDdl,
  type ShadowDatabase,
  type CopyDatabaseOptions,
  type DatabaseCopy,
  type SqlSession,
  type StreamedScript,
} from '@mig/core'
import pg from 'pg'
import { postgresDdl } from './postgres-ddl.js'
import { postgresDependents } from './postgres-dependents.js'
import { introspectPostgres } from './postgres-introspector.js'
import { PostgresCopies } from './postgres-copy.js'
import { copyable, copyCsv, copyStatement } from './postgres-csv-load.js'
import { postgresDialect, toNumberedPlaceholders, withoutPsqlRestrict } from './postgres-dialect.js'
import { acquirePostgresLock, advisoryKey } from './postgres-lock.js'
import { openPostgresSession } from './postgres-session.js'
import { transactionStart } from './postgres-session-state.js'
import { PostgresTenancy } from './postgres-tenancy.js'
import {
  lineAt,
  Outbox,
  type PgError,
  PostgresTransaction,
  positionToOffset,
  STREAM_BATCH_CHARS,
  STREAM_BATCH_STATEMENTS,
  sendStreamedBatch,
  type TransactionState,
} from './postgres-transaction.js'

/** Options of {@link postgres}. */
export interface PostgresOptions {
  /**
   * `postgres://user:pass@host:port/db`. Besides libpq's own parameters (`sslmode`, `options`...),
   * `?search_path=a,b` (or `?schema=a`) sets the search path of every connection mig opens.
   */
  url: string
  /** `application_name` of mig's connections, shown to other sessions waiting for the lock. Default `mig`. */
  applicationName?: string
}

/** Parse the URL into pg's config, taking out mig's own `search_path` / `schema` parameters. */
export function postgresConfig(url: string, applicationName = 'mig'): pg.ClientConfig {
  const u = new URL(url)
  const searchPath = u.searchParams.get('search_path') ?? u.searchParams.get('schema')
  u.searchParams.delete('search_path')
  u.searchParams.delete('schema')
  const config: pg.ClientConfig = { connectionString: u.toString().replace(/^postgresql:/, 'postgres:') }
  if (!u.searchParams.has('application_name')) config.application_name = applicationName
  if (searchPath) {
    const path = searchPath
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => postgresDialect.quoteIdent(s))
      .join(',')
    config.options = `-c search_path=${path.replace(/([\\ ])/g, '\\$1')}`
  }
  return config
}

/** Open a pg client, turning every failure into a {@link ConnectionError} without the password. */
export async function openClient(config: pg.ClientConfig, displayUrl: string): Promise<pg.Client> {
  const client = new pg.Client(config)
  // An idle client whose server goes away emits 'error'; the next query reports it instead.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => {})
    const e = err as PgError
    const detail = e.code === 'ECONNREFUSED' ? `connection refused (is the server running?)` : e.message || String(err)
    throw new ConnectionError(displayUrl, redactUrl(detail), { cause: err })
  }
  return client
}

/**
 * PostgreSQL on `pg`: transactional DDL, a session advisory lock on a dedicated connection,
 * migrations sent whole in one round trip, `-- mig:no-transaction` migrations statement by statement.
 */
export class PostgresDriver implements Driver {
  /** DDL generator for `mig dump` / `mig diff` (postgres-ddl.ts). */
  readonly ddl: SchemaDdl = postgresDdl
  /** The URL as given (with its password), for shadow database URLs. Never printed. */
  private readonly shadowBaseUrl: string
  readonly dialect = postgresDialect
  readonly capabilities: DriverCapabilities = { transactionalDdl: true, queuedTransactions: true, connectWhileDiscovering: true }
  readonly displayUrl: string
  readonly config: pg.ClientConfig
  /** Schema per tenant (postgres-tenancy.ts). */
  readonly tenancy: PostgresTenancy = new PostgresTenancy(this)
  private main: pg.Client | undefined

  constructor(options: PostgresOptions) {
    this.shadowBaseUrl = options.url
    this.displayUrl = redactUrl(options.url)
    try {
      this.config = postgresConfig(options.url, options.applicationName)
    } catch (err) {
      throw new ConnectionError(this.displayUrl, 'malformed URL', { cause: err })
    }
  }

  /** The main connection's pg `Client` (for code migrations). */
  get client(): pg.Client {
    if (!this.main) throw new Error('not connected')
    return this.main
  }

  /** Every message of a run on the main connection, in order (see {@link Outbox}). */
  private outbox: Outbox | undefined

  async connect(): Promise<void> {
    if (this.main) return
    this.main = await openClient(this.config, this.displayUrl)
    this.outbox = new Outbox(this.main)
  }

  private get out(): Outbox {
    if (!this.outbox) throw new Error('not connected')
    return this.outbox
  }

  /** Ends the session without waiting for the server to close its side (see `endSession`). */
  async close(): Promise<void> {
    const c = this.main
    const stopper = this.stopper
    this.main = undefined
    await this.copies?.close()
    this.copies = undefined
    this.stopper = undefined
    this.starts = undefined
    if (c) await endSession(() => c.end(), c.connection.stream)
    if (stopper) await endSession(() => stopper.end(), stopper.connection.stream)
  }

  /** What a transaction starts with (see `transactionStart`): with the stop check when it is queued. */
  private transactionStart(queued: boolean): { sql: string }[] {
    this.starts ??= { plain: transactionStart(), queued: transactionStart(this.stopKey) }
    return queued ? this.starts.queued : this.starts.plain
  }
  private starts: { plain: { sql: string }[]; queued: { sql: string }[] } | undefined

  /** The advisory key of this session's stop check, derived from its backend's pid. */
  private get stopKey(): bigint {
    return advisoryKey(`mig:stop:${(this.client as pg.Client & { processID?: number }).processID ?? 0}`)
  }

  /** The connection that holds {@link stopKey} once the run was stopped. */
  private stopper: pg.Client | undefined

  /**
   * Stop the run (the first Ctrl-C): queued transactions not sent yet are never sent, and those
   * already sent behind the running one fail their stop check when the server reaches them (a
   * connection of its own takes the stop key, which waits on the server for the running
   * transaction's share of it). The running transaction finishes.
   */
  async stopQueued(): Promise<void> {
    this.outbox?.stop()
    if (this.stopper || !this.main) return
    const stopper = await openClient(this.config, this.displayUrl)
    this.stopper = stopper
    stopper.query('SELECT pg_advisory_lock($1)', [this.stopKey.toString()]).catch(() => {})
  }

  /** Where `table` resolves through `search_path` (its schema if it exists, else `current_schema()`). */
  async resolveSchema(table: string): Promise<string | undefined> {
    const rows = await this.query<{ s: string | null }>(
      'SELECT coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?)), current_schema()) AS s',
      [postgresDialect.quoteIdent(table)],
    )
    return rows[0]?.s ?? undefined
  }

  /** Copies for SQL tests (postgres-copy.ts), on connections of their own. */
  private copies: PostgresCopies | undefined

  /** Copy the database with `CREATE DATABASE … TEMPLATE` (postgres-copy.ts); needs no connection to it. */
  copyDatabase(options?: CopyDatabaseOptions): Promise<DatabaseCopy> {
    this.copies ??= new PostgresCopies(this.shadowBaseUrl, this.displayUrl)
    return this.copies.copy(options)
  }

  /** A session for SQL tests (postgres-session.ts); this connection watches its lock waits. */
  async openSession(): Promise<SqlSession> {
    return openPostgresSession(this.config, this.displayUrl, this)
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const { results } = params?.length ? await this.out.send(toNumberedPlaceholders(sql), params as unknown[]) : await this.out.send(sql)
    return (results.at(-1)?.rows ?? []) as R[]
  }

  /** The last transaction started, to tell a queued one that the one before it failed. */
  private lastTransaction: TransactionState | undefined

  /**
   * Run `fn` in a transaction. A transaction started while the previous one is still running is
   * queued behind it (`queuedTransactions`): it is sent once the previous one has sent its last
   * message, and when the previous one fails, it is never sent (the {@link Outbox} refuses it, or
   * the server stops the message they share at the failure). Transactions do not nest: `fn` must not
   * start another one on this driver.
   */
  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    const before = this.lastTransaction?.settled === false ? this.lastTransaction : undefined
    const state: TransactionState = { settled: false, failed: false, before, queued: Boolean(before) }
    this.lastTransaction = state
    const tx = new PostgresTransaction(this.out, state, this.transactionStart(Boolean(before)))
    try {
      const out = await fn(tx)
      await tx.commit()
      return out
    } catch (err) {
      // (the outbox has marked it already when the server refused it; fn itself may have thrown)
      state.failed = true
      await tx.rollback()
      throw err
    } finally {
      state.settled = true
      state.before = undefined
      // messages of a transaction queued behind this one may wait for it to settle
      this.outbox?.settled()
    }
  }

  async runScript(exec: QueryExecutor, script: Script, onStatement?: (index: number, statement: ScriptStatement) => Promise<void>): Promise<void> {
    if (exec instanceof PostgresTransaction && !onStatement) return exec.runScript(script)
    const statements = splitStatements(withoutPsqlRestrict(script.sql), {}, script.line ?? 1)
    await this.runStatements(exec, statements, { file: script.file ?? '', line: script.line ?? 1 }, onStatement)
  }

  /**
   * A script's statements or a streamed file's (see `Driver.runStatements`). Inside the migration's
   * transaction they go in batches of at most {@link STREAM_BATCH_STATEMENTS} statements or about
   * {@link STREAM_BATCH_CHARS} characters per round trip (`onStatement`, if given, after each batch
   * for its last statement). Outside one (`-- mig:no-transaction`): one statement per round trip,
   * so CREATE INDEX CONCURRENTLY and ALTER TYPE ... ADD VALUE never land in an implicit
   * multi-statement transaction.
   */
  async runStatements(
    exec: QueryExecutor,
    statements: AsyncIterable<ScriptStatement> | Iterable<ScriptStatement>,
    _script: StreamedScript,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
  ): Promise<void> {
    let i = 0
    if (!(exec instanceof PostgresTransaction)) {
      for await (const st of statements) {
        try {
          await this.out.send(st.sql)
        } catch (err) {
          const e = err as PgError
          const line = e.position ? lineAt(st.sql, positionToOffset(st.sql, Number(e.position)), st.line) : undefined
          throw new StatementFailure(i, st, err, line)
        }
        if (onStatement) await onStatement(i, st)
        i++
      }
      return
    }
    let batch: ScriptStatement[] = []
    let chars = 0
    const flush = async () => {
      await sendStreamedBatch(exec, batch, i)
      i += batch.length
      if (onStatement) await onStatement(i - 1, batch.at(-1)!)
      batch = []
      chars = 0
    }
    for await (const st of statements) {
      batch.push(st)
      chars += st.sql.length
      if (batch.length >= STREAM_BATCH_STATEMENTS || chars >= STREAM_BATCH_CHARS) await flush()
    }
    if (batch.length) await flush()
  }

  /**
   * A template's CSV through `COPY … FROM STDIN` (postgres-csv-load.ts), inside `exec`'s
   * transaction when it has one: the file's bytes are sent as they are read and the server parses
   * them. False (nothing sent) for a delimiter or NULL string COPY does not take.
   */
  async loadCsv(exec: QueryExecutor, load: CsvLoad): Promise<boolean> {
    if (!copyable(load)) return false
    const columns = await load.columns()
    // an empty file: no columns, no rows
    if (!columns) return true
    const sql = copyStatement(load, columns)
    const run = (client: pg.Client) => copyCsv(client, sql, load)
    if (exec instanceof PostgresTransaction) await exec.exchange(run)
    else await this.out.exchange(run)
    return true
  }

  /**
   * The advisory lock, held by the main connection's session (see `acquirePostgresLock`): the
   * backend that runs the migrations keeps it until it has run everything sent to it.
   */
  async acquireLock(options: LockOptions): Promise<LockHandle> {
    return acquirePostgresLock(
      {
        query: async <R extends Row>(sql: string, params?: unknown[]) => ({
          rows: ((await this.out.send(sql, params?.length ? params : undefined)).results.at(-1)?.rows ?? []) as R[],
        }),
      },
      options,
    )
  }

  /** `pg_cancel_backend` of the main connection's backend, from a connection of its own. */
  async cancel(): Promise<void> {
    const pid = (this.main as (pg.Client & { processID?: number }) | undefined)?.processID
    if (!pid) return
    const c = await openClient(this.config, this.displayUrl)
    try {
      await c.query('SELECT pg_cancel_backend($1)', [pid])
    } finally {
      await c.end().catch(() => {})
    }
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.out.send(`CREATE SCHEMA IF NOT EXISTS ${postgresDialect.quoteIdent(schema)}`)
  }

  /** `to_regclass`: the name resolved as a query would (`search_path`), null when there is none. */
  async tableExists(name: string): Promise<boolean> {
    const rows = await this.query<{ e: boolean }>('SELECT to_regclass(?) IS NOT NULL AS e', [quoteQualified(postgresDialect, name)])
    return rows[0]?.e === true
  }

  /** Read the schema of the database the URL points at (postgres-introspector.ts). */
  introspect(): Promise<Schema> {
    return introspectPostgres(this)
  }

  /**
   * A temporary database on the same server, dropped by the returned `drop()` (`WITH (FORCE)` where
   * the server has it, PostgreSQL 13+).
   */
  /** Views and functions that depend on `objects` (pg_depend), dependencies first, with their drop and create statements. */
  dependentObjects(exec: QueryExecutor, objects: readonly string[]): Promise<DependentObject[]> {
    return postgresDependents(exec, objects)
  }

  createShadow(): Promise<ShadowDatabase> {
    const q = postgresDialect.quoteIdent
    return createShadowDatabase({
      exec: this,
      url: this.shadowBaseUrl,
      create: (name) => `CREATE DATABASE ${q(name)}`,
      drop: (name) => [`DROP DATABASE IF EXISTS ${q(name)} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${q(name)}`],
    })
  }

  /**
   * Drop every user schema (everything but `pg_*` and `information_schema`) with CASCADE, then
   * recreate the schemas of the search path (and `public`) empty.
   */
  async dropAllObjects(): Promise<void> {
    const c = this.client
    const schemas = (
      await c.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname`,
      )
    ).rows.map((r) => r.nspname)
    const path = (await c.query<{ s: string[] | string }>(`SELECT current_schemas(false)::text[] AS s`)).rows[0]?.s
    const onPath = new Set(
      Array.isArray(path)
        ? path
        : String(path ?? '')
            .replace(/[{}]/g, '')
            .split(',')
            .filter(Boolean),
    )
    const { rows } = await c.query<{ p: string }>(`SELECT current_setting('search_path') AS p`)
    for (const p of (rows[0]?.p ?? '').split(',')) {
      const name = p.trim().replace(/^"(.*)"$/, '$1')
      if (name && name !== '$user' && !name.startsWith('pg_')) onPath.add(name)
    }
    const recreate = schemas.filter((s) => onPath.has(s) || s === 'public')
    const q = postgresDialect.quoteIdent
    await c.query('BEGIN')
    try {
      for (const s of schemas) await c.query(`DROP SCHEMA ${q(s)} CASCADE`)
      for (const s of recreate) await c.query(`CREATE SCHEMA ${q(s)}`)
      if (recreate.includes('public')) await c.query('GRANT USAGE ON SCHEMA public TO PUBLIC')
      await c.query('COMMIT')
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    }
  }
}

/**
 * Create a PostgreSQL driver.
 *
 * @example
 * createMigrator({ driver: postgres({ url: process.env.DATABASE_URL! }), sources: [directory('migrations')] })
 */
export function postgres(options: PostgresOptions): PostgresDriver {
  return new PostgresDriver(options)
}

/** The factory the CLI calls for `postgres://` and `postgresql://` URLs. */
export function createDriver(url: string, options: DriverOptions = {}): PostgresDriver {
  return new PostgresDriver({ url, applicationName: options.applicationName })
}
