import { hostname, userInfo } from 'node:os'
import { type Driver, type QueryExecutor, quoteQualified, type Row } from './driver.js'

/** Default name of the history table. */
export const DEFAULT_HISTORY_TABLE = 'schema_migrations'

/** Status of a history row. `running` only survives a crash of a non-transactional apply. */
export type HistoryStatus = 'applied' | 'failed' | 'running'

/** One row of the history table. */
export interface HistoryRow {
  version: string
  name: string
  kind: 'versioned' | 'repeatable' | 'adopted'
  checksum: string
  appliedAt: Date
  durationMs: number
  appliedBy: string
  scope: string
  status: HistoryStatus
  /** For failed rows: the error and the statement (1-based index and line) that failed. */
  error: string | null
  statementIndex: number | null
  statementLine: number | null
}

/** Actions recorded in the append-only log. */
export type LogAction = 'apply' | 'revert' | 'adopt' | 'repair' | 'resolve' | 'reapply' | 'env'

/** One entry of the append-only log. */
export interface LogEntry {
  version: string
  name: string
  action: LogAction
  status: 'ok' | 'failed'
  sql: string | null
  vars: string | null
  error: string | null
  durationMs: number
  scope: string
  checksum: string | null
  /** Why (adopt `--description`, the tool an import came from). */
  note?: string | null
}

/** A logged entry as read back, with who and when. */
export interface LogRow extends LogEntry {
  id: number
  appliedBy: string
  host: string
  at: Date
}

/** Who is running mig: `MIG_ACTOR` if set, else the OS user. */
export function currentActor(): string {
  const actor = process.env.MIG_ACTOR
  // os.userInfo() reads the passwd database on every call: once per process is enough
  if (osUser === undefined) {
    osUser = 'unknown'
    try {
      osUser = userInfo().username
    } catch {
      // no passwd entry (containers)
    }
  }
  return actor ? `${actor} (${osUser})` : osUser
}
let osUser: string | undefined

