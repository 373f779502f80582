import { varsForLog } from '../audit.js'
import { checksum, normalizeNewlines } from '../checksum.js'
import type { Driver } from '../driver.js'
import { MigError, MigrationError } from '../errors.js'
import { Emitter, type MigratorEvents, migrationInfo } from '../events.js'
import { HistoryRecorder } from '../history/recorder.js'
import { DEFAULT_HISTORY_TABLE, type HistoryState, HistoryStore } from '../history/store.js'
import type { Migration, MigrationBody, TenantContext } from '../migration.js'
import type { MigratorOptions, Renderer } from '../options.js'
import { collect, MigrationBodies } from '../run/bodies.js'
import { toMigrationError } from '../run/execute.js'
import type { RunContext } from '../run/target.js'
import type { FleetEvents, FleetResult, TenantFailure } from './fleet-events.js'
import { planTenantDown, planTenantUp, rowsByScope, tenantMigrations } from './fleet-plan.js'
import { TenantRegistry, type TenantRecord } from './registry.js'
import { type PreparedPart, runTenantPart, tenantView } from './tenant-apply.js'
import type { Tenancy, TenantSession } from './tenancy.js'
import { assertTenantNames, TenantError, tenantSchema, tenantScope } from './tenants.js'

/** Options of {@link createFleet}. */
export interface FleetOptions {
  /** The main connection (connected): reads the registry and the history, creates and drops tenants. */
  driver: Driver
  /** A new, unconnected driver for the same database: one per connection of the pool. */
  connect: () => Driver | Promise<Driver>
  /** The shared history table, optionally schema-qualified. Default `schema_migrations`. */
  historyTable?: string
  /** `[tenants] schema`: a tenant's schema, database or file, with `{name}` in it. */
  schemaPattern: string
  /** Renders templated tenant parts (they see `tenant.name` and `tenant.schema`). */
  render?: Renderer
  /** A tenant's variables when they differ from the renderer's (its vars file merged over the target's). */
  tenantVars?: (tenant: TenantContext) => Promise<Record<string, unknown> | undefined>
  /** How long a tenant's lock is waited for before the tenant fails with a `LockTimeoutError` cause; default: as long as its holder runs. */
  lockTimeoutMs?: number
  /**
   * What the run room takes from a migrator's options for each tenant part: hooks, the `-- mig:run`
   * runner, `redact` (secrets masked before the log), `vars` (for the log: names, or encrypted with
   * `encryptionKey`), `env`.
   */
  migrator?: Partial<Pick<MigratorOptions, 'hooks' | 'runCommand' | 'redact' | 'vars' | 'encryptionKey' | 'env'>>
}

/** Options of {@link Fleet.run}. */
export interface FleetRunOptions {
  /** Connections in the pool, tenants run at once. Default 4. */
  concurrency?: number
  /** A failed tenant does not stop the others (the run still fails at the end). */
  continueOnError?: boolean
  /** Run the first N tenants first; stop if any of them fails. */
  canary?: number
}

/** The work of one tenant in a run. */
export interface TenantJob {
  tenant: TenantContext
  parts: PreparedPart[]
}

/** The registry and the whole history: the fleet's state, two reads. */
export interface FleetState {
  tenants: TenantRecord[]
  /** Where each migration stands in each scope (the shared one and every tenant's). */
  history: HistoryState[]
}

/** Default size of the pool. */
export const DEFAULT_CONCURRENCY = 4

// milliseconds, monotonic
const now = () => Number(process.hrtime.bigint()) / 1e6

/** A connection of the pool, with the recorder that reaches the shared history tables from inside a tenant. */
interface Worker {
  driver: Driver
  tenancy: Tenancy
  recorder: HistoryRecorder
}

/**
 * Runs tenant parts over a fleet of tenants in one process: a pool of connections, each tenant's
 * parts in order on one connection, tenants in parallel, a lock per tenant (taken by the driver's
 * {@link Tenancy} on the connection that does the work). Emits {@link FleetEvents}; a failed
 * tenant is a result, not an exception.
 */
export class Fleet extends Emitter<FleetEvents> {
  readonly registry: TenantRegistry
  readonly history: HistoryStore
  readonly historyTable: string
  private stopRequested = false

  constructor(private readonly options: FleetOptions) {
    super()
    this.historyTable = options.historyTable ?? DEFAULT_HISTORY_TABLE
    this.registry = new TenantRegistry(options.driver, this.historyTable)
    this.history = new HistoryStore(options.driver, this.historyTable)
  }

