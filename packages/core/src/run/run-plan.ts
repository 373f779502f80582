import { MigrationError, PlanError } from '../errors.js'
import { migrationInfo } from '../events.js'
import { hasRunLines } from '../hooks.js'
import type { Migration } from '../migration.js'
import type { ResumePoint } from './resume.js'
import { splitStatements } from '../splitter.js'
import { isStreamed } from './bodies.js'
import { now } from './clock.js'
import { runMigration, type StartedMigration, startMigration } from './one-migration.js'
import type { MigrationResult, RunResult } from './results.js'
import type { RunContext, RunTarget } from './target.js'

/** How many plain SQL migrations may be handed to a driver with queuedTransactions ahead of their outcome. */
const QUEUE_DEPTH = 32

/** A statement that starts, ends or prepares a transaction. */
const TRANSACTION_CONTROL = /^(?:commit|rollback|abort|end|begin|start\s+transaction|prepare\s+transaction|savepoint|release)\b/i

/** A planned run, as {@link runPlan} takes it. */
export interface PlannedRun {
  direction: 'up' | 'down'
  plan: Migration[]
  dryRun?: boolean
  /** Apply the whole batch in one transaction (needs transactional DDL). */
  singleTransaction?: boolean
  /** Versions that had a history row in the target's scope when the run started (repeatables: reapply, not apply). */
  hadRows: ReadonlySet<string>
  /** When the run started (`now()` of `run/clock.ts`), for its duration. */
  started: number
  /** Migrations run from the statement that failed (`up --resume`), by version. */
  resumes?: ReadonlyMap<string, ResumePoint>
}

/**
 * Run a plan on `target`, migration by migration, and return a result per migration: stops at the
 * first failure. Emits `plan`, the migrations' events and `done`. Plain SQL migrations are handed
 * to a driver with `queuedTransactions` while the ones before them still run; `singleTransaction`
 * runs the whole plan in one transaction.
 */
export async function runPlan(ctx: RunContext, target: RunTarget, run: PlannedRun): Promise<RunResult> {
  const { direction, plan } = run
  const driver = target.driver
  const dryRun = Boolean(run.dryRun)
  ctx.emit('plan', { direction, migrations: plan.map(migrationInfo), dryRun })
  const results: MigrationResult[] = []
  const finish = (): RunResult => {
    const failed = results.filter((r) => r.status === 'failed' || r.error)
    const done = results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
    const durationMs = Math.round(now() - run.started)
    if (!dryRun) ctx.emit('done', { direction, applied: done, failed: failed.length, skipped: plan.length - results.length, durationMs })
    const out: RunResult = { direction, ok: failed.length === 0, dryRun, results, durationMs }
    if (failed[0]?.error) out.error = failed[0].error
    return out
  }
  if (dryRun) {
    for (const m of plan) results.push({ migration: migrationInfo(m), direction, status: 'planned', durationMs: 0 })
    return finish()
  }
  if (!driver.capabilities.transactionalDdl && plan.length) {
    ctx.emit('warning', {
      code: 'non-transactional-ddl',
      message: `${driver.dialect.name} commits DDL implicitly: a migration that fails halfway cannot be rolled back and is left marked failed`,
    })
  }
  const task = (m: Migration, index: number) => ({
    migration: m,
    direction,
    index,
    total: plan.length,
    hadRow: run.hadRows.has(m.version),
    resume: direction === 'up' ? run.resumes?.get(m.version) : undefined,
  })
  if (run.singleTransaction) {
    if (!driver.capabilities.transactionalDdl) {
      throw new PlanError('other', `--single-transaction needs transactional DDL, which ${driver.dialect.name} does not have`)
    }
    const bad = plan.find((m) => !m.transaction)
    if (bad) throw new PlanError('other', `${bad.id} is marked no-transaction and cannot run inside --single-transaction`, [bad.version])
    try {
      await driver.transaction(async (tx) => {
        for (let i = 0; i < plan.length; i++) {
          const r = await runMigration(ctx, target, task(plan[i]!, i), { outerTx: tx })
          results.push(r)
          if (r.status === 'failed') throw r.error
        }
      })
    } catch (err) {
      if (!(err instanceof MigrationError)) throw err
      for (const r of results) if (r.status !== 'failed') r.status = 'rolled-back'
    }
    return finish()
  }
  // A migration that only needs its transaction committed is handed to the driver while the ones
  // before it are still running on the server (drivers with queuedTransactions), up to
  // QUEUE_DEPTH ahead; outcomes are read, and events emitted, in order.
  const window: StartedMigration[] = []
  /**
   * Read the oldest outcome; false once a migration failed (what is queued behind it never
   * applies), or did not run because the run was stopped.
   */
  const settleOldest = async (): Promise<boolean> => {
    const r = await window.shift()!.finish()
    if (!r) return false
    results.push(r)
    return r.status !== 'failed' && !r.error
  }
  for (let i = 0; i < plan.length; i++) {
    // a turn of the event loop: an in-process driver (SQLite) never gives one, and signals (Ctrl-C
    // stops the run) and output are handled there
    await new Promise((resolve) => setImmediate(resolve))
    if (ctx.control?.stopping) break
    const m = plan[i]!
    const queueable = await canQueue(ctx, target, m, direction)
    if (!queueable) while (window.length) if (!(await settleOldest())) return finish()
    window.push(await startMigration(ctx, target, task(m, i), { queued: window.length > 0 }))
    // a migration that cannot be queued is settled before anything else starts
    if (!queueable || window.length > QUEUE_DEPTH) if (!(await settleOldest())) return finish()
  }
  while (window.length) if (!(await settleOldest())) break
  return finish()
}

/**
 * Whether a migration's transaction may be handed to the driver while the one before it is still
 * running, and may have the next one handed over behind it (see
 * {@link DriverCapabilities.queuedTransactions}): plain SQL whose transaction needs nothing but
 * its commit (no code, template, streamed file, verify script or `-- mig:run`), no per-migration hooks (their
 * side effects must not run before the previous migration is known to be applied), and no
 * transaction control statement of its own (a COMMIT in it could leave a failure outside any
 * transaction block, which would let the next one run).
 */
async function canQueue(ctx: RunContext, target: RunTarget, m: Migration, direction: 'up' | 'down'): Promise<boolean> {
  const body = direction === 'up' ? m.up : m.down
  if (!target.driver.capabilities.queuedTransactions || !m.transaction || m.code || !body || body.template || isStreamed(body)) return false
  if (direction === 'up' && m.verify) return false
  const hooks = ctx.options.hooks
  if (hooks?.before_each || hooks?.after_each) return false
  const text = await body.read()
  if (hasRunLines(text)) return false
  return !splitStatements(text).some((st) => TRANSACTION_CONTROL.test(st.sql))
}
