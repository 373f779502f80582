import {
  ConnectionError,
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
import { introspectPostgres } from './postgres-introspector.js'
import { PostgresCopies } from './postgres-copy.js'
import { openPostgresSession } from './postgres-session.js'
import { createPostgresShadow } from './postgres-shadow.js'
import { acquirePostgresLock } from './postgres-lock.js'
import { inlineParams, postgresDialect, toNumberedPlaceholders } from './postgres-dialect.js'

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

/** pg's error fields mig reads. */
interface PgError extends Error {
  code?: string
  position?: string
}

/** A pg `Query` that counts the statements completed before an error (for multi-statement scripts). */
class CountingQuery extends (pg.Query as unknown as new (text: string, values: undefined, cb: (err: Error | null, res: unknown) => void) => object) {
  completed = 0
  /** COMMITs completed, and the count of statements completed up to the last of them. */
  commits = 0
  completedAtCommit = 0
  handleCommandComplete(msg: unknown, connection: unknown): void {
    this.completed++
    if ((msg as { text?: string }).text === 'COMMIT') {
      this.commits++
      this.completedAtCommit = this.completed
    }
    ;(pg.Query.prototype as unknown as { handleCommandComplete(m: unknown, c: unknown): void }).handleCommandComplete.call(this, msg, connection)
  }
}

type PgResult = { rows: Row[] }

/** pg's error of a simple-protocol query, with what had completed before it. */
type SimpleQueryError = PgError & { completed?: number; commits?: number; completedAtCommit?: number }

/** Run a simple-protocol query (possibly several statements); resolve with the results and the count of completed statements. */
function simpleQuery(client: pg.Client, text: string): Promise<{ results: PgResult[]; completed: number }> {
  return new Promise((resolve, reject) => {
    const q = new CountingQuery(text, undefined, (err, res) => {
      if (err) {
        Object.assign(err, { completed: q.completed, commits: q.commits, completedAtCommit: q.completedAtCommit })
        reject(err)
      } else resolve({ results: Array.isArray(res) ? (res as PgResult[]) : [res as PgResult], completed: q.completed })
    })
    client.query(q as unknown as pg.Submittable)
  })
}

/** Offset in `text` (UTF-16) of the server's 1-based character `position`. */
function positionToOffset(text: string, position: number): number {
  let chars = 0
  let i = 0
  while (i < text.length && chars < position - 1) {
    const cp = text.codePointAt(i)!
    i += cp > 0xffff ? 2 : 1
    chars++
  }
  return i
}

function lineAt(text: string, offset: number, firstLine: number): number {
  let line = firstLine
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++
  return line
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

/** A message waiting for the main connection. */
interface Outgoing {
  text: string
  params?: unknown[]
  /** A transaction's last message (ending in COMMIT), whose results nobody reads: may share a round trip. */
  commit?: { state: TransactionState }
  /** Sent again alone after a syntax error stopped the message it shared. */
  solo?: boolean
  resolve(value: { results: PgResult[] }): void
  reject(err: unknown): void
}

/** Might end a transaction (conservative: also matches inside strings and comments). */
const ENDS_TRANSACTION = /\b(?:commit|end|rollback|abort)\b/i

/** Most transactions sent in one round trip. */
const MAX_COMMITS_PER_MESSAGE = 64
/** A round trip stops taking transactions once its text reaches this many characters (1 Mi). */
const MAX_MESSAGE_CHARS = 1024 * 1024

/**
 * Every message mig sends on the main connection during a run, in order. Transactions queued
 * behind one another (`queuedTransactions`) that are ready together travel in one round trip, each
 * still its own `BEGIN ... COMMIT`: the server runs them one after the other and stops at the first
 * error, so a transaction never runs after one that failed. The COMMITs that completed say which
 * ones were committed.
 */
class Outbox {
  private queue: Outgoing[] = []
  private busy = false

  constructor(private readonly client: pg.Client) {}

  send(text: string, params?: unknown[], commit?: Outgoing['commit']): Promise<{ results: PgResult[] }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, params, commit, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    if (this.busy) return
    const batch: Outgoing[] = []
    let chars = 0
    while (this.queue.length) {
      const next = this.queue[0]!
      // only transactions' last messages share a round trip
      if (
        batch.length &&
        (!batch[0]!.commit ||
          !next.commit ||
          batch[0]!.solo ||
          next.solo ||
          batch.length >= MAX_COMMITS_PER_MESSAGE ||
          chars + next.text.length > MAX_MESSAGE_CHARS)
      )
        break
      this.queue.shift()
      if (next.commit && failedBefore(next.commit.state)) {
        // queued behind a transaction that failed: never sent
        next.commit.state.failed = true
        next.reject(new Error('not run: the transaction before it failed'))
        continue
      }
      batch.push(next)
      chars += next.text.length
    }
    if (!batch.length) return
    this.busy = true
    void this.deliver(batch)
  }

  /** The connection is free: send what waits, before anyone hears of the message that just came back. */
  private release(): void {
    this.busy = false
    this.pump()
  }

  private async deliver(batch: Outgoing[]): Promise<void> {
    if (batch.length === 1) {
      const one = batch[0]!
      let out: { results: PgResult[] } | undefined
      let error: unknown
      try {
        out = one.params ? { results: [await this.client.query(one.text, one.params)] } : await simpleQuery(this.client, one.text)
      } catch (err) {
        error = err ?? new Error('query failed')
        // marked before anything else is sent: what is queued behind it is refused
        if (one.commit) one.commit.state.failed = true
      }
      this.release()
      if (out) one.resolve(out)
      else one.reject(error)
      return
    }
    let text = ''
    const starts: number[] = []
    for (const b of batch) {
      starts.push(text.length)
      text += b.text
    }
    let err: SimpleQueryError
    try {
      await simpleQuery(this.client, text)
      this.release()
      for (const b of batch) b.resolve({ results: [] })
      return
    } catch (e) {
      err = e as SimpleQueryError
    }
    const committed = err.commits ?? 0
    const rest = batch.slice(committed)
    const offset = err.position ? positionToOffset(text, Number(err.position)) : -1
    if (offset >= 0 && offset >= (starts[committed + 1] ?? text.length)) {
      // a syntax error further on stopped the whole message before the first uncommitted
      // transaction ran: send the rest again one by one (after a ROLLBACK, in case one had begun)
      for (const b of rest) b.solo = true
      this.queue.unshift(...rest)
      await this.client.query('ROLLBACK').catch(() => {})
      this.release()
      for (let k = 0; k < committed; k++) batch[k]!.resolve({ results: [] })
      return
    }
    // the first uncommitted transaction failed (its error as if it had been sent alone); the ones
    // after it in the message did not run
    for (const b of rest) b.commit!.state.failed = true
    this.release()
    for (let k = 0; k < committed; k++) batch[k]!.resolve({ results: [] })
    const before = text.slice(0, starts[committed])
    rest[0]!.reject(
      Object.assign(err, {
        completed: (err.completed ?? 0) - (err.completedAtCommit ?? 0),
        position: err.position ? String(Number(err.position) - [...before].length) : undefined,
      }),
    )
    for (const b of rest.slice(1)) b.reject(new Error('not run: the transaction before it failed'))
  }
}

/** A transaction queued behind `state` must not run: one before it in the queue failed. */
function failedBefore(state: TransactionState): boolean {
  for (let s = state.before; s; s = s.before) {
    if (s.failed) return true
    if (s.settled) return false
  }
  return false
}

/** Milliseconds since the server received the current round trip (see {@link PostgresTransaction.elapsedMsSql}). */
const ELAPSED_MS = `(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::bigint`

/** Outcome of a transaction, as seen by the one queued behind it. */
interface TransactionState {
  settled: boolean
  failed: boolean
  /** The transaction this one was queued behind, while that one was still running. */
  before?: TransactionState
}

/** A statement (or a whole script) held back for the next round trip. */
interface Held {
  sql: string
  script?: Script
}

/**
 * The executor of a transaction. Nothing is sent until something needs an answer: the script of a
 * migration and the writes that return nothing (INSERT/UPDATE/DELETE without RETURNING, the history
 * rows core writes) are held back and sent with the next round trip, so a migration costs one:
 * `BEGIN; <script>; <history writes>; COMMIT`. A held-back statement that fails is reported by the
 * next query, by {@link sync} or by the commit, which then fails; a failing script is reported as
 * the {@link StatementFailure} of its own statement whichever of those sends it.
 */
class PostgresTransaction implements QueryExecutor {
  private held: Held[] = []
  private began = false

  constructor(
    private readonly outbox: Outbox,
    /** This transaction's outcome, linked to the one it was queued behind. */
    private readonly state: TransactionState,
  ) {}

  /**
   * While a script is held back, its duration is only known to the server: history rows written
   * with it record `clock_timestamp() - statement_timestamp()` (the time since the server received
   * the round trip that carries the script).
   */
  get elapsedMsSql(): string | undefined {
    return this.held.some((h) => h.script) ? ELAPSED_MS : undefined
  }

  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    if (/^\s*(insert|update|delete)\b/i.test(sql) && !/\breturning\b/i.test(sql) && (params ?? []).every(isInlinable)) {
      this.held.push({ sql: params?.length ? inlineParams(sql, params) : sql })
      return []
    }
    if (params?.length) {
      await this.sync()
      const { results } = await this.outbox.send(toNumberedPlaceholders(sql), params as unknown[])
      return (results[0]?.rows ?? []) as R[]
    }
    const results = await this.send({ sql })
    return (results.at(-1)?.rows ?? []) as R[]
  }

  /** Hold the script back until the next round trip. */
  runScript(script: Script): void {
    this.held.push({ sql: script.sql, script })
  }

  /** Send what is held back (errors of held-back statements are thrown here). */
  async sync(): Promise<void> {
    if (this.held.length || !this.began) await this.send()
  }

  /**
   * Send `BEGIN` (the first time), the held-back statements and `last`, in one simple-protocol
   * round trip; the results of every statement.
   */
  private async send(last?: Held): Promise<PgResult[]> {
    if (!this.began && failedBefore(this.state)) throw new Error('not run: the transaction before it failed')
    const parts: Held[] = []
    // The commit need not wait for its WAL flush: the run flushes once before it releases the lock
    // (see acquirePostgresLock). A server crash can lose only whole transactions: a migration and
    // its history row together, and mig never reports success before the flush.
    if (!this.began) parts.push({ sql: 'BEGIN' }, { sql: 'SET LOCAL synchronous_commit TO off' })
    parts.push(...this.held)
    if (last) parts.push(last)
    this.held = []
    this.began = true
    // Each part starts at a known offset and holds a known number of statements, so an error can
    // be traced to the part (and, for a script, the statement) it came from.
    let text = ''
    const starts: number[] = []
    for (const p of parts) {
      starts.push(text.length)
      // a script may end in a comment: its terminator goes on a line of its own
      text += p.script ? `${p.sql}\n;\n` : `${p.sql};\n`
    }
    try {
      // only a message whose one COMMIT is mig's may share a round trip (COMMITs tell who committed)
      const shareable = last?.sql === 'COMMIT' && !parts.some((p) => p.script && ENDS_TRANSACTION.test(p.sql))
      return (await this.outbox.send(text, undefined, shareable ? { state: this.state } : undefined)).results
    } catch (err) {
      throw traceFailure(err as PgError & { completed?: number }, parts, starts, text)
    }
  }

  async commit(): Promise<void> {
    await this.send({ sql: 'COMMIT' })
  }

  /**
   * Send `text` (a batch of a streamed script, see {@link PostgresDriver.runStatements}) once
   * {@link sync} has sent what was held back. Rejects with pg's error for `text`, with the count
   * of its statements that `completed`.
   */
  async sendStreamed(text: string): Promise<void> {
    if (this.held.length || !this.began) throw new Error('sendStreamed before sync()')
    await this.outbox.send(text)
  }

  async rollback(): Promise<void> {
    this.held = []
    if (this.began) await this.outbox.send('ROLLBACK').catch(() => {})
  }
}

