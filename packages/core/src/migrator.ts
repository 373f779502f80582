import { type AdhocResult, type AdhocScript, runAdhocScript } from './adhoc.js'
import { loadCodeMigrations } from './code-migration.js'
import { type CoreContext, createCoreContext, planInput } from './context.js'
import type { Driver } from './driver.js'
import { Emitter, type MigratorEvents } from './events.js'
import { checkEnv, refuseDraftsOnProduction, withLock } from './guard.js'
import type { HistoryRecorder } from './history/recorder.js'
import type { HistoryRow, HistoryStore } from './history/store.js'
import * as maintenance from './maintenance.js'
import type { AcceptChecksumResult, AdoptOptions, AdoptResult, AuditEntry, ImportHistoryOptions, ResolveResult } from './maintenance.js'
import type { Migration, MigrationBody, RenderContext } from './migration.js'
import type { MigratorOptions, RunDownOptions, RunUpOptions } from './options.js'
import { computeStatus, type PlanInput, planDown, planUp, type StatusEntry } from './planner.js'
import type { ImportTool } from './importers/importer.js'
import { now } from './run/clock.js'
import { callHook, hookFailure } from './run/hook-calls.js'
import type { RunResult } from './run/results.js'
import { type ResumePoint, resumePoints } from './run/resume.js'
import { type ReapplyResult, reapplyRepeatables } from './run/reapply.js'
import { runPlan } from './run/run-plan.js'

export type { AcceptChecksumResult, AdoptOptions, AdoptResult, AuditEntry, ImportHistoryOptions, ResolveResult } from './maintenance.js'
export type { MigratorOptions, Renderer, RunDownOptions, RunUpOptions, StreamedPart, StreamedSql } from './options.js'
export type { MigrationResult, RunResult } from './run/results.js'
export type { ReapplyResult } from './run/reapply.js'
export type { AdhocResult, AdhocScript } from './adhoc.js'

/**
 * Applies and reverts migrations against one database. Emits typed events and returns a result per
 * migration: a failed migration is a result, not an exception. Errors that stop a run before it
 * starts (bad project, lock timeout, modified migration) are thrown as `MigError` subclasses.
 *
 * A façade over the rooms of `@mig/core`: `run/` (the run loop and one migration of each kind),
 * `history/` (the store that reads the history, the recorder that writes it), `maintenance.ts`
 * (adopt, import, resolve, repair, env, log) and `guard.ts` (the lock and the env check), which
 * share one {@link CoreContext}.
 *
 * @example
 * const migrator = createMigrator({ driver: sqlite({ url: 'sqlite:./dev.db' }), sources: [directory('migrations')] })
 * migrator.on('migration:applied', (e) => console.log(e.migration.id))
 * const result = await migrator.up()
 * await migrator.close()
 */
export class Migrator extends Emitter<MigratorEvents> {
  readonly driver: Driver
  /** Reads the history tables (rows, log, meta). */
  readonly history: HistoryStore
  /** The one writer of the history tables. */
  readonly recorder: HistoryRecorder
  private readonly ctx: CoreContext

  constructor(options: MigratorOptions) {
    super()
    this.ctx = createCoreContext(options, (event, payload) => this.emit(event, payload))
    this.driver = this.ctx.driver
    this.history = this.ctx.store
    this.recorder = this.ctx.recorder
  }

  /** Discover migrations from every source (cached for the migrator's life). Throws ProjectError. */
  discover(): Promise<Migration[]> {
    return this.ctx.session.discover()
  }

  /** Open the connection (idempotent). */
  connect(): Promise<void> {
    return this.ctx.session.connect()
  }

  /** Close the connection. */
  close(): Promise<void> {
    return this.ctx.session.close()
  }