  /** The driver's tenant support; a {@link MigError} when the engine has none. */
  get tenancy(): Tenancy {
    const t = this.options.driver.tenancy
    if (!t) throw new MigError(`the ${this.options.driver.dialect.name} driver does not support tenants`)
    return t
  }

  /** A tenant's name and schema. */
  tenant(name: string): TenantContext {
    return { name, schema: tenantSchema(this.options.schemaPattern, name) }
  }

  /** The registry and the whole history table (empty when the tables do not exist yet). Two round trips. */
  async read(): Promise<FleetState> {
    const [tenants, history] = await Promise.all([this.registry.list(), this.historyRows()])
    return { tenants, history }
  }

  /** The history rows; none when the table does not exist yet (reading creates nothing). */
  private async historyRows(): Promise<HistoryState[]> {
    try {
      return await this.history.states()
    } catch (err) {
      const driver = this.options.driver
      if (driver.tableExists && (await driver.tableExists(this.history.table))) throw err
      return []
    }
  }

  /** Let running tenants finish the part they are running, start nothing more (Ctrl-C). */
  stop(): void {
    this.stopRequested = true
  }

  /**
   * Plan `up` for these tenants and render their tenant parts: every part a tenant will run is
   * rendered before anything is written, so an undefined variable stops the run with nothing done.
   * `assumeSharedApplied` plans as if every shared part were applied; `alsoApplied` counts these
   * versions' shared parts as applied (the shared parts a dry run would apply).
   */
  async prepareUp(
    migrations: readonly Migration[],
    state: FleetState,
    tenants: readonly TenantContext[],
    options: { assumeSharedApplied?: boolean; alsoApplied?: readonly string[] } = {},
  ): Promise<TenantJob[]> {
    const parts = tenantMigrations(migrations)
    const byScope = rowsByScope(state.history)
    let shared = options.assumeSharedApplied ? allApplied(parts) : byScope.get('shared')
    if (options.alsoApplied?.length) {
      const also = new Set(options.alsoApplied)
      shared = new Map([...(shared ?? []), ...allApplied(parts.filter((m) => also.has(m.version)))])
    }
    const jobs: TenantJob[] = []
    for (const tenant of tenants) {
      const plan = planTenantUp(parts, shared, byScope.get(tenantScope(tenant.name)))
      jobs.push({ tenant, parts: await this.prepareParts(plan, tenant, 'up') })
    }
    return jobs
  }

  /**
   * Jobs prepared before the shared parts ran (`assumeSharedApplied`), narrowed to what `state`
   * (read after them) says each tenant is to run: parts whose shared part is applied, not yet
   * applied in the tenant. Renders nothing again.
   */
  narrow(migrations: readonly Migration[], jobs: readonly TenantJob[], state: FleetState): TenantJob[] {
    const parts = tenantMigrations(migrations)
    const byScope = rowsByScope(state.history)
    const shared = byScope.get('shared')
    return jobs.map((job) => {
      const keep = new Set(planTenantUp(parts, shared, byScope.get(tenantScope(job.tenant.name))))
      return { tenant: job.tenant, parts: job.parts.filter((p) => keep.has(p.migration)) }
    })
  }

  /**
   * Applied tenant parts whose text changed since they were applied: the part rendered for the
   * tenant now has another checksum than its history row. By tenant name, the migration ids (only
   * tenants with such parts). Renders the applied templated parts of every tenant given.
   */
  async modified(migrations: readonly Migration[], state: FleetState, tenants: readonly TenantContext[]): Promise<Map<string, string[]>> {
    const parts = tenantMigrations(migrations, true)
    const byScope = rowsByScope(state.history)
    const out = new Map<string, string[]>()
    // a plain part reads the same in every tenant: hashed once, compared without rendering anything
    const plain = new Map<Migration, string>()
    for (const m of parts) if (!m.tenantUp!.template) plain.set(m, checksum(await this.plainText(m.tenantUp!)))
    for (const tenant of tenants) {
      const rows = byScope.get(tenantScope(tenant.name))
      const applied = parts.filter((m) => rows?.get(m.version)?.status === 'applied' && rows.get(m.version)?.checksum)
      if (!applied.length) continue
      const changed = new Set<Migration>()
      for (const m of applied) if (plain.has(m) && plain.get(m) !== rows!.get(m.version)!.checksum) changed.add(m)
      const templated = applied.filter((m) => !plain.has(m))
      for (const part of templated.length ? await this.prepareParts(templated, tenant, 'up') : []) {
        if (checksum(await part.view.up!.read()) !== rows!.get(part.migration.version)!.checksum) changed.add(part.migration)
      }
      if (changed.size)
        out.set(
          tenant.name,
          applied.filter((m) => changed.has(m)).map((m) => m.id),
        )
    }
    return out
  }