/**
 * The error of a round trip made of `parts`: a {@link StatementFailure} when it came from a
 * script, else the server's error. A syntax error stops the whole string before anything runs,
 * so the server's position is tried first; else the count of statements that completed.
 */
function traceFailure(err: PgError & { completed?: number }, parts: Held[], starts: number[], text: string): Error {
  const position = err.position ? positionToOffset(text, Number(err.position)) : -1
  let k = 0
  let completed = err.completed ?? 0
  if (position >= 0) {
    while (k < parts.length - 1 && starts[k + 1]! <= position) k++
  } else {
    for (; k < parts.length - 1; k++) {
      const n = parts[k]!.script ? splitStatements(parts[k]!.sql).length : 1
      if (completed < n) break
      completed -= n
    }
  }
  const part = parts[k]!
  return part.script ? scriptFailure(part.script, err, completed, starts[k]!, text) : err
}

/** Most statements of a streamed script sent in one round trip inside a transaction. */
const STREAM_BATCH_STATEMENTS = 1000
/** A streamed batch is sent once its statements reach this many characters (1 Mi). */
const STREAM_BATCH_CHARS = 1024 * 1024

/**
 * Send a batch of a streamed script in one round trip of `tx`; an error becomes the
 * {@link StatementFailure} of its statement (`base` = index of the batch's first statement in the
 * file), at the line the server's position points to.
 */