  /**
   * Stop the run in progress once the running migration is done (the first Ctrl-C): no other
   * migration starts, and those handed to the driver ahead of their turn (`queuedTransactions`)
   * are dropped unrun. The run then ends as usual: its result lists what ran, and its `done` event
   * counts the rest as skipped.
   */
  stop(): void {
    if (this.ctx.control.stopping) return
    this.ctx.control.stopping = true
    void this.driver.stopQueued?.().catch(() => {})
  }

  /**
   * {@link stop}, and cancel the statement the server is running (the second Ctrl-C): it fails and
   * its transaction rolls back (on MySQL the statements before it stay committed and the migration
   * is left failed). Resolves once the cancel was sent; the run ends when the server has rolled
   * back, and the lock is released after that.
   */
  async cancel(): Promise<void> {
    this.stop()
    await this.driver.cancel?.()
  }

  /** {@link stop} was called. */
  get stopped(): boolean {
    return this.ctx.control.stopping
  }

  /** Create the history tables when missing. */
  async init(): Promise<void> {
    await this.connect()
    await this.history.ensure()
    await checkEnv(this.ctx, true)
  }

  /**
   * The SQL a body runs, rendered when it is a template, line endings normalised. For a body that
   * is streamed (a plain-SQL file over `STREAM_THRESHOLD`, see {@link MigrationBody.stream}) it is
   * the note the log keeps instead: the file's first 16 KiB and its size and checksum.
   */
  bodySql(m: Migration, body: MigrationBody, direction: RenderContext['direction']): Promise<string> {
    return this.ctx.bodies.sql(m, body, direction)
  }

  /** Status of every migration. Creates no table: a database mig never touched shows everything pending. */
  async status(): Promise<StatusEntry[]> {
    const migrations = await this.ctx.session.discoverAndConnect()
    const { history, checksums } = await this.historyAndChecksums(migrations)
    return computeStatus({ migrations, history: history ?? [], checksums, scope: this.ctx.scope })
  }

  /**
   * The history (undefined without a history table) and the checksums: the files are hashed while
   * the server reads the history (the query is on its way before the hashing starts).
   */
  private async historyAndChecksums(migrations: Migration[]): Promise<{ history: HistoryRow[] | undefined; checksums: Map<string, string> }> {
    const reading = this.history.rowsIfExists(this.ctx.scope)
    // handled by the await below, after the hashing (no unhandled rejection in between)
    reading.catch(() => {})
    const checksums = await this.ctx.bodies.checksums(migrations)
    return { history: await reading, checksums }
  }

  /** The env stored in the database, if any. */
  async storedEnv(): Promise<string | undefined> {
    await this.connect()
    return (await this.history.exists()) ? await this.history.getMeta('env') : undefined
  }

  /** Apply pending migrations. See {@link RunUpOptions}. */
  async up(options: RunUpOptions = {}): Promise<RunResult> {
    await loadCodeMigrations(await this.ctx.session.discoverAndConnect())
    const idle = await this.nothingToApply(options)
    if (idle) return idle
    return withLock(this.ctx, async ({ history, prepare }) => {
      const started = now()
      if (options.includeDrafts) await refuseDraftsOnProduction(this.ctx)
      const plan = planUp(await planInput(this.ctx, history), options)
      const resumes = await this.resumePoints(plan, history)
      const writes = plan.length > 0 && !options.dryRun
      if (writes) {
        await callHook(this.ctx.options, this.driver, 'before_up', 'up', plan)
        await prepare()
        // the log notes where a resumed migration started
        if (resumes?.size) await this.history.ensureLogColumns()
      }
      const result = await this.run('up', plan, options, started, history, resumes)
      if (writes && result.ok) {
        try {
          await callHook(this.ctx.options, this.driver, 'after_up', 'up', plan, { status: 'applied' })
        } catch (err) {
          result.ok = false
          result.error = hookFailure(err, 'up')
        }
      }
      return result
    })
  }

