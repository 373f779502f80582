import type { QueryExecutor } from '../driver.js'
import type { Migration } from '../migration.js'
import { type HistoryRecorder, type HistoryRowInput, MAX_ERROR_CHARS } from './recorder.js'
import type { HistoryRow } from './store.js'

/** Which migration a {@link MigrationRecord} records, in which scope. */
export interface MigrationRecordInput {
  migration: Pick<Migration, 'version' | 'name' | 'kind'>
  direction: 'up' | 'down'
  /** The scope the rows and entries are written in (`shared`, or a tenant). */
  scope: string
  /** Checksum of the up body (empty when it has none). */
  checksum: string
  /** The version had a row in this scope when the run started (a repeatable is then reapplied, and its row updated). */
  hadRow: boolean
  /** Milliseconds since the migration started (the duration recorded). */
  elapsed(): number
}

/** Where a failed migration stopped (1-based statement index and its line). */
export interface FailurePoint {
  /** The error (masked before it is written). */
  message: string
  statementIndex: number
  statementLine: number
  /** The line the server's error points at, when it gave one. */
  errorLine?: number
  /** Checksums of the statements that committed before it (see `HistoryRecorder.statementChecksums`). */
  committed?: string
}

/**
 * The history writes of one migration applied or reverted in one scope, through the
 * {@link HistoryRecorder} (the only writer). A transactional migration writes {@link succeeded} in
 * its own transaction; a non-transactional one writes {@link running} first, {@link progress} after
 * each statement, then {@link succeeded} or {@link failedRow}. A failure is logged with
 * {@link failedLog}, outside the migration's transaction (which is rolled back).
 */
export class MigrationRecord {
  constructor(
    private readonly recorder: HistoryRecorder,
    private readonly input: MigrationRecordInput,
  ) {}

  /**
   * The `running` row written before a non-transactional migration's first statement; `committed`:
   * a resumed migration's statements that committed before (its progress starts there).
   */
  async running(exec: QueryExecutor, committed?: number): Promise<void> {
    const down = this.input.direction === 'down'
    const row = this.row('running', { error: down ? 'rolling back' : null, ...(committed ? { statementIndex: committed } : {}) })
    await this.recorder.writeRow(exec, row, { exists: down || this.input.hadRow })
  }

  /** The statement reached (1-based index) and its line, on the `running` row. */
  async progress(exec: QueryExecutor, statementIndex: number, statementLine: number): Promise<void> {
    const { migration, scope } = this.input
    await this.recorder.progress(exec, { version: migration.version, scope, statementIndex, statementLine })
  }

  /**
   * The migration is done: its `applied` row (up) or no row (down), and an `ok` log entry with
   * `sql` (what ran). `afterRunning`: a `running` row was written first (so the row exists).
   */
  async succeeded(exec: QueryExecutor, sql: string | null, options: { afterRunning?: boolean; note?: string } = {}): Promise<void> {
    const { migration, direction, scope, checksum, hadRow } = this.input
    if (direction === 'up') await this.recorder.writeRow(exec, this.row('applied'), { exists: options.afterRunning || hadRow })
    else await this.recorder.removeRow(exec, migration.version, scope)
    const action = direction === 'up' ? (migration.kind === 'repeatable' && hadRow ? 'reapply' : 'apply') : 'revert'
    await this.recorder.log(exec, {
      version: migration.version,
      name: migration.name,
      action,
      status: 'ok',
      sql,
      vars: this.recorder.loggedVars(),
      error: null,
      durationMs: this.input.elapsed(),
      scope,
      checksum,
      ...(options.note ? { note: options.note } : {}),
    })
  }

  /** The `failed` row of a non-transactional migration, naming the statement it stopped at. */
  async failedRow(exec: QueryExecutor, failure: FailurePoint): Promise<void> {
    const what = this.input.direction === 'down' ? 'down failed' : 'failed'
    const where = `${what} at statement ${failure.statementIndex}${failure.errorLine ? ` (line ${failure.errorLine})` : ''}`
    const error = this.recorder.redact(`${where}: ${failure.message}`).slice(0, MAX_ERROR_CHARS)
    await this.recorder.writeRow(exec, this.row('failed', { error, statementIndex: failure.statementIndex, statementLine: failure.statementLine }))
    const { migration, scope } = this.input
    if (failure.committed !== undefined) await this.recorder.statementChecksums(exec, { version: migration.version, scope, checksums: failure.committed })
  }

  /** The `failed` log entry, with the SQL that was attempted and the error. */
  async failedLog(exec: QueryExecutor, sql: string | null, error: string): Promise<void> {
    const { migration, direction, scope } = this.input
    await this.recorder.log(exec, {
      version: migration.version,
      name: migration.name,
      action: direction === 'up' ? 'apply' : 'revert',
      status: 'failed',
      sql,
      vars: this.recorder.loggedVars(),
      error,
      durationMs: this.input.elapsed(),
      scope,
      checksum: null,
    })
  }

  private row(status: HistoryRow['status'], extra: Partial<HistoryRowInput> = {}): HistoryRowInput {
    const { migration, scope, checksum } = this.input
    return {
      version: migration.version,
      name: migration.name,
      kind: migration.kind,
      checksum,
      durationMs: this.input.elapsed(),
      scope,
      status,
      error: null,
      statementIndex: null,
      statementLine: null,
      ...extra,
    }
  }
}