  /** Plan `down` of the last `steps` tenant parts of one tenant, rendered. Throws {@link TenantError} for a part without a tenant down. */
  async prepareDown(migrations: readonly Migration[], state: FleetState, tenant: TenantContext, steps = 1): Promise<TenantJob> {
    const rows = rowsByScope(state.history).get(tenantScope(tenant.name))
    const plan = planTenantDown(tenantMigrations(migrations, true), rows, steps)
    const irreversible = plan.filter((m) => !m.tenantDown)
    if (irreversible.length) {
      throw new TenantError(`${irreversible.map((m) => m.id).join(', ')} has no tenant down part`, [tenant.name], {
        hint: 'add a tenant.down.sql (or a -- mig:tenant-down section) to roll it back',
      })
    }
    return { tenant, parts: await this.prepareParts(plan, tenant, 'down') }
  }

  private async prepareParts(plan: readonly Migration[], tenant: TenantContext, direction: 'up' | 'down'): Promise<PreparedPart[]> {
    const out: PreparedPart[] = []
    let vars: Promise<Record<string, unknown> | undefined> | undefined
    for (const m of plan) {
      const body = (direction === 'up' ? m.tenantUp : m.tenantDown)!
      let sql: string
      if (body.template) {
        if (!this.options.render) throw new MigError(`${body.file} is a template but no renderer is configured`, { hint: 'install @mig/templates' })
        vars ??= this.options.tenantVars?.(tenant) ?? Promise.resolve(undefined)
        const tenantVars = await vars
        try {
          const out = await this.options.render(body, { migration: m, direction, tenant, ...(tenantVars ? { vars: tenantVars } : {}) })
          // a tenant part runs as one script: a streamed render (csv_insert) is read whole
          sql = normalizeNewlines(typeof out === 'string' ? out : await collect(out.stream()))
        } catch (err) {
          // which tenant: its variables may be the ones missing
          throw new TenantError(`tenant ${tenant.name}: ${(err as Error).message}`, [tenant.name], {
            cause: err,
            hint: 'define the variable in the target’s variables or in the tenant’s vars file ([tenants] vars)',
          })
        }
      } else sql = await this.plainText(body)
      out.push({ migration: m, direction, view: tenantView(m, direction, sql) })
    }
    return out
  }

  /** Plain tenant parts are the same in every tenant: read once. */
  private readonly plain = new WeakMap<MigrationBody, Promise<string>>()
  private plainText(body: MigrationBody): Promise<string> {
    let text = this.plain.get(body)
    if (!text) {
      text = body.read().then(normalizeNewlines)
      this.plain.set(body, text)
    }
    return text
  }

  /**
   * Validate `tenant create`: safe names, not registered yet, and no schema that exists without a
   * registration (unless `adoptExisting`). Throws {@link TenantError}; writes nothing.
   */
  async checkNew(names: readonly string[], state: FleetState, options: { adoptExisting?: boolean } = {}): Promise<TenantContext[]> {
    assertTenantNames(names)
    const twice = names.filter((n, i) => names.indexOf(n) !== i)
    if (twice.length) throw new TenantError(`named twice: ${[...new Set(twice)].join(', ')}`, twice)
    const registered = new Set(state.tenants.map((t) => t.name))
    const already = names.filter((n) => registered.has(n))
    if (already.length) throw new TenantError(`already registered: ${already.join(', ')}`, already, { hint: 'mig tenant list shows the tenants' })
    const tenants = names.map((n) => this.tenant(n))
    const existing = await this.tenancy.existing(tenants.map((t) => t.schema))
    const unregistered = tenants.filter((t) => existing.has(t.schema))
    if (unregistered.length && !options.adoptExisting) {
      throw new TenantError(
        `${unregistered.map((t) => `${t.schema} (tenant ${t.name})`).join(', ')} already exists but is not a registered tenant`,
        unregistered.map((t) => t.name),
        { hint: 'pass --adopt-existing to register it as it is (its tenant parts then run in it), or choose another name' },
      )
    }
    return tenants
  }