  /**
   * `up` with nothing to apply takes no lock: when every migration already has its `applied` row,
   * the plan is empty whatever another runner is doing, and the run is over (the result of an `up`
   * that ran just before the other runner's next change). Anything else (a pending, failed or
   * running migration, an error) goes through the lock, where the history is read again.
   */
  private async nothingToApply(options: RunUpOptions): Promise<RunResult | undefined> {
    const started = now()
    try {
      await this.connect()
      const migrations = await this.discover()
      const { history, checksums } = await this.historyAndChecksums(migrations)
      if (!history) return undefined
      await checkEnv(this.ctx, false)
      const plan = planUp({ migrations, history, checksums, scope: this.ctx.scope }, options)
      if (plan.length) return undefined
    } catch {
      return undefined
    }
    return this.run('up', [], options, started, [])
  }

  /** Revert applied migrations (the last one by default). See {@link RunDownOptions}. */
  async down(options: RunDownOptions = {}): Promise<RunResult> {
    return this.planAndRun('down', (input) => planDown(input, options), options)
  }

  private async planAndRun(direction: 'up' | 'down', plan: (input: PlanInput) => Migration[], options: RunUpOptions): Promise<RunResult> {
    await loadCodeMigrations(await this.ctx.session.discoverAndConnect())
    return withLock(
      this.ctx,
      async ({ history, prepare }) => {
        const started = now()
        const migrations = plan(await planInput(this.ctx, history))
        if (migrations.length && !options.dryRun) await prepare()
        return this.run(direction, migrations, options, started, history)
      },
      // a shared down is refused while a tenant has the migration's tenant part applied
      { allScopes: direction === 'down' },
    )
  }

  /** Where `up` starts the failed (`--resume`) and interrupted migrations of `plan` (see `run/resume.ts`). */
  private resumePoints(plan: Migration[], history: HistoryRow[]): Promise<Map<string, ResumePoint>> {
    return resumePoints(plan, history, this.ctx.scope, {
      sql: (m, body) => this.ctx.bodies.sql(m, body, 'up'),
      read: (version) => this.history.statementChecksums(version, this.ctx.scope),
      split: this.driver.splitOptions ?? {},
      canRunStatements: Boolean(this.driver.runStatements),
      streamedRender: (body) => this.ctx.bodies.runnable(body) !== body,
    })
  }

  /** Run a plan on this migrator's driver and scope (see `run/run-plan.ts`). */
  private run(
    direction: 'up' | 'down',
    plan: Migration[],
    options: RunUpOptions,
    started: number,
    history: HistoryRow[],
    resumes?: ReadonlyMap<string, ResumePoint>,
  ): Promise<RunResult> {
    const hadRows = new Set(history.filter((h) => h.scope === this.ctx.scope).map((h) => h.version))
    const target = { driver: this.driver, scope: this.ctx.scope }
    return runPlan(this.ctx, target, { direction, plan, dryRun: options.dryRun, singleTransaction: options.singleTransaction, hadRows, started, resumes })
  }

  /**
   * The dev loop's re-apply (`mig watch`): the repeatables whose rendered SQL differs from their
   * applied state (or only `versions` of them), in dependency order, in one transaction where the
   * engine allows, with the objects that depend on what they define dropped and re-created around
   * them (see `run/reapply.ts`). Nothing stale: an empty result. Refuses a database of another env.
   */
  async reapplyStale(versions?: readonly string[]): Promise<ReapplyResult> {
    await loadCodeMigrations(await this.ctx.session.discoverAndConnect())
    return withLock(this.ctx, async ({ history, prepare }) => {
      // a repeatable whose file is gone (`missing`) has nothing to re-apply
      const stale = (await this.status()).filter((s) => s.kind === 'repeatable' && s.migration && ['pending', 'failed', 'modified'].includes(s.status))
      const chosen = stale.filter((s) => !versions || versions.includes(s.version)).map((s) => s.migration!)
      if (chosen.length) await prepare()
      const items = await Promise.all(chosen.map(async (m) => ({ migration: m, sql: m.up ? await this.ctx.bodies.sql(m, m.up, 'up') : '' })))
      const hadRows = new Set(history.filter((h) => h.scope === this.ctx.scope).map((h) => h.version))
      return reapplyRepeatables(this.ctx, { driver: this.driver, scope: this.ctx.scope }, items, { hadRows })
    })
  }

