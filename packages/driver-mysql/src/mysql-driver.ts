import {
  ConnectionError,
  redactUrl,
  createShadowDatabase,
  type Driver,
  type DriverCapabilities,
  type DriverOptions,
  endSession,
  type LockHandle,
  type LockOptions,
  type QueryExecutor,
  type Row,
  runScriptStatements,
  type Script,
  type ScriptStatement,
  type SplitOptions,
  StatementFailure,
  type Schema,
  type SchemaDdl,
  type ShadowDatabase,
  type DatabaseCopy,
  type SqlSession,
  type StatementProgress,
  type StreamedScript,
} from '@mig/core'
import type { Connection, ConnectionOptions } from 'mysql2/promise'
import { mysqlConfig, openConnection } from './mysql-connection.js'
import { mysqlDialect } from './mysql-dialect.js'
import { mysqlDdl } from './mysql-ddl.js'
import { introspectMysql } from './mysql-introspector.js'
import { createMysqlCopy } from './mysql-copy.js'
import { dropAllMysqlObjects } from './mysql-drop-all.js'
import { openMysqlSession } from './mysql-session.js'
import { acquireMysqlLock } from './mysql-lock.js'
import { MysqlTenancy } from './mysql-tenancy.js'
import { errorLine, isDataChange, Packet, quoteOnlyStatement, STREAM_PACKET_CHARS, STREAM_PACKET_STATEMENTS, sendPacket } from './mysql-packet.js'
import { type MysqlSession, readMysqlSession } from './mysql-session-state.js'

/** Options of {@link mysql}. */
export interface MysqlOptions {
  /** `mysql://user:pass@host:port/db` or `mariadb://...`. */
  url: string
  /** `program_name` connection attribute. Default `mig`. */
  applicationName?: string
}

/**
 * MySQL and MariaDB on mysql2. DDL commits implicitly (`transactionalDdl: false`), so core applies
 * migrations statement by statement and records progress; the migration lock is `GET_LOCK` on a
 * dedicated connection. Scripts may use the client's `DELIMITER` command; backslash escapes follow
 * the server's `sql_mode`.
 */
export class MysqlDriver implements Driver {
  /** DDL generator for `mig dump` / `mig diff` (mysql-ddl.ts). */
  readonly ddl: SchemaDdl = mysqlDdl
  /** The URL as given (with its password), for shadow database URLs. Never printed. */
  private readonly shadowBaseUrl: string
  readonly dialect = mysqlDialect
  readonly capabilities: DriverCapabilities = { transactionalDdl: false, connectWhileDiscovering: true, progressInBatch: true }
  readonly displayUrl: string
  readonly config: ConnectionOptions
  private conn: Connection | undefined
  private database = ''
  /** Database per tenant (mysql-tenancy.ts). */
  readonly tenancy: MysqlTenancy = new MysqlTenancy(this)
  private split: SplitOptions = { delimiterCommand: true, backslashEscapes: true }
  /** Deferred writes waiting for the next round trip (see {@link defer}). */
  private pending: string[] = []
  /** A transaction opened for deferred writes is open (or about to be). */
  private deferred = false
  /** The script opened a transaction of its own (START TRANSACTION / BEGIN) that is still open. */
  private userTransaction = false
  /** The migration lock is held: deferred writes may wait for the next round trip (they commit before it is released). */
  private locked = false
  /** Inside a tenant (see {@link enterTenant}): the reset of each transaction, which `USE`s the tenant's database. */
  private tenantReset: string[] | undefined

  constructor(options: MysqlOptions) {
    this.shadowBaseUrl = options.url
    this.displayUrl = redactUrl(options.url)
    try {
      this.config = mysqlConfig(options.url, options.applicationName)
    } catch (err) {
      throw new ConnectionError(this.displayUrl, (err as Error).message, { cause: err })
    }
  }

  /**
   * The main mysql2 (promise) `Connection`, for code migrations. Handing it out commits the batched
   * deferred writes first (queued on the connection before anything the caller sends), so what code
   * does with it directly is never ahead of its `running` row.
   */
  get client(): Connection {
    const conn = this.connection()
    if (this.pending.length || this.deferred) {
      const batch = [...this.pending, 'COMMIT']
      this.pending = []
      this.deferred = false
      this.userTransaction = false
      conn.query(batch.join(';\n')).catch((err: unknown) => {
        this.failedFlush ??= err
      })
    }
    return conn
  }

  private connection(): Connection {
    if (!this.conn) throw new Error('not connected')
    return this.conn
  }