  /** Create the schemas of new tenants and register them (after {@link checkNew}). */
  async register(tenants: readonly TenantContext[]): Promise<void> {
    await this.registry.ensure()
    for (const t of tenants) {
      await this.tenancy.create(t.schema)
      await this.registry.add(this.options.driver, t.name, t.schema)
    }
  }

  /** Drop a tenant: its schema (database, file), its history rows and its registration. Throws {@link TenantError} for an unknown tenant. */
  async drop(name: string, state: FleetState): Promise<TenantRecord> {
    assertTenantNames([name])
    const record = state.tenants.find((t) => t.name === name)
    if (!record) throw new TenantError(`no such tenant: ${name}`, [name], { hint: 'mig tenant list shows the tenants' })
    // the tenant's own lock as well: never while a fleet run is applying tenant parts in it
    await this.withTenantLock({ name, schema: record.schema }, async () => {
      await this.tenancy.drop(record.schema)
      const driver = this.options.driver
      const scope = tenantScope(name)
      const recorder = this.recorderFor(driver, this.historyTable)
      for (const row of state.history) if (row.scope === scope) await recorder.removeRow(driver, row.version, scope)
      await driver.sync?.()
      await this.registry.remove(driver, name)
    })
    return record
  }

  /** The key of a tenant's lock (the one its tenant parts run under). */
  private lockKey(tenant: string): string {
    return `mig:${this.historyTable}:tenant:${tenant}`
  }

  /**
   * Run `fn` (on the fleet's own connection) while a pool connection holds the tenant's lock:
   * an empty transaction in the tenant first waits for a runner that holds it there, then the
   * session holds it outside transactions for as long as `fn` runs (where the engine can).
   */
  private async withTenantLock<T>(tenant: TenantContext, fn: () => Promise<T>): Promise<T> {
    const worker = await this.openWorker()
    try {
      const session = await worker.tenancy.enter(tenant.schema, this.lockKey(tenant.name), { timeoutMs: this.options.lockTimeoutMs })
      if (!session) throw new MigError(`could not take the lock of tenant ${tenant.name}`)
      try {
        await session.transaction({ sql: 'SELECT 1 AS one', params: [] }, async () => {})
        return await session.outside(fn)
      } finally {
        await session.leave()
      }
    } finally {
      await worker.driver.close().catch(() => {})
    }
  }