  /**
   * Run an ad-hoc script (`mig run`) on a session of its own, in a transaction unless it says
   * `-- mig:no-transaction`, keeping every statement's result; logged with action `run`, never
   * recorded in the history. See `adhoc.ts`.
   */
  runScript(script: AdhocScript): Promise<AdhocResult> {
    return runAdhocScript(this.ctx, script)
  }

  /** Drop every object, then apply everything. */
  async fresh(options: RunUpOptions = {}): Promise<RunResult> {
    await loadCodeMigrations(await this.discover())
    await this.connect()
    const env = await this.storedEnv()
    // refuse before dropping anything when the database's env is not the target's
    if (env) await checkEnv(this.ctx, false)
    await this.driver.dropAllObjects()
    if (env) {
      await this.history.ensure()
      await this.recorder.setMeta(this.driver, 'env', env)
    }
    return this.up(options)
  }

  /**
   * Record migrations as applied without running them (baseline of an existing database):
   * history kind `adopted`, log action `adopt` with who and `description`. Unknown versions
   * throw {@link PlanError} before anything is written; applied ones are left as they are.
   */
  adopt(options: AdoptOptions): Promise<AdoptResult> {
    return maintenance.adopt(this.ctx, options)
  }

  /**
   * `mig adopt --from <tool>`: read another tool's history table and adopt the mig migrations it
   * applied. Entries that match no migration are returned in `unmatched`, never guessed.
   */
  importHistory(tool: ImportTool, options: ImportHistoryOptions = {}): Promise<AdoptResult> {
    return maintenance.importHistory(this.ctx, tool, options)
  }

  /** Change the env the database says it is (`mig env set <env> --confirm`). Logged with who and the previous value. */
  setEnv(env: string): Promise<{ previous: string | undefined }> {
    return maintenance.setEnv(this.ctx, env)
  }

  /**
   * The append-only log, oldest first (optionally of one version). With `decrypt`, variable
   * values are decrypted with the encryption key; a missing or wrong key throws DecryptionError.
   */
  readLog(options: { version?: string; decrypt?: boolean } = {}): Promise<AuditEntry[]> {
    return maintenance.readLog(this.ctx, options)
  }

  /**
   * Clear the failed (or interrupted `running`) state of one migration after the database was fixed
   * by hand: `applied` records it as applied with the current checksum of its file, `rolled-back`
   * removes its row so `up` runs it again. Logged in the append-only log with action `resolve`.
   * Throws {@link PlanError} when the migration is not in a failed state.
   */
  resolve(version: string, as: 'applied' | 'rolled-back'): Promise<ResolveResult> {
    return maintenance.resolve(this.ctx, version, as)
  }

  /**
   * Accept an edit of an applied migration's file on purpose (`mig resolve <V> --accept-checksum
   * --reason TEXT`): its history row takes the file's current checksum; the log records action
   * `accept-checksum` with the old and new checksums and the reason. Nothing is run. Throws
   * {@link PlanError} when the migration is not applied or its file did not change.
   */
  acceptChecksum(version: string, reason: string): Promise<AcceptChecksumResult> {
    return maintenance.acceptChecksum(this.ctx, version, reason)
  }

  /**
   * Clear every failed or interrupted migration of this scope (like Flyway's repair): their rows are
   * removed, so `up` runs them again once their files are fixed. Each is logged with action `repair`.
   * Returns what was cleared (empty when nothing was failed).
   */
  repair(): Promise<ResolveResult[]> {
    return maintenance.repair(this.ctx)
  }
}

/** Create a {@link Migrator}. */
export function createMigrator(options: MigratorOptions): Migrator {
  return new Migrator(options)
}