  /** An error of a commit sent without waiting (see {@link client}), reported by the next round trip. */
  private failedFlush: unknown
  private takeFailedFlush(): void {
    const err = this.failedFlush
    if (err !== undefined) {
      this.failedFlush = undefined
      throw err
    }
  }

  async connect(): Promise<void> {
    if (this.conn) return
    const conn = await openConnection(this.config, this.displayUrl)
    this.conn = conn
    this.session = await readMysqlSession(conn)
    this.database = this.session.database
    const backslashEscapes = this.session.backslashEscapes
    this.split = { delimiterCommand: true, backslashEscapes }
    // Templates escape string literals for the server's actual sql_mode.
    this.capabilities.backslashEscapes = backslashEscapes
  }

  /** A connection for creating and dropping copies (opened on first use). */
  private admin: Promise<Connection> | undefined
  /** An empty database with the source's character set (mysql-copy.ts): MySQL cannot copy one; core migrates it. */
  async copyDatabase(): Promise<DatabaseCopy> {
    this.admin ??= openConnection(this.config, this.displayUrl)
    const source = decodeURIComponent(new URL(this.config.uri!).pathname.slice(1))
    return createMysqlCopy(await this.admin, this.shadowBaseUrl, source)
  }

  /** A session for SQL tests (mysql-session.ts); this connection watches its lock waits. */
  openSession(): Promise<SqlSession> {
    return openMysqlSession(this.config, this.displayUrl, this)
  }

  /** The session as the target configures it (see mysql-session.ts), set back by each transaction. */
  private session: MysqlSession | undefined

  /** The URL's database: the history tables are written there, whatever a migration `USE`s. */
  resolveSchema = async (): Promise<string | undefined> => this.database || undefined

  async close(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    ;(await admin?.catch(() => undefined))?.destroy()
    const c = this.conn
    if (!c) return
    try {
      await this.flush()
    } finally {
      this.conn = undefined
      // without waiting for the server to close its side (see `endSession`); the promise API keeps
      // the callback connection, and its socket, as `connection` (untyped: without it, close waits)
      await endSession(() => c.end(), (c as unknown as { connection?: { stream?: unknown } }).connection?.stream)
    }
  }

  /**
   * Writes the caller marks as deferred (core's history rows, log entries and progress) are not sent
   * at once while the migration lock is held: they open a transaction and travel with the next
   * statement. Data changes of the migration join that transaction; anything else (DDL, which
   * commits implicitly, reads, routines) is preceded by an explicit COMMIT in the same round trip.
   * So every committed change has its `running` row committed before it, a migration's data changes
   * commit together with its progress and its `applied` row, and a run costs about as many commits
   * as the client running the same file. Everything is committed before the lock is released and
   * before the connection closes. Without the lock, a deferred write is sent at once.
   */
  async defer(sql: string, params?: readonly unknown[]): Promise<void> {
    if (this.captured) {
      this.captured.push(params?.length ? this.connection().format(sql, params as unknown[]) : sql)
      return
    }
    if (!this.locked && !this.tenantReset) {
      await this.query(sql, params)
      return
    }
    // Inside the script's own transaction the writes simply join it (START TRANSACTION would commit it).
    if (!this.deferred && !this.userTransaction) this.pending.push('START TRANSACTION')
    if (!this.userTransaction) this.deferred = true
    this.pending.push(params?.length ? this.connection().format(sql, params as unknown[]) : sql)
  }

