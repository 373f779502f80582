import { quoteQualified } from '../driver.js'
import { MigrationError } from '../errors.js'
import { MigrationRecord } from '../history/migration-record.js'
import type { Migration, MigrationBody } from '../migration.js'
import { toMigrationError } from '../run/execute.js'
import { runMigration } from '../run/one-migration.js'
import { afterInterruption, type ResumePoint } from '../run/resume.js'
import { hasRunLines } from '../hooks.js'
import type { MigrationResult } from '../run/results.js'
import type { RunContext, RunTarget } from '../run/target.js'
import type { TenantSession } from './tenancy.js'

/** A tenant part ready to run in one tenant: rendered for that tenant. */
export interface PreparedPart {
  /** The migration the part belongs to. */
  migration: Migration
  direction: 'up' | 'down'
  /**
   * The part as a migration of its own for the run room: its SQL (rendered for the tenant) as the
   * `up` (or `down`) body, the other parts left out. Recorded under the migration's version.
   */
  view: Migration
}

/** The tenant part of `m` as a migration whose body is `sql`, for the run room (see {@link PreparedPart.view}). */
export function tenantView(m: Migration, direction: 'up' | 'down', sql: string): Migration {
  const source = (direction === 'up' ? m.tenantUp : m.tenantDown)!
  const body: MigrationBody = { file: source.file, line: source.line, template: false, read: async () => sql }
  return {
    ...m,
    up: direction === 'up' ? body : null,
    down: direction === 'down' ? body : null,
    verify: null,
    code: undefined,
    codeFile: undefined,
    tenantUp: null,
    tenantDown: null,
  }
}

/** A failed part, thrown out of its transaction so the transaction rolls back. */
class RolledBack extends Error {
  constructor(readonly result: MigrationResult) {
    super(result.error?.message ?? 'failed')
  }
}

/**
 * Apply or revert one tenant part in its tenant, through the run room (`runMigration`: the SQL,
 * the history row and log entry written by the recorder in the tenant's scope, the events, the
 * hooks). Transactional engines: one transaction of the {@link TenantSession}, which holds the
 * tenant's lock and reads the part's history row first (another runner may have done it); the part
 * and its row commit together. The others: the session holds the lock; the row is read, then the
 * run room records `running`, progress and the outcome. `skipped` when the row says it is done.
 * A row left failed or running by an earlier run stops the tenant (thrown {@link MigrationError}),
 * but for a part interrupted on MySQL, which is resumed from its progress ({@link interruptedAt}).
 */
export async function runTenantPart(ctx: RunContext, session: TenantSession, scope: string, part: PreparedPart): Promise<MigrationResult | 'skipped'> {
  const m = part.view
  const up = part.direction === 'up'
  const target: RunTarget = { driver: session.driver, scope }
  const task = { migration: m, direction: part.direction, index: 0, total: 1, hadRow: !up }
  const check = {
    sql: `SELECT status, error, checksum, statement_index FROM ${quoteQualified(session.driver.dialect, ctx.recorder.tables.table)} WHERE version = ? AND scope = ?`,
    params: [m.version, scope],
  }
  /** An interrupted part resumed where it stopped (MySQL, see {@link interruptedAt}). */
  let resume: ResumePoint | undefined
  /** Under the lock: whether the part is still to do. */
  const todo = (rows: Record<string, unknown>[]): boolean => {
    const status = rows[0]?.status as string | undefined
    if (status !== undefined && status !== 'applied' && !resume) {
      throw new MigrationError({
        migration: m.id,
        direction: part.direction,
        message: `left ${status} in this tenant by an earlier run${rows[0]?.error ? `: ${String(rows[0].error)}` : ''}`,
        hint: `check the tenant, then delete its row (version ${m.version}, scope ${scope}) from the history table and run mig up again`,
      })
    }
    return up ? status === undefined || resume !== undefined : status === 'applied'
  }
  if (m.transaction && session.driver.capabilities.transactionalDdl) {
    try {
      const result = await session.transaction(check, async (tx, rows) => {
        if (!todo(rows)) return 'skipped' as const
        const r = await runMigration(ctx, target, task, { outerTx: tx })
        if (r.status === 'failed') throw new RolledBack(r)
        return r
      })
      return result
    } catch (err) {
      if (!(err instanceof RolledBack)) throw err
      // the transaction is rolled back: the failure is logged on its own
      const error = err.result.error ?? toMigrationError(m, part.direction, m.up ?? m.down, err)
      const record = new MigrationRecord(ctx.recorder, {
        migration: m,
        direction: part.direction,
        scope,
        checksum: '',
        hadRow: !up,
        elapsed: () => err.result.durationMs,
      })
      await record.failedLog(session.driver, await (m.up ?? m.down)!.read(), error.message).catch(() => {})
      return err.result
    }
  }
  return session.outside(async () => {
    const go = await session.transaction(check, async (_tx, rows) => {
      resume = await interruptedAt(ctx, session, part, rows[0])
      return todo(rows)
    })
    if (!go) return 'skipped' as const
    return runMigration(ctx, target, resume ? { ...task, hadRow: true, resume } : task)
  })
}

/**
 * Where an up part left `running` in this tenant by a run that died starts again: after the
 * statements its progress counts, when the driver's progress is exact (`progressInBatch`) and the
 * part renders to the SQL that ran (same checksum). Undefined otherwise (the part is refused).
 */
async function interruptedAt(
  ctx: RunContext,
  session: TenantSession,
  part: PreparedPart,
  row: Record<string, unknown> | undefined,
): Promise<ResumePoint | undefined> {
  const body = part.view.up
  if (!row || row.status !== 'running' || row.error || part.direction !== 'up' || !body || !session.driver.capabilities.progressInBatch) return undefined
  const sql = await ctx.bodies.sql(part.view, body, 'up')
  // a render that is a stream (csv_insert) runs what it streams, not this text: not resumed
  if (ctx.bodies.runnable(body) !== body || hasRunLines(sql) || (await ctx.bodies.upChecksum(part.view, body, sql)) !== row.checksum) return undefined
  return afterInterruption(sql, Number(row.statement_index ?? 0), session.driver.splitOptions ?? {}, body.line)
}
