import { varsForLog } from './audit.js'
import { discover, type MigrationSource } from './discovery.js'
import type { Driver } from './driver.js'
import type { MigratorEvents } from './events.js'
import { HistoryRecorder } from './history/recorder.js'
import { DEFAULT_HISTORY_TABLE, type HistoryRow, HistoryStore } from './history/store.js'
import type { Migration } from './migration.js'
import type { MigratorOptions } from './options.js'
import type { PlanInput } from './planner.js'
import { MigrationBodies } from './run/bodies.js'
import type { RunControl } from './run/target.js'

/** Emits a migrator event (the façade's emitter, handed to the rooms). */
export type Emit = <K extends keyof MigratorEvents>(event: K, payload: MigratorEvents[K]) => void

/**
 * The migrator's connection and its discovered migrations: connected once, discovered once
 * (cached for the migrator's life), closed once. `discoveredBy`: another session whose
 * migrations this one uses (a tenant's connection and the migrator's share one discovery).
 */
export class Session {
  private connected = false
  private migrations: Migration[] | undefined

  constructor(
    private readonly driver: Driver,
    private readonly sources: MigrationSource[],
    private readonly discoveredBy?: Session,
  ) {}

  /** Discover migrations from every source (cached). Throws ProjectError. */
  async discover(): Promise<Migration[]> {
    if (this.discoveredBy) return this.discoveredBy.discover()
    this.migrations ??= await discover(this.sources)
    return this.migrations
  }

  /** The migrations, when discovered already. */
  get discovered(): Migration[] | undefined {
    return this.discoveredBy ? this.discoveredBy.discovered : this.migrations
  }

  /** Open the connection (idempotent). */
  async connect(): Promise<void> {
    if (this.connected) return
    await this.driver.connect()
    this.connected = true
  }

  /** Close the connection (idempotent). */
  async close(): Promise<void> {
    if (!this.connected) return
    this.connected = false
    await this.driver.close()
  }

  /**
   * {@link discover}, then {@link connect}; for drivers with `connectWhileDiscovering`, the
   * connection opens while the files are read (the server's share of a new connection overlaps
   * the reading). Errors come in the same order either way: a project error first; a connection
   * opened for a run that then fails on its files is closed again.
   */
  async discoverAndConnect(): Promise<Migration[]> {
    if (this.connected || this.discovered || !this.driver.capabilities.connectWhileDiscovering) {
      const migrations = await this.discover()
      await this.connect()
      return migrations
    }
    const connecting = this.connect()
    // handled below, whatever discovery does meanwhile (no unhandled rejection in between)
    connecting.catch(() => {})
    try {
      const migrations = await this.discover()
      await connecting
      return migrations
    } catch (err) {
      await connecting.then(
        () => this.close(),
        () => {},
      )
      throw err
    }
  }
}

/**
 * What the rooms of a migrator share (the run loop, maintenance, the lock and env guard): the
 * driver, the history (read by the store, written only by the recorder), the options, the scope,
 * the bodies, the session and the event emitter. The rooms take it instead of calling back into
 * the `Migrator` façade.
 */
export interface CoreContext {
  readonly driver: Driver
  readonly options: MigratorOptions
  /** Scope of this migrator's history rows (`shared`, or a tenant). */
  readonly scope: string
  readonly store: HistoryStore
  readonly recorder: HistoryRecorder
  readonly bodies: MigrationBodies
  readonly session: Session
  readonly emit: Emit
  /** Set by `Migrator.stop()`: the runs of this migrator start no other migration. */
  readonly control: RunControl
}

/** The secret the log's variables are encrypted with: the option, else `MIG_ENCRYPTION_KEY`. */
export function encryptionKey(options: MigratorOptions): string | undefined {
  return options.encryptionKey ?? (process.env.MIG_ENCRYPTION_KEY || undefined)
}

/**
 * Build the context of a migrator. `base`: a context whose discovered migrations this one shares,
 * e.g. a tenant's context (its own driver, scope and renderer) built from the migrator's, so a
 * fleet reads the files once. Bodies (rendered SQL, checksums) stay per context: a template may
 * render differently for a tenant.
 */
export function createCoreContext(options: MigratorOptions, emit: Emit, base?: CoreContext): CoreContext {
  const driver = options.driver
  const store = new HistoryStore(driver, options.historyTable ?? DEFAULT_HISTORY_TABLE)
  const recorder = new HistoryRecorder(store, driver.dialect, {
    redact: options.redact,
    loggedVars: () => varsForLog(options.vars, encryptionKey(options)),
  })
  return {
    driver,
    options,
    scope: options.scope ?? 'shared',
    store,
    recorder,
    bodies: new MigrationBodies(options.render),
    session: new Session(driver, options.sources, base?.session),
    emit,
    control: { stopping: false },
  }
}

/** What the planner needs: the migrations, `history` (read from the store when not given), the checksums, the scope. */
export async function planInput(ctx: CoreContext, history?: HistoryRow[]): Promise<PlanInput> {
  const migrations = await ctx.session.discover()
  return {
    migrations,
    history: history ?? (await ctx.store.rows(ctx.driver, ctx.scope)),
    checksums: await ctx.bodies.checksums(migrations),
    scope: ctx.scope,
    resumesInterrupted: ctx.driver.capabilities.progressInBatch === true,
  }
}
