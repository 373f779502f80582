import { userInfo } from 'node:os'
import { type Driver, type QueryExecutor, quoteQualified, type Row } from '../driver.js'
import { stringLiteral } from '../driver-kit/dialect.js'

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

/** Where one migration stands in one scope (see {@link HistoryStore.states}). */
export type HistoryState = Pick<HistoryRow, 'version' | 'scope' | 'status' | 'checksum'>

/** Actions recorded in the append-only log. */
/** What a log entry records; `run`: an ad-hoc script (`mig run`), never in the history. */
export type LogAction = 'apply' | 'revert' | 'adopt' | 'repair' | 'resolve' | 'accept-checksum' | 'reapply' | 'env' | 'run'

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

function toDate(v: unknown): Date {
  if (v instanceof Date) return v
  if (typeof v === 'number') return new Date(v)
  const s = String(v)
  // SQLite stores ISO text; MySQL DATETIME without zone is UTC by our writes
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`)
}

/**
 * The history tables, read side: `<table>` (one row per applied migration and scope), `<table>_log`
 * (append-only: every apply, revert, adopt, repair, with the SQL that ran) and `<table>_meta`
 * (key/value: the database's own env). Creates the tables (on first write) and reads them; every
 * write goes through the {@link HistoryRecorder} (`history/recorder.ts`).
 */
export class HistoryStore {
  table: string
  logTable: string
  metaTable: string
  /** The history table as configured (the lock's key is derived from it). */
  readonly configured: string
  private readonly q: (name: string) => string

  constructor(
    private readonly driver: Driver,
    table: string = DEFAULT_HISTORY_TABLE,
  ) {
    this.configured = table
    this.table = table
    this.logTable = `${table}_log`
    this.metaTable = `${table}_meta`
    this.q = (name) => quoteQualified(driver.dialect, name)
  }

  /**
   * Name the tables with `schema`, the one an unqualified name resolves to when the run starts
   * (`Driver.resolveSchema`), so that what a migration does to the session (`search_path`, `USE`)
   * never redirects the writes. A configured name that names its schema stays as it is.
   */
  qualify(schema: string | undefined): void {
    if (!schema || this.configured.includes('.')) return
    this.table = `${schema}.${this.configured}`
    this.logTable = `${this.table}_log`
    this.metaTable = `${this.table}_meta`
  }

  /** Create the three tables if they do not exist. Idempotent; safe under concurrency (IF NOT EXISTS). */
  async ensure(): Promise<void> {
    const t = this.driver.dialect.types
    const i = (n: string) => this.driver.dialect.quoteIdent(n)
    // a schema mig was told to use is created; one the session resolved exists already
    const dot = this.configured.lastIndexOf('.')
    if (dot > 0 && this.driver.ensureSchema) await this.driver.ensureSchema(this.configured.slice(0, dot))
    await this.driver.query(
      `CREATE TABLE IF NOT EXISTS ${this.q(this.table)} (` +
        `${i('version')} ${t.key} NOT NULL, ${i('name')} ${t.key} NOT NULL, ${i('kind')} ${t.key} NOT NULL, ` +
        `${i('checksum')} ${t.key} NOT NULL, ${i('applied_at')} ${t.timestamp} NOT NULL, ${i('duration_ms')} ${t.integer} NOT NULL, ` +
        `${i('applied_by')} ${t.key} NOT NULL, ${i('scope')} ${t.key} NOT NULL, ${i('status')} ${t.key} NOT NULL, ` +
        `${i('error')} ${t.text}, ${i('statement_index')} ${t.integer}, ${i('statement_line')} ${t.integer}, ${i('statement_checksums')} ${t.text}, ` +
        `PRIMARY KEY (${i('version')}, ${i('scope')}))`,
    )
    await this.driver.query(
      `CREATE TABLE IF NOT EXISTS ${this.q(this.logTable)} (${t.serialPrimaryKey}, ` +
        `${i('version')} ${t.key} NOT NULL, ${i('name')} ${t.key} NOT NULL, ${i('action')} ${t.key} NOT NULL, ` +
        `${i('status')} ${t.key} NOT NULL, ${i('scope')} ${t.key} NOT NULL, ${i('checksum')} ${t.key}, ` +
        `${i('sql_text')} ${t.text}, ${i('vars')} ${t.text}, ${i('error')} ${t.text}, ` +
        `${i('applied_by')} ${t.key} NOT NULL, ${i('host')} ${t.key} NOT NULL, ` +
        `${i('at')} ${t.timestamp} NOT NULL, ${i('duration_ms')} ${t.integer} NOT NULL, ` +
        `${i('note')} ${t.text})`,
    )
    await this.driver.query(`CREATE TABLE IF NOT EXISTS ${this.q(this.metaTable)} (${i('key')} ${t.key} NOT NULL PRIMARY KEY, ${i('value')} ${t.text})`)
  }

  /**
   * Every history row, ordered by version; `scope`: only that scope's (a migrator plans and records
   * in one scope: in a project with a thousand tenants, the shared scope is a few rows of many).
   */
  async rows(exec: QueryExecutor = this.driver, scope?: string): Promise<HistoryRow[]> {
    const where = scope === undefined ? undefined : `${this.driver.dialect.quoteIdent('scope')} = ${stringLiteral(this.driver.dialect, scope)}`
    const rows = (await this.rowsAsJson(exec, where)) ?? (await exec.query(`SELECT * FROM ${this.q(this.table)}${where ? ` WHERE ${where}` : ''}`))
    return rows.map(mapRow).sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
  }

  /**
   * Where each migration stands in each scope (version, scope, status, checksum): what a fleet plans
   * with, a third of the full rows' weight, for every tenant at once.
   */
  async states(exec: QueryExecutor = this.driver): Promise<HistoryState[]> {
    const rows = (await this.rowsAsJson(exec, undefined, STATE_COLUMNS)) ?? (await exec.query(`SELECT ${STATE_COLUMNS.join(', ')} FROM ${this.q(this.table)}`))
    return rows.map((r) => ({ version: String(r.version), scope: String(r.scope), status: r.status as HistoryStatus, checksum: String(r.checksum) }))
  }

  /**
   * The history rows, or undefined when the history table does not exist (reading must not create
   * it: that would write). One round trip when it exists; a failed read is told apart from a
   * missing table by asking for the table.
   */
  async rowsIfExists(scope?: string): Promise<HistoryRow[] | undefined> {
    try {
      return await this.rows(this.driver, scope)
    } catch (err) {
      if (await this.exists()) throw err
      return undefined
    }
  }

  /**
   * Whether the history table exists (reading must not create it: that would write). From the
   * catalog when the driver can ask it (an error is then an error, not "no table").
   */
  async exists(): Promise<boolean> {
    if (this.driver.tableExists) return this.driver.tableExists(this.table)
    try {
      await this.driver.query(`SELECT 1 FROM ${this.q(this.table)} WHERE 1 = 0`)
      return true
    } catch {
      return false
    }
  }

  /**
   * The rows as one JSON array when the dialect can build one (`SqlDialect.jsonRows`); undefined
   * when it cannot, when the server refuses the query (a server too old for the aggregate: MariaDB
   * before 10.5, MySQL before 5.7.22; or a missing table, which the plain read reports), or when the
   * text is not whole JSON (a server that cuts long aggregates: MariaDB at `group_concat_max_len`),
   * and the rows are read one by one instead.
   */
  private async rowsAsJson(exec: QueryExecutor, where?: string, columns: readonly string[] = HISTORY_COLUMNS): Promise<Row[] | undefined> {
    const sql = this.driver.dialect.jsonRows?.(this.q(this.table), columns, where)
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

  /**
   * The checksums a failed row kept of the statements that committed before the failure (see
   * `HistoryRecorder.statementChecksums`); null when it has none (or the table is from before them).
   */
  async statementChecksums(version: string, scope: string): Promise<string | null> {
    try {
      const rows = await this.driver.query(`SELECT statement_checksums AS s FROM ${this.q(this.table)} WHERE version = ? AND scope = ?`, [version, scope])
      const v = rows[0]?.s
      return v === undefined || v === null ? null : String(v)
    } catch {
      return null
    }
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
}

/** What {@link HistoryStore.states} reads. */
const STATE_COLUMNS = ['version', 'scope', 'status', 'checksum'] as const

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