  /** Run the jobs over a pool of connections. See {@link FleetRunOptions}. */
  async run(jobs: readonly TenantJob[], direction: 'up' | 'down', options: FleetRunOptions = {}): Promise<FleetResult> {
    const started = now()
    this.emit('fleet:plan', { direction, tenants: jobs.map((j) => ({ tenant: j.tenant.name, pending: j.parts.length })) })
    const failures: TenantFailure[] = []
    const notStarted: string[] = []
    let applied = 0
    let stopped = false
    const concurrency = Math.max(
      1,
      Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, this.options.driver.tenancy?.maxConcurrency ?? Number.POSITIVE_INFINITY),
    )
    const canary = options.canary ?? 0
    const phases = canary > 0 ? [jobs.slice(0, canary), jobs.slice(canary)] : [jobs]
    const pool: Worker[] = []
    try {
      for (const phase of phases) {
        const work: TenantJob[] = []
        for (const job of phase) {
          if (stopped || this.stopRequested) notStarted.push(job.tenant.name)
          else if (job.parts.length) work.push(job)
        }
        // tenants another runner holds go to the back (once), so runners spread over the fleet
        // instead of queueing behind one another
        const queue = work.map((job) => ({ job, wait: false }))
        const size = Math.min(concurrency, work.length)
        while (pool.length < size) pool.push(await this.openWorker())
        await Promise.all(
          pool.slice(0, size).map(async (worker) => {
            for (;;) {
              const next = queue.shift()
              if (!next) return
              const { job } = next
              if (stopped || this.stopRequested) {
                notStarted.push(job.tenant.name)
                continue
              }
              const outcome = await this.runJob(worker, job, () => stopped || this.stopRequested, next.wait)
              if (outcome === 'busy') {
                queue.push({ job, wait: true })
                continue
              }
              applied += outcome.applied
              if (outcome.error) {
                failures.push({ tenant: job.tenant.name, error: outcome.error })
                if (!options.continueOnError) stopped = true
              }
            }
          }),
        )
        if (failures.length && phase !== phases.at(-1)) stopped = true
      }
      for (const w of pool) await w.tenancy.flush?.()
    } finally {
      await Promise.all(pool.map((w) => w.driver.close().catch(() => {})))
    }
    const result: FleetResult = {
      direction,
      ok: failures.length === 0 && notStarted.length === 0,
      tenants: jobs.length,
      applied,
      failures,
      notStarted,
      durationMs: Math.round(now() - started),
    }
    this.emit('fleet:done', result)
    return result
  }

  private async openWorker(): Promise<Worker> {
    const driver = await this.options.connect()
    await driver.connect()
    const tenancy = driver.tenancy
    if (!tenancy) throw new MigError(`the ${driver.dialect.name} driver does not support tenants`)
    await tenancy.prepare()
    return { driver, tenancy, recorder: this.recorderFor(driver, tenancy.sharedTable(this.historyTable)) }
  }

  /** The history recorder of `table` on `driver` (the only writer of history rows). */
  private recorderFor(driver: Driver, table: string): HistoryRecorder {
    const opts = this.options.migrator ?? {}
    return new HistoryRecorder(new HistoryStore(driver, table), driver.dialect, {
      redact: opts.redact,
      loggedVars: () => varsForLog(opts.vars, opts.encryptionKey ?? (process.env.MIG_ENCRYPTION_KEY || undefined)),
    })
  }

  /** The run room's context for one tenant: its events carry the tenant. */
  private runContext(worker: Worker, tenant: string): RunContext {
    const options: MigratorOptions = { driver: worker.driver, sources: [], ...this.options.migrator }
    return {
      options,
      // tenant parts arrive rendered (see prepareParts): the bodies need no renderer
      bodies: this.bodies,
      recorder: worker.recorder,
      emit: <K extends keyof MigratorEvents>(event: K, payload: MigratorEvents[K]) => this.emit(event, { ...payload, tenant } as FleetEvents[K]),
    }
  }
  private readonly bodies = new MigrationBodies(undefined)

  /** One tenant's parts in order on one connection; stops at its first failure, or between parts when the run stops. */
  private async runJob(worker: Worker, job: TenantJob, stopping: () => boolean, wait: boolean): Promise<{ applied: number; error?: MigrationError } | 'busy'> {
    const tenant = job.tenant.name
    const scope = tenantScope(tenant)
    const t0 = now()
    let applied = 0
    let failure: MigrationError | undefined
    let session: TenantSession | undefined
    try {
      session = await worker.tenancy.enter(job.tenant.schema, this.lockKey(tenant), { wait, timeoutMs: this.options.lockTimeoutMs })
      if (!session) return 'busy'
      this.emit('tenant:start', { tenant, pending: job.parts.length })
      const ctx = this.runContext(worker, tenant)
      for (const part of job.parts) {
        // a turn of the event loop between parts: a signal (Ctrl-C) is heard even when the driver
        // never waits for I/O (SQLite)
        await new Promise<void>((resolve) => setImmediate(resolve))
        if (part !== job.parts[0] && stopping()) break
        try {
          const result = await runTenantPart(ctx, session, scope, part)
          if (result === 'skipped') this.emit('migration:skipped', { tenant, migration: migrationInfo(part.view), direction: part.direction })
          else if (result.status === 'failed') {
            failure = result.error
            break
          } else applied++
        } catch (err) {
          // the lock, the row check, or a row left failed: the run room did not start the part
          failure = toMigrationError(part.view, part.direction, null, err)
          this.emit('migration:failed', {
            tenant,
            migration: migrationInfo(part.view),
            direction: part.direction,
            error: failure,
            durationMs: 0,
            index: 0,
            total: 1,
          })
          break
        }
      }
      // writes some drivers hold for the connection's next round trip (MySQL) commit now
      await session.driver.sync?.()
    } catch (err) {
      failure ??= err instanceof MigrationError ? err : new MigrationError({ migration: tenant, direction: 'up', message: (err as Error).message, cause: err })
    } finally {
      await session?.leave().catch(() => {})
    }
    const durationMs = Math.round(now() - t0)
    if (failure) this.emit('tenant:failed', { tenant, applied, error: failure, durationMs })
    else this.emit('tenant:done', { tenant, applied, durationMs })
    return failure ? { applied, error: failure } : { applied }
  }
}

/** Shared rows saying every migration is applied (planning before the shared parts run). */
function allApplied(migrations: readonly Migration[]): Map<string, HistoryState> {
  const row = { status: 'applied' } as HistoryState
  return new Map(migrations.map((m) => [m.version, row]))
}

/** Create a {@link Fleet}. */
export function createFleet(options: FleetOptions): Fleet {
  return new Fleet(options)
}
