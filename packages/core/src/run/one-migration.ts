import { NotRunError, type QueryExecutor, type StatementProgress } from '../driver.js'
import { MigrationError } from '../errors.js'
import { type MigrationInfo, migrationInfo } from '../events.js'
import { MigrationRecord } from '../history/migration-record.js'
import { type HookContext, type HookName, hasRunLines } from '../hooks.js'
import type { Migration, MigrationBody } from '../migration.js'
import { isStreamed } from './bodies.js'
import { now } from './clock.js'
import { executeFrom, executeMigration, type OnStatement, toMigrationError } from './execute.js'
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
  return new OneMigration(ctx, target, task, options).start()
}

/** One migration's way through a run (see {@link startMigration}): each step a method. */
class OneMigration {
  private readonly info: MigrationInfo
  private readonly body: MigrationBody | null
  /** When the migration started (reset when its start is announced), for its duration. */
  private t0 = now()
  private announced = false
  /** The body's SQL (rendered), undefined for code migrations. */
  private sql: string | undefined
  private upChecksum = ''
  /** The statements a code migration ran (for the log). */
  private readonly ran: string[] = []

  constructor(
    private readonly ctx: RunContext,
    private readonly target: RunTarget,
    private readonly task: MigrationTask,
    private readonly options: StartOptions,
  ) {
    this.info = migrationInfo(task.migration)
    this.body = (task.direction === 'up' ? task.migration.up : task.migration.down) ?? null
  }

  async start(): Promise<StartedMigration> {
    const { migration: m, direction } = this.task
    let hookError: unknown
    try {
      await this.hook('before_each')
    } catch (err) {
      hookError = err
    }
    this.t0 = now()
    if (!this.options.queued) this.announce()
    if (hookError) return this.failure(hookFailure(hookError, direction, m))
    try {
      this.sql = this.body && !m.code ? await this.ctx.bodies.sql(m, this.body, direction) : undefined
      this.upChecksum = m.up ? await this.ctx.bodies.upChecksum(m, m.up, direction === 'up' ? this.sql : undefined) : ''
    } catch (err) {
      return this.failure(err, this.sql)
    }
    if (this.sql !== undefined && hasRunLines(this.sql) && (m.transaction || this.options.outerTx)) {
      const message = '-- mig:run is only allowed in -- mig:no-transaction migrations'
      return this.failure(new MigrationError({ migration: m.id, direction, message, file: this.body?.file }), this.sql)
    }
    if ((m.transaction && this.target.driver.capabilities.transactionalDdl) || this.options.outerTx) return this.transactional()
    return { finish: () => this.nonTransactional() }
  }

  /**
   * Run it in a transaction (its own, handed to the driver now; or the run's), its history row and
   * log entry deferred into the same transaction.
   */
  private transactional(): StartedMigration {
    const { outerTx } = this.options
    let executor: QueryExecutor | undefined
    const work = async (tx: QueryExecutor) => {
      executor = tx
      await this.execute(tx)
      await this.record().succeeded(tx, this.loggedSql())
    }
    const done = outerTx
      ? (async () => {
          await work(outerTx)
          // errors held back by the executor belong to this migration, not the next
          await outerTx.sync?.()
        })()
      : this.target.driver.transaction(work)
    // observed by finish(); a queued transaction may be abandoned unobserved when the one before it fails
    done.catch(() => {})
    return {
      finish: async () => {
        // once the run is stopping, a queued migration is announced only if the driver ran it
        if (!this.announced && this.ctx.control?.stopping) {
          const notRun = await done.then(
            () => false,
            (err: unknown) => err instanceof NotRunError,
          )
          if (notRun) return undefined
        }
        this.announce()
        try {
          await done
        } catch (err) {
          return this.failed(err, this.sql, !outerTx)
        }
        // the server's own time for it, when the driver measured it (queued transactions)
        return this.succeeded(outerTx ? undefined : executor?.serverDurationMs)
      },
    }
  }