  /** Send `sql` (behind the deferred writes, see {@link defer}) and return its rows. */
  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return (await this.send(sql, params, isDataChange(sql))) as R[]
  }

  /** Send the deferred writes, then `sql`, in one round trip; the rows of `sql`. */
  private async send(sql: string, params: readonly unknown[] | undefined, joinsTransaction: boolean): Promise<Row[]> {
    this.takeFailedFlush()
    if (!this.pending.length && !this.deferred) {
      const [rows] = await this.connection().query(sql, params as unknown[] | undefined)
      return Array.isArray(rows) && !Array.isArray(rows[0]) ? (rows as Row[]) : []
    }
    const batch = this.pending
    this.pending = []
    if (!joinsTransaction && this.deferred) {
      batch.push('COMMIT')
      this.deferred = false
    }
    batch.push(params?.length ? this.connection().format(sql, params as unknown[]) : sql)
    const [results] = await this.connection().query(batch.join(';\n'))
    const last = Array.isArray(results) && batch.length > 1 ? (results as unknown[]).at(-1) : results
    return Array.isArray(last) ? (last as Row[]) : []
  }

  /**
   * Send the deferred writes and commit what they and the migration's data changes left open (see
   * `QueryExecutor.sync`): a runner working without the lock on this connection calls it after its
   * last migration. Done by itself before the lock is released and before the connection closes.
   */
  sync(): Promise<void> {
    return this.flush()
  }

  /** Commit what the deferred writes left open (before the lock is released or the connection closes). */
  async flush(): Promise<void> {
    this.takeFailedFlush()
    if (!this.pending.length && !this.deferred) return
    const batch = [...this.pending, 'COMMIT']
    this.pending = []
    this.deferred = false
    this.userTransaction = false
    await this.connection().query(batch.join(';\n'))
  }

  /**
   * Run `fn`. Deferred writes inside it are batched as described at {@link defer}; a DDL statement
   * commits implicitly on MySQL whatever a transaction says.
   */
  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    // each of mig's transactions starts with the session set back (in front of its first statement)
    const reset = this.tenantReset ?? (this.locked ? this.session?.resetSql : undefined)
    if (reset && !this.userTransaction) this.pending.push(...reset)
    const mark = this.pending.length
    try {
      return await fn(this)
    } catch (err) {
      // writes of fn that were not sent yet are dropped
      if (this.pending.length > mark) this.pending.length = mark
      throw err
    }
  }

  /**
   * A script's statements in as few round trips as {@link runStatements} allows (one multi-statement
   * packet for any ordinary migration, which the server runs statement by statement, stopping at the
   * first error), with the held-back history writes in front.
   */
  async runScript(
    exec: QueryExecutor,
    script: Script,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
    progress?: StatementProgress,
  ): Promise<void> {
    await runScriptStatements(this, exec, script, onStatement, progress)
  }

  /** How scripts are split on this connection (`DELIMITER`, `#` comments, backslash escapes per `sql_mode`). */
  get splitOptions(): SplitOptions {
    return this.split
  }

  /**
   * A script's statements or a streamed file's (see `Driver.runStatements`): sent in packets of at most
   * {@link STREAM_PACKET_STATEMENTS} statements or about {@link STREAM_PACKET_CHARS} characters,
   * each by {@link runPacket} (history writes in front, data changes in a transaction, COMMIT before
   * anything else, the failing statement named by the count of results). `onStatement` is called
   * after each packet, for its last statement; `progress` inside the packet, after each statement
   * (see {@link runPacket}).
   */
  async runStatements(
    _exec: QueryExecutor,
    statements: AsyncIterable<ScriptStatement> | Iterable<ScriptStatement>,
    _script: StreamedScript,
    onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
    progress?: StatementProgress,
  ): Promise<void> {
    let packet: ScriptStatement[] = []
    let chars = 0
    let base = 0
    const flush = async () => {
      await this.runPacket(packet, base, progress)
      base += packet.length
      if (onStatement) await onStatement(base - 1, packet.at(-1)!)
      packet = []
      chars = 0
    }
    for await (const st of statements) {
      // a statement larger than the bound goes alone
      if (packet.length && chars + st.sql.length > STREAM_PACKET_CHARS) await flush()
      packet.push(st)
      chars += st.sql.length
      if (packet.length >= STREAM_PACKET_STATEMENTS) await flush()
    }
    if (packet.length) await flush()
  }

  /**
   * Statements in one packet with the deferred writes in front (a whole script, or a
   * bounded part of a streamed one; `base` is the index of `statements[0]` in its file). Data
   * changes run in a transaction (the open one, or one started here) that the `applied` row joins;
   * anything else is preceded by a COMMIT. On error the transaction state is the one before the
   * failed statement, and the failure names it.
   *
   * `progress` writes each statement's progress right after it in the packet: a data change's joins
   * its transaction, anything else's commits at once (autocommit). The server runs a packet it has
   * received to the end (or to its first error) even when the client is gone, so after a crash the
   * committed progress counts exactly the statements that committed (`progressInBatch`).
   */
  private async runPacket(statements: ScriptStatement[], base: number, progress?: StatementProgress): Promise<void> {
    this.takeFailedFlush()
    const packet = new Packet(this.pending, { deferred: this.deferred, userTransaction: this.userTransaction })
    this.pending = []
    for (let i = 0; i < statements.length; i++) {
      packet.statement(statements[i]!.sql, i)
      if (progress) for (const write of await this.capture(() => progress(base + i, statements[i]!))) packet.add(write, -1)
    }
    ;({ deferred: this.deferred, userTransaction: this.userTransaction } = packet.state)
    const { done, error } = await sendPacket(this.connection(), packet.batch)
    if (done < packet.batch.length) {
      // the transaction state is the one before the statement that failed
      ;({ deferred: this.deferred, userTransaction: this.userTransaction } = packet.before[done]!)
      const index = packet.owner[done]!
      if (index < 0) throw error
      if ((packet.owner[done + 1] ?? 0) < 0) quoteOnlyStatement(error, packet.batch[done + 1])
      const st = statements[index]!
      throw new StatementFailure(base + index, st, error, errorLine(error, st))
    }
  }

  /** Deferred writes being collected by {@link capture} instead of queued. */
  private captured: string[] | undefined

  /** The deferred writes `fn` makes, as SQL text, instead of queueing them. */
  private async capture(fn: () => Promise<void>): Promise<string[]> {
    const writes: string[] = []
    this.captured = writes
    try {
      await fn()
    } finally {
      this.captured = undefined
    }
    return writes
  }

  /**
   * `GET_LOCK`, held by the main connection's session (see `acquireMysqlLock`): the server thread
   * that runs the migrations keeps it until it has run everything sent to it.
   */
  async acquireLock(options: LockOptions): Promise<LockHandle> {
    await this.flush()
    const lock = await acquireMysqlLock(this.connection(), this.database, options)
    this.locked = true
    return {
      release: async () => {
        try {
          await this.flush()
        } finally {
          this.locked = false
          await lock.release()
        }
      },
    }
  }

  /**
   * mysql-tenancy.ts: this connection holds a tenant's lock and works in its `database`. Until
   * {@link leaveTenant}, deferred writes wait for the next round trip as under the migration lock,
   * and each transaction sets the session back to the target's, in the tenant's database.
   */
  enterTenant(database: string): void {
    const set = this.session?.resetSql.filter((s) => !s.startsWith('USE ')) ?? []
    this.tenantReset = [...set, `USE ${mysqlDialect.quoteIdent(database)}`]
  }

  /** Commit the deferred writes (before the tenant's lock is released) and leave the tenant. */
  async leaveTenant(): Promise<void> {
    try {
      await this.flush()
    } finally {
      this.tenantReset = undefined
    }
  }

  /** `KILL QUERY` of the main connection's thread, from a connection of its own. */
  async cancel(): Promise<void> {
    const id = this.conn?.threadId
    if (!id) return
    const c = await openConnection(this.config, this.displayUrl)
    try {
      await c.query('KILL QUERY ?', [id])
    } finally {
      await c.end().catch(() => {})
    }
  }

  /** A schema is a database on MySQL: create it for a history table named `db.table`. */
  async ensureSchema(schema: string): Promise<void> {
    await this.flush()
    await this.connection().query(`CREATE DATABASE IF NOT EXISTS ${mysqlDialect.quoteIdent(schema)}`)
  }

  /** From information_schema: `db.table`, or a table of the connection's database. */
  async tableExists(name: string): Promise<boolean> {
    const dot = name.indexOf('.')
    const [schema, table] = dot > 0 ? [name.slice(0, dot), name.slice(dot + 1)] : [null, name]
    const rows = await this.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
      [schema, table],
    )
    return Number(rows[0]?.n) > 0
  }

  /** Read the schema of the database the URL points at (mysql-introspector.ts). */
  introspect(): Promise<Schema> {
    return introspectMysql(this)
  }

  /** A temporary database on the same server, dropped by the returned `drop()`. */
  createShadow(): Promise<ShadowDatabase> {
    const q = mysqlDialect.quoteIdent
    return createShadowDatabase({
      exec: this,
      url: this.shadowBaseUrl,
      create: (name) => `CREATE DATABASE ${q(name)}`,
      drop: (name) => [`DROP DATABASE IF EXISTS ${q(name)}`],
    })
  }

  /** Drop every view, table, sequence, routine and event of the URL's database (mysql-drop-all.ts; the database itself stays). */
  async dropAllObjects(): Promise<void> {
    await this.flush()
    await dropAllMysqlObjects(this.connection())
  }
}

/**
 * Create a MySQL / MariaDB driver.
 *
 * @example
 * createMigrator({ driver: mysql({ url: 'mysql://root@127.0.0.1/app' }), sources: [directory('migrations')] })
 */
export function mysqlDriver(options: MysqlOptions): MysqlDriver {
  return new MysqlDriver(options)
}

export { mysqlDriver as mysql }

/** The factory the CLI calls for `mysql://` and `mariadb://` URLs. */
export function createDriver(url: string, options: DriverOptions = {}): MysqlDriver {
  return new MysqlDriver({ url, applicationName: options.applicationName })
}