/** The duration column's value: the client's figure, or the server's when the executor holds the work back. */
function durationValue(exec: QueryExecutor, ms: number): { sql: string; params: number[] } {
  const server = exec.elapsedMsSql
  return server ? { sql: server, params: [] } : { sql: '?', params: [Math.round(ms)] }
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v
  if (typeof v === 'number') return new Date(v)
  const s = String(v)
  // SQLite stores ISO text; MySQL DATETIME without zone is UTC by our writes
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`)
}

/**
 * The history tables: `<table>` (one row per applied migration and scope), `<table>_log`
 * (append-only: every apply, revert, adopt, repair, with the SQL that ran) and `<table>_meta`
 * (key/value: the database's own env). Created on first use.
 */
export class HistoryStore {
  readonly table: string
  readonly logTable: string
  readonly metaTable: string
  private readonly q: (name: string) => string

  constructor(
    private readonly driver: Driver,
    table: string = DEFAULT_HISTORY_TABLE,
  ) {
    this.table = table
    this.logTable = `${table}_log`
    this.metaTable = `${table}_meta`
    this.q = (name) => quoteQualified(driver.dialect, name)
  }

  /** Create the three tables if they do not exist. Idempotent; safe under concurrency (IF NOT EXISTS). */
  async ensure(): Promise<void> {
    const t = this.driver.dialect.types
    const i = (n: string) => this.driver.dialect.quoteIdent(n)
    const dot = this.table.lastIndexOf('.')
    if (dot > 0 && this.driver.ensureSchema) await this.driver.ensureSchema(this.table.slice(0, dot))
    await this.driver.query(
      `CREATE TABLE IF NOT EXISTS ${this.q(this.table)} (` +
        `${i('version')} ${t.key} NOT NULL, ${i('name')} ${t.key} NOT NULL, ${i('kind')} ${t.key} NOT NULL, ` +
        `${i('checksum')} ${t.key} NOT NULL, ${i('applied_at')} ${t.timestamp} NOT NULL, ${i('duration_ms')} ${t.integer} NOT NULL, ` +
        `${i('applied_by')} ${t.key} NOT NULL, ${i('scope')} ${t.key} NOT NULL, ${i('status')} ${t.key} NOT NULL, ` +
        `${i('error')} ${t.text}, ${i('statement_index')} ${t.integer}, ${i('statement_line')} ${t.integer}, ` +
        `PRIMARY KEY (${i('version')}, ${i('scope')}))`,
    )
    await this.driver.query(
      `CREATE TABLE IF NOT EXISTS ${this.q(this.logTable)} (${t.serialPrimaryKey}, ` +
        `${i('version')} ${t.key} NOT NULL, ${i('name')} ${t.key} NOT NULL, ${i('action')} ${t.key} NOT NULL, ` +
        `${i('status')} ${t.key} NOT NULL, ${i('scope')} ${t.key} NOT NULL, ${i('checksum')} ${t.key}, ` +
        `${i('sql_text')} ${t.text}, ${i('vars')} ${t.text}, ${i('error')} ${t.text}, ` +
        `${i('applied_by')} ${t.key} NOT NULL, ${i('host')} ${t.key} NOT NULL, ${i('at')} ${t.timestamp} NOT NULL, ${i('duration_ms')} ${t.integer} NOT NULL, ` +
        `${i('note')} ${t.text})`,
    )
    await this.driver.query(`CREATE TABLE IF NOT EXISTS ${this.q(this.metaTable)} (${i('key')} ${t.key} NOT NULL PRIMARY KEY, ${i('value')} ${t.text})`)
  }

  /** Every history row, ordered by version. */
  async rows(exec: QueryExecutor = this.driver): Promise<HistoryRow[]> {
    const rows = (await this.rowsAsJson(exec)) ?? (await exec.query(`SELECT * FROM ${this.q(this.table)}`))
    return rows.map(mapRow).sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
  }

  /**
   * The rows as one JSON array when the dialect can build one (`SqlDialect.jsonRows`); undefined
   * when it cannot, when the server refuses the query (a server too old for the aggregate: MariaDB
   * before 10.5, MySQL before 5.7.22; or a missing table, which the plain read reports), or when the
   * text is not whole JSON (a server that cuts long aggregates: MariaDB at `group_concat_max_len`),
   * and the rows are read one by one instead.
   */
  private async rowsAsJson(exec: QueryExecutor): Promise<Row[] | undefined> {
    const sql = this.driver.dialect.jsonRows?.(this.q(this.table), HISTORY_COLUMNS)
    if (!sql) return undefined
    let first: Row | undefined
    try {
      first = (await exec.query(sql))[0]
    } catch {
      return undefined
    }
    const value = first ? Object.values(first)[0] : undefined
    if (value === undefined || value === null) return []
    if (Array.isArray(value)) return value as Row[]
    try {
      const parsed: unknown = JSON.parse(String(value))
      return Array.isArray(parsed) ? (parsed as Row[]) : undefined
    } catch {
      return undefined
    }
  }

  /**
   * Insert or replace the row of a migration and scope. `exists: false` (the caller read the
   * history under the lock and knows there is no row) skips the DELETE; `exists: true` updates
   * the row in place.
   */
  async upsert(
    exec: QueryExecutor,
    row: Omit<HistoryRow, 'appliedAt' | 'appliedBy'> & { appliedAt?: Date; appliedBy?: string },
    options: { exists?: boolean } = {},
  ): Promise<void> {
    const duration = durationValue(exec, row.durationMs)
    const values = [
      row.name,
      row.kind,
      row.checksum,
      row.appliedAt ?? new Date(),
      ...duration.params,
      row.appliedBy ?? currentActor(),
      row.status,
      row.error,
      row.statementIndex,
      row.statementLine,
    ]
    if (options.exists) {
      await exec.query(
        `UPDATE ${this.q(this.table)} SET name = ?, kind = ?, checksum = ?, applied_at = ?, duration_ms = ${duration.sql}, applied_by = ?, status = ?, error = ?, statement_index = ?, statement_line = ? WHERE version = ? AND scope = ?`,
        [...values, row.version, row.scope],
      )
      return
    }
    if (options.exists === undefined) await this.delete(exec, row.version, row.scope)
    await exec.query(
      `INSERT INTO ${this.q(this.table)} (name, kind, checksum, applied_at, duration_ms, applied_by, status, error, statement_index, statement_line, version, scope) VALUES (?, ?, ?, ?, ${duration.sql}, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, row.version, row.scope],
    )
  }

  /** Remove the row of a migration and scope (revert). */
  async delete(exec: QueryExecutor, version: string, scope: string): Promise<void> {
    await exec.query(`DELETE FROM ${this.q(this.table)} WHERE version = ? AND scope = ?`, [version, scope])
  }

  /**
   * Add the `note` column to a log table created before it existed. Call outside a transaction
   * (a failed probe would abort a PostgreSQL transaction). Idempotent.
   */
  async ensureLogColumns(): Promise<void> {
    try {
      await this.driver.query(`SELECT note FROM ${this.q(this.logTable)} WHERE 1 = 0`)
    } catch {
      await this.driver.query(`ALTER TABLE ${this.q(this.logTable)} ADD ${this.driver.dialect.quoteIdent('note')} ${this.driver.dialect.types.text}`)
    }
  }

  /** Append to the log. Entries without a note do not touch the `note` column (tables from before it). */
  async log(exec: QueryExecutor, e: LogEntry): Promise<void> {
    const note = e.note ?? null
    const duration = durationValue(exec, e.durationMs)
    await exec.query(
      `INSERT INTO ${this.q(this.logTable)} (version, name, action, status, scope, checksum, sql_text, vars, error, applied_by, host, at, duration_ms${note === null ? '' : ', note'}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${duration.sql}${note === null ? '' : ', ?'})`,
      [
        e.version,
        e.name,
        e.action,
        e.status,
        e.scope,
        e.checksum,
        e.sql,
        e.vars,
        e.error,
        currentActor(),
        hostname(),
        new Date(),
        ...duration.params,
        ...(note === null ? [] : [note]),
      ],
    )
  }

  /** Read the log, oldest first, optionally for one version. */
  async readLog(version?: string): Promise<LogRow[]> {
    const rows = version
      ? await this.driver.query(`SELECT * FROM ${this.q(this.logTable)} WHERE version = ? ORDER BY id`, [version])
      : await this.driver.query(`SELECT * FROM ${this.q(this.logTable)} ORDER BY id`)
    return rows.map((r) => ({
      id: Number(r.id),
      version: String(r.version),
      name: String(r.name),
      action: r.action as LogAction,
      status: r.status as 'ok' | 'failed',
      scope: String(r.scope),
      checksum: (r.checksum as string | null) ?? null,
      sql: (r.sql_text as string | null) ?? null,
      vars: (r.vars as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      appliedBy: String(r.applied_by),
      host: String(r.host),
      at: toDate(r.at),
      durationMs: Number(r.duration_ms),
      note: (r.note as string | null | undefined) ?? null,
    }))
  }

  /** Read a metadata value (such as `env`). */
  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.driver.query(
      `SELECT ${this.driver.dialect.quoteIdent('value')} AS v FROM ${this.q(this.metaTable)} WHERE ${this.driver.dialect.quoteIdent('key')} = ?`,
      [key],
    )
    const v = rows[0]?.v
    return v === undefined || v === null ? undefined : String(v)
  }

  /** Write a metadata value. */
  async setMeta(key: string, value: string): Promise<void> {
    const k = this.driver.dialect.quoteIdent('key')
    await this.driver.query(`DELETE FROM ${this.q(this.metaTable)} WHERE ${k} = ?`, [key])
    await this.driver.query(`INSERT INTO ${this.q(this.metaTable)} (${k}, ${this.driver.dialect.quoteIdent('value')}) VALUES (?, ?)`, [key, value])
  }
}

/** The history table's columns (what {@link mapRow} reads). */
const HISTORY_COLUMNS = [
  'version',
  'name',
  'kind',
  'checksum',
  'applied_at',
  'duration_ms',
  'applied_by',
  'scope',
  'status',
  'error',
  'statement_index',
  'statement_line',
] as const

function mapRow(r: Row): HistoryRow {
  return {
    version: String(r.version),
    name: String(r.name),
    kind: r.kind as HistoryRow['kind'],
    checksum: String(r.checksum),
    appliedAt: toDate(r.applied_at),
    durationMs: Number(r.duration_ms),
    appliedBy: String(r.applied_by),
    scope: String(r.scope),
    status: r.status as HistoryStatus,
    error: (r.error as string | null) ?? null,
    statementIndex: r.statement_index === null || r.statement_index === undefined ? null : Number(r.statement_index),
    statementLine: r.statement_line === null || r.statement_line === undefined ? null : Number(r.statement_line),
  }
}