  /**
   * Run it without a transaction around it: a `running` row first, progress after each statement,
   * then the outcome. History transitions are data changes: each commits whole even where DDL
   * cannot, so a crash never leaves a migration's changes without a row that says so.
   */
  private async nonTransactional(): Promise<MigrationResult> {
    this.announce()
    const driver = this.target.driver
    const history = this.record()
    let lastDone = -1
    let lastLine = this.body?.line ?? 1
    const { resume } = this.task
    // a driver that batches statements writes each one's progress inside the batch, right after it
    const inBatch = driver.capabilities.progressInBatch === true
    try {
      // a resumed migration's row keeps counting the statements that committed before
      await driver.transaction((tx) => history.running(tx, resume && resume.from > 1 ? resume.from - 1 : undefined))
      const onStatement: OnStatement = async (i, line) => {
        lastDone = i
        lastLine = line
        this.ctx.emit('statement:start', { migration: this.info, index: i + 1, line })
        if (!inBatch) await history.progress(driver, i + 1, line)
      }
      const progress: StatementProgress | undefined = inBatch ? (i, st) => history.progress(driver, i + 1, st.line) : undefined
      if (resume && this.body) await executeFrom(this.target, resume, this.body, onStatement, progress)
      else await this.execute(driver, onStatement, progress)
      const note = resume ? `resumed at statement ${resume.from}${resume.interrupted ? ' after an interrupted run' : ''}` : undefined
      await driver.transaction((tx) => history.succeeded(tx, this.loggedSql(), { afterRunning: true, note }))
    } catch (err) {
      const { migration: m, direction } = this.task
      const error = toMigrationError(m, direction, this.body, err)
      const statementIndex = error.statementIndex ?? lastDone + 2
      const message = error.cause instanceof Error ? error.cause.message : error.message
      // what `up --resume` checks the fixed file against: the statements that committed before it
      const runnable = this.body && this.ctx.bodies.runnable(this.body)
      const resumable = direction === 'up' && runnable && !m.code && !isStreamed(runnable) && this.sql !== undefined && !hasRunLines(this.sql)
      const committed = resumable ? committedChecksums(this.sql!, statementIndex - 1, driver.splitOptions ?? {}) : undefined
      const failure = { message, statementIndex, statementLine: error.line ?? lastLine, errorLine: error.line, committed }
      try {
        if (committed !== undefined) await this.ctx.recorder.ensureStatementChecksums(driver)
        await driver.transaction((tx) => history.failedRow(tx, failure))
      } catch {
        // the connection is gone; the 'running' row already marks the migration as interrupted
      }
      return this.failed(error, this.loggedSql() ?? undefined, true)
    }
    return this.succeeded()
  }

  private execute(exec: QueryExecutor, onStatement?: OnStatement, progress?: StatementProgress): Promise<void> {
    const { migration, direction } = this.task
    return executeMigration(this.ctx, this.target, {
      migration,
      direction,
      exec,
      sql: this.sql,
      body: this.body && this.ctx.bodies.runnable(this.body),
      onStatement,
      progress,
      ran: this.ran,
    })
  }

  /** Its `migration:start` event (once), from which its duration counts. */
  private announce(): void {
    if (this.announced) return
    this.announced = true
    const { direction, index, total, resume } = this.task
    this.ctx.emit('migration:start', {
      migration: this.info,
      direction,
      index,
      total,
      ...(resume ? { resumeAt: resume.from, ...(resume.interrupted ? { interrupted: true } : {}) } : {}),
    })
    this.t0 = now()
  }

  /** Its history writes, in the target's scope. */
  private record(): MigrationRecord {
    const { migration, direction, hadRow } = this.task
    const elapsed = () => now() - this.t0
    return new MigrationRecord(this.ctx.recorder, { migration, direction, scope: this.target.scope, checksum: this.upChecksum, hadRow, elapsed })
  }

  /** The SQL recorded in the log: the body's SQL, or the statements a code migration ran. */
  private loggedSql(): string | null {
    return this.sql ?? (this.ran.length ? this.ran.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n') : null)
  }

  private hook(hook: HookName, extra: Partial<HookContext> = {}): Promise<void> {
    const { migration, direction } = this.task
    return callHook(this.ctx.options, this.target.driver, hook, direction, [migration], { migration: this.info, ...extra })
  }

  /** A migration that failed before anything was handed to the driver. */
  private failure(err: unknown, attempted?: string): StartedMigration {
    return {
      finish: () => {
        this.announce()
        return this.failed(err, attempted, true)
      },
    }
  }

  /** `serverMs`: the server's own time for it, when the driver measured it. */
  private async succeeded(serverMs?: number): Promise<MigrationResult> {
    const { direction, index, total } = this.task
    const durationMs = serverMs ?? Math.round(now() - this.t0)
    if (direction === 'up') this.ctx.emit('migration:applied', { migration: this.info, direction, durationMs, index, total })
    else this.ctx.emit('migration:reverted', { migration: this.info, direction, durationMs, index, total })
    const status = direction === 'up' ? 'applied' : 'reverted'
    const result: MigrationResult = { migration: this.info, direction, status, durationMs }
    try {
      await this.hook('after_each', { status })
    } catch (err) {
      result.error = hookFailure(err, direction, this.task.migration)
    }
    return result
  }

  /** Report a failure: its log entry (`log`: unless the run's transaction rolls it back), event and `on_error` hook. */
  private async failed(err: unknown, attempted: string | undefined, log: boolean): Promise<MigrationResult> {
    const { migration, direction, index, total } = this.task
    const error = toMigrationError(migration, direction, this.body, err)
    const durationMs = Math.round(now() - this.t0)
    if (log) {
      try {
        await this.record().failedLog(this.target.driver, attempted ?? null, error.message)
      } catch {
        // logging must not hide the migration's own error
      }
    }
    this.ctx.emit('migration:failed', { migration: this.info, direction, durationMs, error, index, total })
    try {
      await this.hook('on_error', { error, status: 'failed' })
    } catch (hookErr) {
      this.ctx.emit('warning', { code: 'hook-failed', message: (hookErr as Error).message })
    }
    return { migration: this.info, direction, status: 'failed', durationMs, error }
  }
}

/** {@link startMigration}, then its outcome. */
export async function runMigration(ctx: RunContext, target: RunTarget, task: MigrationTask, options: StartOptions = {}): Promise<MigrationResult> {
  // not queued: it ran, whatever its outcome
  return (await (await startMigration(ctx, target, task, options)).finish())!
}
