import { NotRunError, type QueryExecutor } from '../driver.js'
import { MigrationError } from '../errors.js'
import { migrationInfo } from '../events.js'
import { MigrationRecord } from '../history/migration-record.js'
import { hasRunLines } from '../hooks.js'
import type { Migration } from '../migration.js'
import { now } from './clock.js'
import { isStreamed } from './bodies.js'
import { executeFrom, executeMigration, toMigrationError } from './execute.js'
import { callHook, hookFailure } from './hook-calls.js'
import type { MigrationResult } from './results.js'
import { committedChecksums, type ResumePoint } from './resume.js'
import type { RunContext, RunTarget } from './target.js'

/** One migration of a run, as {@link startMigration} takes it. */
export interface MigrationTask {
  migration: Migration
  direction: 'up' | 'down'
  /** Its position in the run and the run's length (for events). */
  index: number
  total: number
  /** The version had a history row in the target's scope when the run started (a repeatable is then reapplied). */
  hadRow: boolean
  /** Run it from the statement that failed earlier (`up --resume`), the ones before it having committed. */
  resume?: ResumePoint
}

/** Options of {@link startMigration}. */
export interface StartOptions {
  /** The run's transaction (`--single-transaction`): the migration runs, and is recorded, inside it. */
  outerTx?: QueryExecutor
  /** The previous migration's outcome is not known yet: its `migration:start` event waits for `finish()`. */
  queued?: boolean
}

/**
 * A migration handed over: `finish()` waits for its outcome, records a failure and reports it;
 * undefined when it never ran because the run was stopped while it was queued.
 */
export interface StartedMigration {
  finish(): Promise<MigrationResult | undefined>
}

/**
 * Execute one migration on `target` and record it in `target.scope`: its `before_each` hook, its
 * SQL (or code), its history row and log entry written through the recorder, its events and its
 * `after_each` / `on_error` hooks. A transactional migration is handed to the driver at once (with
 * `queuedTransactions`, while the one before it may still be running), its history writes deferred
 * into its own transaction; a non-transactional one records `running`, progress and the outcome in
 * transactions of their own, so a crash never leaves a change without a row that says so.
 *
 * @example
 * // a tenant on a connection of its own
 * const result = await runMigration(ctx, { driver: tenantDriver, scope: 'tenant_42' }, { migration, direction: 'up', index: 0, total: 1, hadRow: false })
 */