async function sendStreamedBatch(tx: PostgresTransaction, batch: ScriptStatement[], base: number): Promise<void> {
  let text = ''
  const starts: number[] = []
  for (const st of batch) {
    starts.push(text.length)
    // a statement may end in a comment: its terminator goes on a line of its own
    text += `${st.sql}\n;\n`
  }
  // what the transaction held back (BEGIN first) fails as itself, not as a statement of the batch
  await tx.sync()
  try {
    await tx.sendStreamed(text)
  } catch (err) {
    const e = err as PgError & { completed?: number }
    let k = Math.min(e.completed ?? 0, batch.length - 1)
    let line: number | undefined
    if (e.position) {
      // a syntax error stops the whole batch before anything runs: the position names the statement
      const offset = positionToOffset(text, Number(e.position))
      k = 0
      while (k < batch.length - 1 && starts[k + 1]! <= offset) k++
      line = lineAt(batch[k]!.sql, offset - starts[k]!, batch[k]!.line)
    }
    throw new StatementFailure(base + k, batch[k]!, err, line)
  }
}

function isInlinable(v: unknown): boolean {
  return v === null || v === undefined || v instanceof Date || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)
}

/** Map an error of a script sent whole to the statement that failed and the line the server points at. */
function scriptFailure(script: Script, err: PgError, index: number, scriptOffset: number, text: string): StatementFailure {
  const statements = splitStatements(script.sql, {}, script.line ?? 1)
  let line: number | undefined
  let byPosition: number | undefined
  if (err.position) {
    const offset = positionToOffset(text, Number(err.position)) - scriptOffset
    if (offset >= 0 && offset <= script.sql.length) {
      line = lineAt(script.sql, offset, script.line ?? 1)
      // The position names the statement (a syntax error stops the whole string before anything runs).
      for (let k = statements.length - 1; k >= 0; k--) {
        if ((statements[k]!.offset ?? 0) <= offset) {
          byPosition = k
          break
        }
      }
    }
  }
  const k = Math.min(byPosition ?? index, Math.max(statements.length - 1, 0))
  const statement = statements[k] ?? { sql: script.sql, line: script.line ?? 1 }
  return new StatementFailure(k, statement, err, line)
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
  readonly capabilities: DriverCapabilities = { transactionalDdl: true, separateLockConnection: true, queuedTransactions: true, connectWhileDiscovering: true }
  readonly displayUrl: string
  readonly config: pg.ClientConfig
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
    this.main = undefined
    await this.copies?.close()
    this.copies = undefined
    if (c) await endSession(() => c.end(), c.connection.stream)
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
   * queued behind it (`queuedTransactions`): when the previous one fails, this one is never sent
   * (the {@link Outbox} refuses it, or the server stops the message they share at the failure).
   */
  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    const before = this.lastTransaction?.settled === false ? this.lastTransaction : undefined
    const state: TransactionState = { settled: false, failed: false, before }
    this.lastTransaction = state
    const tx = new PostgresTransaction(this.out, state)
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
    }
  }

  async runScript(exec: QueryExecutor, script: Script, onStatement?: (index: number, statement: ScriptStatement) => Promise<void>): Promise<void> {
    if (exec instanceof PostgresTransaction && !onStatement) return exec.runScript(script)
    await this.runStatements(exec, splitStatements(script.sql, {}, script.line ?? 1), { file: script.file ?? '', line: script.line ?? 1 }, onStatement)
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

  async acquireLock(options: LockOptions): Promise<LockHandle> {
    const client = await openClient(this.config, this.displayUrl)
    return acquirePostgresLock(client, options)
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

  /** A temporary database on the same server, dropped by the returned `drop()` (postgres-shadow.ts). */
  createShadow(): Promise<ShadowDatabase> {
    return createPostgresShadow(this, this.shadowBaseUrl)
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
