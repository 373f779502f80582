import { hostname } from 'node:os'
import { type QueryExecutor, quoteQualified, type SqlDialect } from '../driver.js'
import { currentActor, type HistoryRow, type LogAction, type LogEntry } from './store.js'

/** A history row to write; `appliedAt` (now) and `appliedBy` ({@link currentActor}) are filled in unless given. */
export type HistoryRowInput = Omit<HistoryRow, 'appliedAt' | 'appliedBy'> & { appliedAt?: Date; appliedBy?: string }

/** Where the recorder writes: the three history tables (as written in SQL, possibly schema-qualified). */
export interface HistoryTables {
  readonly table: string
  readonly logTable: string
  readonly metaTable: string
}

/** Options of {@link HistoryRecorder}. */
export interface RecorderOptions {
  /** Masks secrets in the SQL and errors written to the log and to failed rows. Default: none. */
  redact?: (text: string) => string
  /** The `vars` column of apply/revert entries (names, or encrypted values). Default: null. */
  loggedVars?: () => string | null
}

/** The most characters of an error kept in a history row or a note. */
export const MAX_ERROR_CHARS = 4000

/**
 * The one writer of the history tables: history rows, log entries, statement progress and meta
 * values (the env). Every write goes to the executor it is given, as a deferred write
 * ({@link QueryExecutor.defer}) when the executor can hold it: it then rides with the executor's
 * next round trip (PostgreSQL: with the migration's script and COMMIT; MySQL: in front of the next
 * packet). Scope is a field of each write, never a setting of the recorder, so one recorder serves
 * every scope (tenants) and every connection.
 */
export class HistoryRecorder {
  private readonly q: (name: string) => string

  constructor(
    readonly tables: HistoryTables,
    private readonly dialect: SqlDialect,
    private readonly options: RecorderOptions = {},
  ) {
    this.q = (name) => quoteQualified(dialect, name)
  }

