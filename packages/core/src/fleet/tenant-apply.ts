import { type QueryExecutor, quoteQualified, StatementFailure } from '../driver.js'
import { MigrationError } from '../errors.js'
import type { HistoryStore } from '../history/store.js'
import type { Migration } from '../migration.js'
import type { TenantSession } from './tenancy.js'

/** A tenant part ready to run in one tenant: its SQL rendered for that tenant. */
export interface PreparedPart {
  migration: Migration
  direction: 'up' | 'down'
  sql: string
  /** Checksum of the tenant's rendered up SQL (recorded in its history row). */
  checksum: string
  file: string
  line: number
}

/** Where a tenant part is recorded. */
export interface PartRecorder {
  /** The shared history tables, named as a session inside a tenant reaches them. */
  history: HistoryStore
  scope: string
  /** Variables for the log (names, or encrypted values). */
  vars: string | null
  redact: (text: string) => string
  transactionalDdl: boolean
}

/** What happened to one tenant part. */
export type PartOutcome = 'done' | 'skipped'

// milliseconds, monotonic
const now = () => Number(process.hrtime.bigint()) / 1e6

/**
 * Apply or revert one tenant part in its tenant. Transactional engines: one transaction holding the
 * tenant's lock, which reads the part's history row first (another runner may have done it) and
 * commits the change with its history row and log entry. The others: a `running` row, the
 * statements one by one with progress, then the `applied` row (a failure leaves a `failed` row
 * naming the statement). `skipped` when the history row says it is already done.
 */
export async function runTenantPart(session: TenantSession, part: PreparedPart, rec: PartRecorder): Promise<{ outcome: PartOutcome; durationMs: number }> {
  const m = part.migration
  const history = rec.history
  const q = quoteQualified(session.driver.dialect, history.table)
  const check = { sql: `SELECT status, error FROM ${q} WHERE version = ? AND scope = ?`, params: [m.version, rec.scope] }
  const script = { sql: part.sql, file: part.file, line: part.line }
  const up = part.direction === 'up'
  const t0 = now()
  const row = (status: 'applied' | 'running' | 'failed', extra: { error?: string; statementIndex?: number; statementLine?: number } = {}) => ({
    version: m.version,
    name: m.name,
    kind: m.kind,
    checksum: part.checksum,
    durationMs: now() - t0,
    scope: rec.scope,
    status,
    error: extra.error ?? null,
    statementIndex: extra.statementIndex ?? null,
    statementLine: extra.statementLine ?? null,
  })
  const log = (exec: QueryExecutor, status: 'ok' | 'failed', error: string | null) =>
    history.log(exec, {
      version: m.version,
      name: m.name,
      action: up ? 'apply' : 'revert',
      status,
      sql: rec.redact(part.sql),
      vars: rec.vars,
      error,
      durationMs: now() - t0,
      scope: rec.scope,
      checksum: part.checksum,
    })
  /** Under the lock: whether the part is still to do; a row left failed or running stops the tenant. */
  const todo = (rows: Record<string, unknown>[]): boolean => {
    const status = rows[0]?.status as string | undefined
    if (status !== undefined && status !== 'applied') {
      throw new MigrationError({
        migration: m.id,
        direction: part.direction,
        message: `left ${status} in this tenant by an earlier run${rows[0]?.error ? `: ${String(rows[0].error)}` : ''}`,
        hint: `check the tenant, then delete its row (version ${m.version}, scope ${rec.scope}) from the history table and run mig up again`,
      })
    }
    return up ? status === undefined : status === 'applied'
  }
  try {
    if (rec.transactionalDdl && m.transaction) {
      const outcome = await session.transaction(check, async (tx, rows): Promise<PartOutcome> => {
        if (!todo(rows)) return 'skipped'
        await session.driver.runScript(tx, script)
        if (up) await history.upsert(tx, row('applied'), { exists: false })
        else await history.delete(tx, m.version, rec.scope)
        await log(tx, 'ok', null)
        return 'done'
      })
      return { outcome, durationMs: Math.round(now() - t0) }
    }
    const outcome = await session.outside(async (): Promise<PartOutcome> => {
      const go = await session.transaction(check, async (tx, rows) => {
        if (!todo(rows)) return false
        await history.upsert(tx, row('running', up ? {} : { error: 'rolling back' }), { exists: !up })
        return true
      })
      if (!go) return 'skipped'
      let lastDone = -1
      try {
        await session.driver.runScript(session.driver, script, async (i, st) => {
          lastDone = i
          await session.driver.query(`UPDATE ${q} SET statement_index = ?, statement_line = ? WHERE version = ? AND scope = ?`, [
            i + 1,
            st.line,
            m.version,
            rec.scope,
          ])
        })
      } catch (err) {
        const index = err instanceof StatementFailure ? err.index + 1 : lastDone + 2
        const line = err instanceof StatementFailure ? err.line : part.line
        const message = rec.redact(`failed at statement ${index} (line ${line}): ${(err as Error).message}`).slice(0, 4000)
        await session.transaction({ sql: 'SELECT 1', params: [] }, (tx) =>
          history.upsert(tx, row('failed', { error: message, statementIndex: index, statementLine: line }), { exists: true }),
        )
        throw err
      }
      await session.transaction({ sql: 'SELECT 1', params: [] }, async (tx) => {
        if (up) await history.upsert(tx, row('applied'), { exists: true })
        else await history.delete(tx, m.version, rec.scope)
        await log(tx, 'ok', null)
      })
      return 'done'
    })
    return { outcome, durationMs: Math.round(now() - t0) }
  } catch (err) {
    const error = toMigrationError(part, err)
    try {
      await log(session.driver, 'failed', rec.redact(error.message))
    } catch {
      // the log must not hide the migration's own error
    }
    throw error
  }
}

/** A tenant part's failure as a {@link MigrationError} naming the statement and its line. */
export function toMigrationError(part: PreparedPart, err: unknown): MigrationError {
  if (err instanceof MigrationError) return err
  const failure = err instanceof StatementFailure ? err : undefined
  return new MigrationError({
    migration: part.migration.id,
    direction: part.direction,
    message: err instanceof Error ? err.message : String(err),
    file: part.file,
    line: failure?.line,
    statement: failure?.statement.sql,
    statementIndex: failure ? failure.index + 1 : undefined,
    cause: err,
  })
}