export async function startMigration(ctx: RunContext, target: RunTarget, task: MigrationTask, options: StartOptions = {}): Promise<StartedMigration> {
  const { migration: m, direction, index, total, resume } = task
  const { outerTx } = options
  const mi = migrationInfo(m)
  const body = direction === 'up' ? m.up : m.down
  let hookError: unknown
  try {
    await callHook(ctx.options, target.driver, 'before_each', direction, [m], { migration: mi })
  } catch (err) {
    hookError = err
  }
  let t0 = now()
  let announced = false
  const announce = () => {
    if (announced) return
    announced = true
    ctx.emit('migration:start', { migration: mi, direction, index, total, ...(resume ? { resumeAt: resume.from } : {}) })
    t0 = now()
  }
  if (!options.queued) announce()
  let sql: string | undefined
  let upChecksum = ''
  const record = () =>
    new MigrationRecord(ctx.recorder, { migration: m, direction, scope: target.scope, checksum: upChecksum, hadRow: task.hadRow, elapsed: () => now() - t0 })
  const failed = async (err: unknown, attempted: string | undefined, log: boolean): Promise<MigrationResult> => {
    const error = toMigrationError(m, direction, body, err)
    const durationMs = Math.round(now() - t0)
    if (log) {
      try {
        await record().failedLog(target.driver, attempted ?? null, error.message)
      } catch {
        // logging must not hide the migration's own error
      }
    }
    ctx.emit('migration:failed', { migration: mi, direction, durationMs, error, index, total })
    try {
      await callHook(ctx.options, target.driver, 'on_error', direction, [m], { migration: mi, error, status: 'failed' })
    } catch (hookErr) {
      ctx.emit('warning', { code: 'hook-failed', message: (hookErr as Error).message })
    }
    return { migration: mi, direction, status: 'failed', durationMs, error }
  }
  const failure = (err: unknown, attempted?: string): StartedMigration => ({
    finish: () => {
      announce()
      return failed(err, attempted, true)
    },
  })
  if (hookError) return failure(hookFailure(hookError, direction, m))
  try {
    sql = body && !m.code ? await ctx.bodies.sql(m, body, direction) : undefined
    upChecksum = m.up ? await ctx.bodies.upChecksum(m, m.up, direction === 'up' ? sql : undefined) : ''
  } catch (err) {
    return failure(err, sql)
  }
  if (sql !== undefined && hasRunLines(sql) && (m.transaction || outerTx)) {
    const message = '-- mig:run is only allowed in -- mig:no-transaction migrations'
    return failure(new MigrationError({ migration: m.id, direction, message, file: body?.file }), sql)
  }
  const ran: string[] = []
  /** `serverMs`: the server's own time for it, when the driver measured it (queued transactions). */
  const succeeded = async (serverMs?: number): Promise<MigrationResult> => {
    const durationMs = serverMs ?? Math.round(now() - t0)
    if (direction === 'up') ctx.emit('migration:applied', { migration: mi, direction, durationMs, index, total })
    else ctx.emit('migration:reverted', { migration: mi, direction, durationMs, index, total })
    const result: MigrationResult = { migration: mi, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs }
    try {
      await callHook(ctx.options, target.driver, 'after_each', direction, [m], { migration: mi, status: result.status as 'applied' | 'reverted' })
    } catch (err) {
      result.error = hookFailure(err, direction, m)
    }
    return result
  }
  const driver = target.driver
  if ((m.transaction && driver.capabilities.transactionalDdl) || outerTx) {
    let executor: QueryExecutor | undefined
    const work = async (tx: QueryExecutor) => {
      executor = tx
      await executeMigration(ctx, target, { migration: m, direction, exec: tx, sql, body, ran })
      await record().succeeded(tx, loggedSql(sql, ran))
    }
    const done = outerTx
      ? (async () => {
          await work(outerTx)
          // errors held back by the executor belong to this migration, not the next
          await outerTx.sync?.()
        })()
      : driver.transaction(work)
    // observed by finish(); a queued transaction may be abandoned unobserved when the one before it fails
    done.catch(() => {})
    return {
      finish: async () => {
        // once the run is stopping, a queued migration is announced only if the driver ran it
        if (!announced && ctx.control?.stopping) {
          const notRun = await done.then(
            () => false,
            (err: unknown) => err instanceof NotRunError,
          )
          if (notRun) return undefined
        }
        announce()
        try {
          await done
        } catch (err) {
          return failed(err, sql, !outerTx)
        }
        return succeeded(outerTx ? undefined : executor?.serverDurationMs)
      },
    }
  }
  return {
    finish: async () => {
      announce()
      const history = record()
      let lastDone = -1
      let lastLine = body?.line ?? 1
      try {
        // History transitions are data changes: each commits whole even where DDL cannot, so a
        // crash never leaves a migration's changes without a row that says so.
        await driver.transaction((tx) => history.running(tx))
        const onStatement = async (i: number, line: number) => {
          lastDone = i
          lastLine = line
          ctx.emit('statement:start', { migration: mi, index: i + 1, line })
          await history.progress(driver, i + 1, line)
        }
        if (resume && body) await executeFrom(target, resume, body, onStatement)
        else await executeMigration(ctx, target, { migration: m, direction, exec: driver, sql, body, onStatement, ran })
        const note = resume ? `resumed at statement ${resume.from}` : undefined
        await driver.transaction((tx) => history.succeeded(tx, loggedSql(sql, ran), { afterRunning: true, note }))
      } catch (err) {
        const error = toMigrationError(m, direction, body, err)
        const statementIndex = error.statementIndex ?? lastDone + 2
        const message = error.cause instanceof Error ? error.cause.message : error.message
        // what `up --resume` checks the fixed file against: the statements that committed before it
        const resumable = direction === 'up' && body && !m.code && !isStreamed(body)
        const committed =
          resumable && sql !== undefined && !hasRunLines(sql) ? committedChecksums(sql, statementIndex - 1, driver.splitOptions ?? {}) : undefined
        try {
          if (committed !== undefined) await ctx.recorder.ensureStatementChecksums(driver)
          const failure = { message, statementIndex, statementLine: error.line ?? lastLine, errorLine: error.line, committed }
          await driver.transaction((tx) => history.failedRow(tx, failure))
        } catch {
          // the connection is gone; the 'running' row already marks the migration as interrupted
        }
        return failed(error, loggedSql(sql, ran) ?? undefined, true)
      }
      return succeeded()
    },
  }
}

/** {@link startMigration}, then its outcome. */
export async function runMigration(ctx: RunContext, target: RunTarget, task: MigrationTask, options: StartOptions = {}): Promise<MigrationResult> {
  // not queued: it ran, whatever its outcome
  return (await (await startMigration(ctx, target, task, options)).finish())!
}

/** The SQL recorded in the log: the body's SQL, or the statements a code migration ran. */
function loggedSql(sql: string | undefined, ran: string[]): string | null {
  return sql ?? (ran.length ? ran.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n') : null)
}