  /** `text` with secrets masked (see {@link RecorderOptions.redact}). */
  redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text
  }

  /** What apply/revert entries record in their `vars` column. */
  loggedVars(): string | null {
    return this.options.loggedVars?.() ?? null
  }

  /**
   * Insert or replace the row of a migration and scope. `exists: false` (the caller read the
   * history under the lock and knows there is no row) skips the DELETE; `exists: true` updates
   * the row in place; undefined deletes any row, then inserts.
   */
  async writeRow(exec: QueryExecutor, row: HistoryRowInput, options: { exists?: boolean } = {}): Promise<void> {
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
    const table = this.q(this.tables.table)
    if (options.exists) {
      await this.write(
        exec,
        `UPDATE ${table} SET name = ?, kind = ?, checksum = ?, applied_at = ?, duration_ms = ${duration.sql}, applied_by = ?, status = ?, ` +
          `error = ?, statement_index = ?, statement_line = ? WHERE version = ? AND scope = ?`,
        [...values, row.version, row.scope],
      )
      return
    }
    if (options.exists === undefined) await this.removeRow(exec, row.version, row.scope)
    await this.write(
      exec,
      `INSERT INTO ${table} (name, kind, checksum, applied_at, duration_ms, applied_by, status, error, statement_index, statement_line, version, scope) ` +
        `VALUES (?, ?, ?, ?, ${duration.sql}, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, row.version, row.scope],
    )
  }

  /** Remove the row of a migration and scope (revert, repair). */
  async removeRow(exec: QueryExecutor, version: string, scope: string): Promise<void> {
    await this.write(exec, `DELETE FROM ${this.q(this.tables.table)} WHERE version = ? AND scope = ?`, [version, scope])
  }

  /** The statement a non-transactional apply has reached (1-based index and its line), on its `running` row. */
  async progress(exec: QueryExecutor, at: { version: string; scope: string; statementIndex: number; statementLine: number }): Promise<void> {
    await this.write(exec, `UPDATE ${this.q(this.tables.table)} SET statement_index = ?, statement_line = ? WHERE version = ? AND scope = ?`, [
      at.statementIndex,
      at.statementLine,
      at.version,
      at.scope,
    ])
  }

  /**
   * Add the `statement_checksums` column to a history table created before it existed, on `exec`
   * outside any transaction (a failed probe would abort a PostgreSQL transaction; MySQL's ALTER
   * commits at once). Idempotent; asks once per recorder.
   */
  async ensureStatementChecksums(exec: QueryExecutor): Promise<void> {
    if (this.statementChecksumsReady) return
    const table = this.q(this.tables.table)
    try {
      await exec.query(`SELECT statement_checksums FROM ${table} WHERE 1 = 0`)
    } catch {
      await exec.query(`ALTER TABLE ${table} ADD ${this.dialect.quoteIdent('statement_checksums')} ${this.dialect.types.text}`)
    }
    this.statementChecksumsReady = true
  }
  private statementChecksumsReady = false

  /**
   * On a failed row: the checksums of the statements that committed before the failure
   * (`mig up --resume` checks the fixed file against them; see {@link ensureStatementChecksums}).
   */
  async statementChecksums(exec: QueryExecutor, at: { version: string; scope: string; checksums: string }): Promise<void> {
    await this.write(exec, `UPDATE ${this.q(this.tables.table)} SET statement_checksums = ? WHERE version = ? AND scope = ?`, [
      at.checksums,
      at.version,
      at.scope,
    ])
  }

  /**
   * Append to the log, SQL and error masked ({@link redact}). Entries without a note do not touch the
   * `note` column (tables from before it).
   */
  async log(exec: QueryExecutor, entry: LogEntry): Promise<void> {
    const note = entry.note ?? null
    const duration = durationValue(exec, entry.durationMs)
    const columns = `version, name, action, status, scope, checksum, sql_text, vars, error, applied_by, host, at, duration_ms${note === null ? '' : ', note'}`
    await this.write(
      exec,
      `INSERT INTO ${this.q(this.tables.logTable)} (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${duration.sql}${note === null ? '' : ', ?'})`,
      [
        entry.version,
        entry.name,
        entry.action,
        entry.status,
        entry.scope,
        entry.checksum,
        entry.sql === null ? null : this.redact(entry.sql),
        entry.vars,
        entry.error === null ? null : this.redact(entry.error),
        currentActor(),
        hostname(),
        new Date(),
        ...duration.params,
        ...(note === null ? [] : [note]),
      ],
    )
  }

  /**
   * A log entry of a maintenance action (adopt, resolve, repair, env): no SQL, no variables, no
   * duration; `error` carries what the action replaced, `note` why.
   */
  async logAction(
    exec: QueryExecutor,
    entry: { action: LogAction; version: string; name: string; scope: string; checksum: string | null; error?: string | null; note?: string | null },
  ): Promise<void> {
    await this.log(exec, { sql: null, vars: null, durationMs: 0, status: 'ok', ...entry, error: entry.error ?? null })
  }

  /** Write a metadata value (such as `env`). */
  async setMeta(exec: QueryExecutor, key: string, value: string): Promise<void> {
    const k = this.dialect.quoteIdent('key')
    await this.write(exec, `DELETE FROM ${this.q(this.tables.metaTable)} WHERE ${k} = ?`, [key])
    await this.write(exec, `INSERT INTO ${this.q(this.tables.metaTable)} (${k}, ${this.dialect.quoteIdent('value')}) VALUES (?, ?)`, [key, value])
  }

  /** Every history write goes through here: deferred when the executor can hold it. */
  private async write(exec: QueryExecutor, sql: string, params: readonly unknown[]): Promise<void> {
    if (exec.defer) await exec.defer(sql, params)
    else await exec.query(sql, params)
  }
}

/** The duration column's value: the client's figure, or the server's when the executor holds the work back. */
function durationValue(exec: QueryExecutor, ms: number): { sql: string; params: number[] } {
  const server = exec.elapsedMsSql
  return server ? { sql: server, params: [] } : { sql: '?', params: [Math.round(ms)] }
}
