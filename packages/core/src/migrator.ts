import { matchImported, type Unmatched } from './adopt.js'
import { readLoggedVars, varsForLog, type LoggedVars } from './audit.js'
import { checksum, normalizedText, normalizeNewlines } from './checksum.js'
import { loadCodeMigrations } from './code-migration.js'
import { isProductionEnv } from './env.js'
import { callHooks, type HookContext, HookError, type HookName, hasRunLines, type MigratorHooks, type RunCommand, splitRunSegments } from './hooks.js'
import { IMPORTERS } from './importers/tools.js'
import { ImportError, type ImportTool } from './importers/importer.js'
import { type MigrationSource, discover } from './discovery.js'
import { type Driver, type QueryExecutor, type ScriptStatement, StatementFailure } from './driver.js'
import { splitStatements, splitStream } from './splitter.js'
import { STREAM_THRESHOLD, scanStreamedBody, type StreamedBodyInfo, streamedLogText } from './streaming.js'
import { EnvironmentError, MigError, MigrationError, PlanError } from './errors.js'
import { Emitter, type MigrationInfo, type MigratorEvents } from './events.js'
import { DEFAULT_HISTORY_TABLE, type HistoryRow, HistoryStore, type LogRow } from './history-store.js'
import type { Migration, MigrationBody, MigrationContext, RenderContext } from './migration.js'
import { computeStatus, type DownOptions, type PlanInput, planDown, planUp, type StatusEntry, type UpOptions } from './planner.js'

/** How many plain SQL migrations may be handed to a driver with queuedTransactions ahead of their outcome. */
const QUEUE_DEPTH = 32

/** A statement that starts, ends or prepares a transaction. */
const TRANSACTION_CONTROL = /^(?:commit|rollback|abort|end|begin|start\s+transaction|prepare\s+transaction|savepoint|release)\b/i

/** Renders a template body to SQL; supplied by `@mig/templates` (or anything with the same shape). */
export type Renderer = (body: MigrationBody, context: RenderContext) => Promise<string>

/** Options of {@link createMigrator}. */
export interface MigratorOptions {
  driver: Driver
  sources: MigrationSource[]
  /** History table, optionally schema-qualified. Default `schema_migrations`. */
  historyTable?: string
  /** Needed for `.njk` migrations. */
  render?: Renderer
  /** Bound on the wait for the migration lock; default: wait forever. */
  lockTimeoutMs?: number
  /**
   * The target's env (`dev`, `production`). Stored in the database on first write; a later run
   * whose env differs is refused with {@link EnvironmentError}.
   */
  env?: string
  /** Variables given to code migrations (`ctx.vars`). */
  vars?: Record<string, unknown>
  /** Scope of this run (`shared`, or a tenant). Default `shared`. */
  scope?: string
  /** Callbacks around the run and each migration (see {@link MigratorHooks}). */
  hooks?: MigratorHooks
  /** Runs `-- mig:run <command>` lines of no-transaction migrations. Without it such lines fail the migration. */
  runCommand?: RunCommand
  /**
   * Masks secrets in SQL (and errors) before they are written to the log, e.g.
   * `(t) => renderer.maskSecrets(t)` from `@mig/templates`. Default: none.
   */
  redact?: (text: string) => string
  /**
   * Secret the variables in the log are encrypted with (AES-256-GCM). Default: `MIG_ENCRYPTION_KEY`
   * from the environment; without one, only variable names are logged.
   */
  encryptionKey?: string
}

/** Options of {@link Migrator.adopt}. */
export interface AdoptOptions {
  /** Versions to record as applied. */
  versions?: string[]
  /** Every pending versioned migration (not drafts). */
  all?: boolean
  /** Why: kept in the log. */
  description?: string
}

/** Outcome of {@link Migrator.adopt} and {@link Migrator.importHistory}. */
export interface AdoptResult {
  adopted: MigrationInfo[]
  /** Asked for, but already applied: left as they are. */
  alreadyApplied: MigrationInfo[]
  /** Imports only: entries of the other tool that matched no migration, or were not cleanly applied. */
  unmatched: Unmatched[]
  /** Imports only: entries left aside on purpose (flyway repeatables). */
  skipped: Unmatched[]
}

/** Options of {@link Migrator.importHistory}. */
export interface ImportHistoryOptions {
  /** The other tool's table, when not its default (`schema_migrations`, `flyway_schema_history`, `sqitch.changes`, `knex_migrations`). */
  table?: string
  description?: string
  /**
   * Where the other tool's table lives, when not in the target database (sqitch on SQLite keeps
   * its registry in `sqitch.db`). A connected driver; default: the migrator's own.
   */
  reader?: Driver
}

/** A log entry as {@link Migrator.readLog} returns it: variables decoded. */
export interface AuditEntry extends LogRow {
  variables: LoggedVars | null
}

/** Outcome of one migration in a run. */
export interface MigrationResult {
  migration: MigrationInfo
  direction: 'up' | 'down'
  /** `planned` in a dry run; `rolled-back` when a single-transaction run failed later. */
  status: 'applied' | 'reverted' | 'failed' | 'planned' | 'rolled-back'
  durationMs: number
  /** Why it failed; or, with status applied/reverted, the `after_each` hook that failed after it. */
  error?: MigrationError
}

/** Outcome of a run. `ok` is false when a migration failed; errors before any migration ran are thrown instead. */
export interface RunResult {
  direction: 'up' | 'down'
  ok: boolean
  dryRun: boolean
  results: MigrationResult[]
  /** The first failure, if any. */
  error?: MigrationError
  durationMs: number
}

/** What {@link Migrator.resolve} or {@link Migrator.repair} did to one migration. */
export interface ResolveResult {
  version: string
  name: string
  /** The status the history row had (`failed` or `running`). */
  previousStatus: HistoryRow['status']
  /** `applied`: now recorded as applied; `rolled-back`: its row was removed, `up` will run it again. */
  resolvedAs: 'applied' | 'rolled-back'
}

/** Options of {@link Migrator.up}. */
export interface RunUpOptions extends UpOptions {
  dryRun?: boolean
  /** Apply the whole batch in one transaction (needs transactional DDL). */
  singleTransaction?: boolean
}

/** Options of {@link Migrator.down}. */
export interface RunDownOptions extends DownOptions {
  dryRun?: boolean
}

/** A plain-SQL body read as a stream (see {@link MigrationBody.stream}). */
function isStreamed(body: MigrationBody): boolean {
  return Boolean(body.stream) && !body.template
}

function info(m: Migration): MigrationInfo {
  return { id: m.id, version: m.version, name: m.name, kind: m.kind, source: m.source }
}

// milliseconds, monotonic (process.hrtime: the global `performance` loads nine of Node's modules on first use)
const now = () => Number(process.hrtime.bigint()) / 1e6

/**
 * Applies and reverts migrations against one database. Emits typed events and returns a result per
 * migration: a failed migration is a result, not an exception. Errors that stop a run before it
 * starts (bad project, lock timeout, modified migration) are thrown as `MigError` subclasses.
 *
 * @example
 * const migrator = createMigrator({ driver: sqlite({ url: 'sqlite:./dev.db' }), sources: [directory('migrations')] })
 * migrator.on('migration:applied', (e) => console.log(e.migration.id))
 * const result = await migrator.up()
 * await migrator.close()
 */
export class Migrator extends Emitter<MigratorEvents> {
  readonly driver: Driver
  readonly history: HistoryStore
  private connected = false
  private migrations: Migration[] | undefined
  private readonly scope: string
  /** Versions that had a history row when the run started (repeatables: reapply, not apply). */
  private previouslyApplied = new Set<string>()
  /** What one read of each streamed body found (see {@link streamedInfo}). */
  private readonly streamed = new WeakMap<MigrationBody, Promise<StreamedBodyInfo>>()

  constructor(private readonly options: MigratorOptions) {
    super()
    this.driver = options.driver
    this.history = new HistoryStore(options.driver, options.historyTable ?? DEFAULT_HISTORY_TABLE)
    this.scope = options.scope ?? 'shared'
  }

  /** Discover migrations from every source (cached for the migrator's life). Throws ProjectError. */
  async discover(): Promise<Migration[]> {
    this.migrations ??= await discover(this.options.sources)
    return this.migrations
  }

  /**
   * {@link discover}, then {@link connect}; for drivers with `connectWhileDiscovering`, the
   * connection opens while the files are read (the server's share of a new connection overlaps
   * the reading). Errors come in the same order either way: a project error first; a connection
   * opened for a run that then fails on its files is closed again.
   */
  private async discoverAndConnect(): Promise<Migration[]> {
    if (this.connected || this.migrations || !this.driver.capabilities.connectWhileDiscovering) {
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

  /** Open the connection (idempotent). */
  async connect(): Promise<void> {
    if (this.connected) return
    await this.driver.connect()
    this.connected = true
  }

  /** Close the connection. */
  async close(): Promise<void> {
    if (!this.connected) return
    this.connected = false
    await this.driver.close()
  }

  /** Create the history tables when missing. */
  async init(): Promise<void> {
    await this.connect()
    await this.history.ensure()
    await this.checkEnv(true)
  }

  /**
   * The SQL a body runs, rendered when it is a template, line endings normalised. For a body that
   * is streamed (a plain-SQL file over `STREAM_THRESHOLD`, see {@link MigrationBody.stream}) it is
   * the note the log keeps instead: the file's first 16 KiB and its size and checksum.
   */
  async bodySql(m: Migration, body: MigrationBody, direction: RenderContext['direction']): Promise<string> {
    if (isStreamed(body)) return streamedLogText(await this.streamedInfo(body))
    if (!body.template) return normalizeNewlines(await body.read())
    if (!this.options.render) throw new MigError(`${body.file} is a template but no renderer is configured`, { hint: 'install @mig/templates' })
    return normalizeNewlines(await this.options.render(body, { migration: m, direction }))
  }

  private async checksums(migrations: Migration[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    await Promise.all(
      migrations.map(async (m) => {
        if (!m.up) return
        // a discovered migration's text does not change within a run: hash it once
        let sum = this.planChecksums.get(m)
        if (sum === undefined) {
          sum = await this.upChecksum(m, m.up)
          this.planChecksums.set(m, sum)
        }
        out.set(m.id, sum)
      }),
    )
    return out
  }

  /** Checksums of discovered migrations for planning (see {@link checksums}). */
  private readonly planChecksums = new WeakMap<Migration, string>()

  /**
   * Checksum of an up body: of `sql` (its SQL, when already rendered), else of its SQL rendered
   * now; a streamed body is hashed from its file, once per migrator (like a small file's text).
   */
  private async upChecksum(m: Migration, up: MigrationBody, sql?: string): Promise<string> {
    if (isStreamed(up)) return (await this.streamedInfo(up)).checksum
    return checksum(sql ?? (await this.bodySql(m, up, 'up')))
  }

  /** One pass over a streamed body (checksum, size, head for the log), cached for the migrator's life. */
  private streamedInfo(body: MigrationBody): Promise<StreamedBodyInfo> {
    let info = this.streamed.get(body)
    if (!info) {
      info = scanStreamedBody(body)
      this.streamed.set(body, info)
    }
    return info
  }

  private async planInput(history?: HistoryRow[]): Promise<PlanInput> {
    const migrations = await this.discover()
    return { migrations, history: history ?? (await this.history.rows()), checksums: await this.checksums(migrations), scope: this.scope }
  }

  /** Status of every migration. Creates no table: a database mig never touched shows everything pending. */
  async status(): Promise<StatusEntry[]> {
    const migrations = await this.discoverAndConnect()
    const { history, checksums } = await this.historyAndChecksums(migrations)
    return computeStatus({ migrations, history: history ?? [], checksums, scope: this.scope })
  }

  /**
   * {@link historyIfExists} and {@link checksums}: the files are hashed while the server reads the
   * history (the query is on its way before the hashing starts).
   */
  private async historyAndChecksums(migrations: Migration[]): Promise<{ history: HistoryRow[] | undefined; checksums: Map<string, string> }> {
    const reading = this.historyIfExists()
    // handled by the await below, after the hashing (no unhandled rejection in between)
    reading.catch(() => {})
    const checksums = await this.checksums(migrations)
    return { history: await reading, checksums }
  }

  /**
   * The history rows, or undefined when the history table does not exist (reading must not create
   * it: that would write). One round trip when it exists; a failed read is told apart from a
   * missing table by asking for the table.
   */
  private async historyIfExists(): Promise<HistoryRow[] | undefined> {
    try {
      return await this.history.rows()
    } catch (err) {
      if (await this.historyExists()) throw err
      return undefined
    }
  }

  /**
   * Whether the history table exists (reading must not create it: that would write). From the
   * catalog when the driver can ask it (an error is then an error, not "no table").
   */
  private async historyExists(): Promise<boolean> {
    if (this.driver.tableExists) return this.driver.tableExists(this.history.table)
    try {
      await this.driver.query(`SELECT 1 FROM ${this.qHistory()} WHERE 1 = 0`)
      return true
    } catch {
      return false
    }
  }

  private async checkEnv(write: boolean): Promise<void> {
    const want = this.options.env
    const stored = await this.history.getMeta('env')
    if (stored && want && stored !== want) {
      throw new EnvironmentError(`this database says it is ${stored}; your target says ${want}`, {
        hint: `check --target / --database, or run mig env set ${want} --confirm if the database really changed role`,
      })
    }
    if (!stored && want && write) await this.history.setMeta('env', want)
  }

  /** The env stored in the database, if any. */
  async storedEnv(): Promise<string | undefined> {
    await this.connect()
    return (await this.historyExists()) ? await this.history.getMeta('env') : undefined
  }

  /**
   * Take the lock, read the history under it, and call `fn`. `prepare` creates the history tables
   * and records the env; `fn` calls it only when it is about to write, so a refused plan writes nothing.
   */
  private async withLock<T>(fn: (history: HistoryRow[], prepare: () => Promise<void>) => Promise<T>): Promise<T> {
    await this.connect()
    const started = now()
    let waited = false
    const lock = await this.driver.acquireLock({
      key: `mig:${this.history.table}`,
      historyTables: [this.history.table, this.history.logTable, this.history.metaTable],
      timeoutMs: this.options.lockTimeoutMs,
      onWait: (holder) => {
        waited = true
        this.emit('lock:waiting', { holder })
      },
    })
    this.emit('lock:acquired', { waitedMs: waited ? Math.round(now() - started) : 0 })
    let out: T
    try {
      const rows = await this.historyIfExists()
      const exists = rows !== undefined
      if (exists) await this.checkEnv(false)
      const history = rows ?? []
      out = await fn(history, async () => {
        if (!exists) await this.history.ensure()
        await this.checkEnv(true)
      })
    } catch (err) {
      await lock.release().catch(() => {})
      throw err
    }
    try {
      await lock.release()
    } catch (err) {
      // Releasing may commit the last history writes (drivers that batch them): a run that already
      // failed keeps its own error, any other run fails with this one.
      if ((out as { ok?: unknown } | undefined)?.ok === false) return out
      throw err
    }
    return out
  }

  /** Apply pending migrations. See {@link RunUpOptions}. */
  async up(options: RunUpOptions = {}): Promise<RunResult> {
    await loadCodeMigrations(await this.discoverAndConnect())
    const idle = await this.nothingToApply(options)
    if (idle) return idle
    return this.withLock(async (history, prepare) => {
      const started = now()
      if (options.includeDrafts) await this.refuseDraftsOnProduction()
      const plan = planUp(await this.planInput(history), options)
      this.previouslyApplied = new Set(history.filter((h) => h.scope === this.scope).map((h) => h.version))
      const writes = plan.length > 0 && !options.dryRun
      if (writes) {
        await this.callHook('before_up', 'up', plan)
        await prepare()
      }
      const result = await this.run('up', plan, options, started)
      if (writes && result.ok) {
        try {
          await this.callHook('after_up', 'up', plan, { status: 'applied' })
        } catch (err) {
          result.ok = false
          result.error = this.hookFailure(err, 'up')
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
      await this.checkEnv(false)
      const plan = planUp({ migrations, history, checksums, scope: this.scope }, options)
      if (plan.length) return undefined
    } catch {
      return undefined
    }
    return this.run('up', [], options, started)
  }

  private async refuseDraftsOnProduction(): Promise<void> {
    const env = this.options.env ?? (await this.history.getMeta('env').catch(() => undefined))
    if (isProductionEnv(env)) {
      throw new EnvironmentError(`--include-drafts is refused: the target env is ${env}, and drafts are never applied to production`, {
        hint: 'apply drafts to a dev or staging database; remove -- mig:draft when the migration is ready',
      })
    }
  }

  /** Context for a hook call. */
  private hookContext(hook: HookName, direction: 'up' | 'down', plan: Migration[], extra: Partial<HookContext> = {}): HookContext {
    const ctx: HookContext = {
      hook,
      direction,
      migrations: plan.map(info),
      database: this.driver.displayUrl,
      sql: async (text, file) => {
        await this.driver.runScript(this.driver, { sql: normalizeNewlines(text), file: file ?? `${hook} hook`, line: 1 })
      },
      ...extra,
    }
    if (this.options.env) ctx.env = this.options.env
    return ctx
  }

  private async callHook(hook: HookName, direction: 'up' | 'down', plan: Migration[], extra: Partial<HookContext> = {}): Promise<void> {
    await callHooks(this.options.hooks, this.hookContext(hook, direction, plan, extra))
  }

  private hookFailure(err: unknown, direction: 'up' | 'down', m?: Migration): MigrationError {
    const he = err instanceof HookError ? err : new HookError('after_up', err)
    return new MigrationError({ migration: m?.id ?? he.hook, direction, message: he.message, cause: he })
  }

  /** Revert applied migrations (the last one by default). See {@link RunDownOptions}. */
  async down(options: RunDownOptions = {}): Promise<RunResult> {
    return this.planAndRun('down', (input) => planDown(input, options), options)
  }

  private async planAndRun(direction: 'up' | 'down', plan: (input: PlanInput) => Migration[], options: RunUpOptions): Promise<RunResult> {
    await loadCodeMigrations(await this.discoverAndConnect())
    return this.withLock(async (history, prepare) => {
      const started = now()
      const migrations = plan(await this.planInput(history))
      if (migrations.length && !options.dryRun) await prepare()
      return this.run(direction, migrations, options, started)
    })
  }

  /** Drop every object, then apply everything. */
  async fresh(options: RunUpOptions = {}): Promise<RunResult> {
    await loadCodeMigrations(await this.discover())
    await this.connect()
    const env = await this.storedEnv()
    // refuse before dropping anything when the database's env is not the target's
    if (env) await this.checkEnv(false)
    await this.driver.dropAllObjects()
    if (env) {
      await this.history.ensure()
      await this.history.setMeta('env', env)
    }
    return this.up(options)
  }

  /**
   * Record migrations as applied without running them (baseline of an existing database):
   * history kind `adopted`, log action `adopt` with who and `description`. Unknown versions
   * throw {@link PlanError} before anything is written; applied ones are left as they are.
   */
  async adopt(options: AdoptOptions): Promise<AdoptResult> {
    const migrations = await this.discover()
    const versions = options.versions ?? []
    if (!options.all && !versions.length) throw new PlanError('other', 'name the versions to adopt, or pass --all')
    const byVersion = new Map(migrations.map((m) => [m.version, m]))
    const unknown = versions.filter((v) => !byVersion.has(v))
    if (unknown.length)
      throw new PlanError('unknown-version', `no migration has version ${unknown.join(', ')}`, unknown, { hint: 'run mig status to see the versions' })
    return this.withLock(async (history, prepare) => {
      const input = await this.planInput(history)
      const status = computeStatus(input)
      const chosen = options.all
        ? status.filter((s) => s.kind === 'versioned' && s.status === 'pending' && s.migration).map((s) => s.migration!)
        : versions.map((v) => byVersion.get(v)!)
      return this.recordAdopted(chosen, status, input.checksums, prepare, options.description ?? null)
    })
  }

  private async recordAdopted(
    chosen: Migration[],
    status: StatusEntry[],
    checksums: Map<string, string>,
    prepare: () => Promise<void>,
    note: string | null,
  ): Promise<AdoptResult> {
    const state = new Map(status.map((s) => [s.version, s]))
    const failed = chosen.filter((m) => state.get(m.version)?.status === 'failed')
    if (failed.length) {
      throw new PlanError(
        'failed',
        `${failed.map((m) => m.id).join(', ')} ${failed.length === 1 ? 'is' : 'are'} in a failed state; adopt records pending migrations only`,
        failed.map((m) => m.version),
        {
          hint: `run mig resolve ${failed[0]!.version} --applied after checking the database`,
        },
      )
    }
    const result: AdoptResult = { adopted: [], alreadyApplied: [], unmatched: [], skipped: [] }
    const todo: Migration[] = []
    for (const m of chosen) {
      const st = state.get(m.version)?.status
      if (st === 'pending' || st === 'draft') todo.push(m)
      else result.alreadyApplied.push(info(m))
    }
    if (!todo.length) return result
    await prepare()
    if (note !== null) await this.history.ensureLogColumns()
    await this.driver.transaction(async (tx) => {
      for (const m of todo) {
        const sum = checksums.get(m.id) ?? ''
        await this.history.upsert(tx, {
          version: m.version,
          name: m.name,
          kind: 'adopted',
          checksum: sum,
          durationMs: 0,
          scope: this.scope,
          status: 'applied',
          error: null,
          statementIndex: null,
          statementLine: null,
        })
        await this.history.log(tx, {
          version: m.version,
          name: m.name,
          action: 'adopt',
          status: 'ok',
          sql: null,
          vars: null,
          error: null,
          durationMs: 0,
          scope: this.scope,
          checksum: sum,
          note,
        })
        result.adopted.push(info(m))
      }
    })
    return result
  }

  /**
   * `mig adopt --from <tool>`: read another tool's history table and adopt the mig migrations it
   * applied. Entries that match no migration are returned in `unmatched`, never guessed.
   */
  async importHistory(tool: ImportTool, options: ImportHistoryOptions = {}): Promise<AdoptResult> {
    const importer = IMPORTERS[tool]
    if (!importer) throw new ImportError(tool, `cannot import from "${tool}" (known: ${Object.keys(IMPORTERS).join(', ')})`)
    const table = options.table ?? importer.defaultTable
    if (table === this.history.table && !options.reader) {
      throw new ImportError(tool, `${tool} keeps its history in ${table}, which is also mig's history table`, {
        hint: 'set history_table = "mig_migrations" (any other name) in mig.toml, then run the import again',
      })
    }
    const migrations = await this.discover()
    return this.withLock(async (history, prepare) => {
      const reader = options.reader ?? this.driver
      const entries = await importer.read(reader, reader.dialect, table)
      const match = matchImported(entries, migrations)
      const input = await this.planInput(history)
      const result = await this.recordAdopted(match.migrations, computeStatus(input), input.checksums, prepare, options.description ?? `imported from ${tool}`)
      result.unmatched = match.unmatched
      result.skipped = match.skipped
      return result
    })
  }

  /**
   * Change the env the database says it is (`mig env set <env> --confirm`). Logged with who
   * and the previous value.
   */
  async setEnv(env: string): Promise<{ previous: string | undefined }> {
    await this.connect()
    await this.history.ensure()
    await this.history.ensureLogColumns()
    const previous = await this.history.getMeta('env')
    await this.history.setMeta('env', env)
    await this.history.log(this.driver, {
      version: '',
      name: '',
      action: 'env',
      status: 'ok',
      sql: null,
      vars: null,
      error: null,
      durationMs: 0,
      scope: this.scope,
      checksum: null,
      note: `env ${previous ?? '(none)'} -> ${env}`,
    })
    return { previous }
  }

  /**
   * The append-only log, oldest first (optionally of one version). With `decrypt`, variable
   * values are decrypted with the encryption key; a missing or wrong key throws DecryptionError.
   */
  async readLog(options: { version?: string; decrypt?: boolean } = {}): Promise<AuditEntry[]> {
    await this.connect()
    if (!(await this.historyExists())) return []
    const rows = await this.history.readLog(options.version)
    const secret = this.encryptionKey()
    return rows.map((r) => ({ ...r, variables: readLoggedVars(r.vars, { decrypt: options.decrypt, secret, entry: r.id }) }))
  }

  /**
   * Clear the failed (or interrupted `running`) state of one migration after the database was fixed
   * by hand: `applied` records it as applied with the current checksum of its file, `rolled-back`
   * removes its row so `up` runs it again. Logged in the append-only log with action `resolve`.
   * Throws {@link PlanError} when the migration is not in a failed state.
   */
  async resolve(version: string, as: 'applied' | 'rolled-back'): Promise<ResolveResult> {
    await this.discover()
    return this.withLock(async (history, prepare) => {
      const row = history.find((h) => h.version === version && h.scope === this.scope)
      if (!row) throw new PlanError('not-applied', `migration ${version} has no history row: nothing to resolve`, [version])
      if (row.status === 'applied') throw new PlanError('other', `migration ${version} is applied, not failed: nothing to resolve`, [version])
      const m = this.migrations?.find((x) => x.version === version)
      const sum = m?.up ? await this.upChecksum(m, m.up) : row.checksum
      const note = `resolved as ${as} (was ${row.status}${row.error ? `: ${row.error}` : ''})`.slice(0, 4000)
      await prepare()
      await this.driver.transaction(async (tx) => {
        if (as === 'applied') {
          await this.history.upsert(tx, {
            ...row,
            checksum: sum,
            status: 'applied',
            error: null,
            statementIndex: null,
            statementLine: null,
            appliedAt: new Date(),
            appliedBy: undefined,
          })
        } else {
          await this.history.delete(tx, version, this.scope)
        }
        await this.history.log(tx, {
          version,
          name: row.name,
          action: 'resolve',
          status: 'ok',
          sql: null,
          vars: null,
          error: note,
          durationMs: 0,
          scope: this.scope,
          checksum: sum,
        })
      })
      return { version, name: row.name, previousStatus: row.status, resolvedAs: as }
    })
  }

  /**
   * Clear every failed or interrupted migration of this scope (like Flyway's repair): their rows are
   * removed, so `up` runs them again once their files are fixed. Each is logged with action `repair`.
   * Returns what was cleared (empty when nothing was failed).
   */
  async repair(): Promise<ResolveResult[]> {
    await this.discover()
    return this.withLock(async (history, prepare) => {
      const failed = history.filter((h) => h.scope === this.scope && h.status !== 'applied')
      if (failed.length) await prepare()
      const out: ResolveResult[] = []
      for (const row of failed) {
        const note = `repaired: cleared ${row.status} state${row.error ? ` (${row.error})` : ''}`.slice(0, 4000)
        await this.driver.transaction(async (tx) => {
          await this.history.delete(tx, row.version, this.scope)
          await this.history.log(tx, {
            version: row.version,
            name: row.name,
            action: 'repair',
            status: 'ok',
            sql: null,
            vars: null,
            error: note,
            durationMs: 0,
            scope: this.scope,
            checksum: row.checksum,
          })
        })
        out.push({ version: row.version, name: row.name, previousStatus: row.status, resolvedAs: 'rolled-back' })
      }
      return out
    })
  }

  private async run(
    direction: 'up' | 'down',
    plan: Migration[],
    options: { dryRun?: boolean; singleTransaction?: boolean },
    started: number,
  ): Promise<RunResult> {
    const dryRun = Boolean(options.dryRun)
    this.emit('plan', { direction, migrations: plan.map(info), dryRun })
    const results: MigrationResult[] = []
    const finish = (): RunResult => {
      const failed = results.filter((r) => r.status === 'failed' || r.error)
      const done = results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
      const durationMs = Math.round(now() - started)
      if (!dryRun) this.emit('done', { direction, applied: done, failed: failed.length, skipped: plan.length - results.length, durationMs })
      const out: RunResult = { direction, ok: failed.length === 0, dryRun, results, durationMs }
      if (failed[0]?.error) out.error = failed[0].error
      return out
    }
    if (dryRun) {
      for (const m of plan) results.push({ migration: info(m), direction, status: 'planned', durationMs: 0 })
      return finish()
    }
    if (!this.driver.capabilities.transactionalDdl && plan.length) {
      this.emit('warning', {
        code: 'non-transactional-ddl',
        message: `${this.driver.dialect.name} commits DDL implicitly: a migration that fails halfway cannot be rolled back and is left marked failed`,
      })
    }
    if (options.singleTransaction) return this.runSingleTransaction(direction, plan, results, finish)
    // A migration that only needs its transaction committed is handed to the driver while the ones
    // before it are still running on the server (drivers with queuedTransactions), up to
    // QUEUE_DEPTH ahead; outcomes are read, and events emitted, in order.
    const window: { finish(): Promise<MigrationResult> }[] = []
    /** Read the oldest outcome; false once a migration failed (what is queued behind it never applies). */
    const settleOldest = async (): Promise<boolean> => {
      const r = await window.shift()!.finish()
      results.push(r)
      return r.status !== 'failed' && !r.error
    }
    for (let i = 0; i < plan.length; i++) {
      const m = plan[i]!
      const queueable = await this.canQueue(m, direction)
      if (!queueable) while (window.length) if (!(await settleOldest())) return finish()
      const next = await this.startOne(m, direction, i, plan.length, undefined, window.length > 0)
      window.push(next)
      // a migration that cannot be queued is settled before anything else starts
      if (!queueable || window.length > QUEUE_DEPTH) if (!(await settleOldest())) return finish()
    }
    while (window.length) if (!(await settleOldest())) break
    return finish()
  }

  private async runSingleTransaction(direction: 'up' | 'down', plan: Migration[], results: MigrationResult[], finish: () => RunResult): Promise<RunResult> {
    if (!this.driver.capabilities.transactionalDdl) {
      throw new PlanError('other', `--single-transaction needs transactional DDL, which ${this.driver.dialect.name} does not have`)
    }
    const bad = plan.find((m) => !m.transaction)
    if (bad) throw new PlanError('other', `${bad.id} is marked no-transaction and cannot run inside --single-transaction`, [bad.version])
    try {
      await this.driver.transaction(async (tx) => {
        for (let i = 0; i < plan.length; i++) {
          const r = await this.runOne(plan[i]!, direction, i, plan.length, tx)
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

  private toMigrationError(m: Migration, direction: 'up' | 'down', body: MigrationBody | null, err: unknown): MigrationError {
    if (err instanceof MigrationError) return err
    if (err instanceof StatementFailure) {
      return new MigrationError({
        migration: m.id,
        direction,
        message: err.message,
        file: body?.file,
        statement: err.statement.sql,
        statementIndex: err.index + 1,
        line: err.line,
        cause: err.cause,
      })
    }
    return new MigrationError({ migration: m.id, direction, message: err instanceof Error ? err.message : String(err), file: body?.file, cause: err })
  }

  private codeContext(m: Migration, exec: QueryExecutor, ran: string[]): MigrationContext {
    const run = (sql: string, params?: readonly unknown[]) => {
      ran.push(sql)
      return exec.query(sql, params)
    }
    return {
      sql: (strings, ...values) => run(strings.join('?'), values),
      query: (sql, params) => run(sql, params),
      client: this.driver.client,
      vars: this.options.vars ?? {},
      log: (message) => this.emit('log', { migration: info(m), message }),
    }
  }

  private async execute(
    m: Migration,
    direction: 'up' | 'down',
    exec: QueryExecutor,
    sql: string | undefined,
    body: MigrationBody | null,
    onStatement?: (i: number, line: number) => Promise<void>,
    ran: string[] = [],
  ): Promise<void> {
    const fn = direction === 'up' ? m.code?.up : m.code?.down
    if (fn) return void (await fn(this.codeContext(m, exec, ran)))
    if (sql === undefined || !body) return
    if (isStreamed(body)) await this.executeStreamed(m, direction, exec, body, onStatement)
    else if (hasRunLines(sql)) await this.executeWithCommands(m, direction, exec, sql, body, onStatement)
    else await this.driver.runScript(exec, { sql, file: body.file, line: body.line }, onStatement ? (i, st) => onStatement(i, st.line) : undefined)
    if (direction === 'up' && m.verify) await this.verify(m, exec)
  }

  /**
   * A streamed body (a plain-SQL file over `STREAM_THRESHOLD`): split as the file is read and fed to
   * the driver's `runStatements`, so memory holds a statement (or a driver's bounded batch), never
   * the file. A driver without `runStatements` gets the whole text through `runScript`.
   */
  private async executeStreamed(
    m: Migration,
    direction: 'up' | 'down',
    exec: QueryExecutor,
    body: MigrationBody,
    onStatement?: (i: number, line: number) => Promise<void>,
  ): Promise<void> {
    const info = await this.streamedInfo(body)
    if (info.runLine !== undefined) {
      throw new MigrationError({
        migration: m.id,
        direction,
        message: `-- mig:run is not supported in a file streamed because it is over ${STREAM_THRESHOLD / 1024 / 1024} MiB: split the file at the command`,
        file: body.file,
        line: info.runLine,
      })
    }
    const progress = onStatement ? (i: number, st: ScriptStatement) => onStatement(i, st.line) : undefined
    if (!this.driver.runStatements) {
      await this.driver.runScript(exec, { sql: normalizeNewlines(await body.read()), file: body.file, line: body.line }, progress)
      return
    }
    const statements = splitStream(normalizedText(body.stream!()), this.driver.splitOptions ?? {}, body.line)
    await this.driver.runStatements(exec, statements, { file: body.file, line: body.line }, progress)
  }

  /** A no-transaction body with `-- mig:run <command>` lines: SQL up to each line, then the command. */
  private async executeWithCommands(
    m: Migration,
    direction: 'up' | 'down',
    exec: QueryExecutor,
    sql: string,
    body: MigrationBody,
    onStatement?: (i: number, line: number) => Promise<void>,
  ): Promise<void> {
    const segments = splitRunSegments(sql, body.line)
    let base = 0
    for (const seg of segments) {
      if (seg.kind === 'run') {
        if (!this.options.runCommand) {
          throw new MigrationError({
            migration: m.id,
            direction,
            message: `-- mig:run needs a command runner (the mig CLI provides one)`,
            file: body.file,
            line: seg.line,
          })
        }
        try {
          await this.options.runCommand({
            command: seg.command,
            migration: info(m),
            direction,
            file: body.file,
            line: seg.line,
            database: this.driver.displayUrl,
            ...(this.options.env ? { env: this.options.env } : {}),
          })
        } catch (err) {
          throw new MigrationError({
            migration: m.id,
            direction,
            message: `-- mig:run ${seg.command} failed: ${(err as Error).message}`,
            file: body.file,
            line: seg.line,
            statementIndex: base + 1,
            cause: err,
          })
        }
        continue
      }
      let last = -1
      try {
        await this.driver.runScript(exec, { sql: seg.text, file: body.file, line: seg.line }, async (i, st) => {
          last = i
          if (onStatement) await onStatement(base + i, st.line)
        })
      } catch (err) {
        if (err instanceof StatementFailure) throw new StatementFailure(base + err.index, err.statement, err.cause, err.line)
        throw err
      }
      base += last + 1
    }
  }

  private async verify(m: Migration, exec: QueryExecutor): Promise<void> {
    const verify = m.verify!
    const sql = await this.bodySql(m, verify, 'verify')
    const failures: string[] = []
    await this.driver.runScript(exec, { sql, file: verify.file, line: verify.line })
    // A verify script fails by raising an error; a final SELECT returning false also fails it.
    const last = sql
      .trim()
      .split(';')
      .filter((s) => s.trim())
      .at(-1)
    if (last && /^\s*select\b/i.test(last.replace(/--[^\n]*\n/g, ''))) {
      const rows = await exec.query(last)
      const first = rows[0] ? Object.values(rows[0])[0] : undefined
      if (first === false || first === 0 || first === 'f' || first === '0' || first === 0n) failures.push(`verify query returned ${String(first)}`)
    }
    if (failures.length) throw new MigrationError({ migration: m.id, direction: 'up', message: failures.join('; '), file: verify.file })
  }

  private async runOne(m: Migration, direction: 'up' | 'down', index: number, total: number, outerTx?: QueryExecutor): Promise<MigrationResult> {
    return (await this.startOne(m, direction, index, total, outerTx)).finish()
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
  private async canQueue(m: Migration, direction: 'up' | 'down'): Promise<boolean> {
    const body = direction === 'up' ? m.up : m.down
    if (!this.driver.capabilities.queuedTransactions || !m.transaction || m.code || !body || body.template || isStreamed(body)) return false
    if (direction === 'up' && m.verify) return false
    const hooks = this.options.hooks
    if (hooks?.before_each || hooks?.after_each) return false
    const text = await body.read()
    if (hasRunLines(text)) return false
    return !splitStatements(text).some((st) => TRANSACTION_CONTROL.test(st.sql))
  }

  /**
   * Start a migration: its `before_each` hook, its SQL, and (for a transactional migration) its
   * transaction handed to the driver. `finish()` waits for the outcome and reports it. `queued`: the
   * previous migration's outcome is not known yet, so the start event waits for `finish()` too.
   */
  private async startOne(
    m: Migration,
    direction: 'up' | 'down',
    index: number,
    total: number,
    outerTx?: QueryExecutor,
    queued = false,
  ): Promise<{ finish(): Promise<MigrationResult> }> {
    const mi = info(m)
    const body = direction === 'up' ? m.up : m.down
    let hookError: unknown
    try {
      await this.callHook('before_each', direction, [m], { migration: mi })
    } catch (err) {
      hookError = err
    }
    let t0 = now()
    let announced = false
    const announce = () => {
      if (announced) return
      announced = true
      this.emit('migration:start', { migration: mi, direction, index, total })
      t0 = now()
    }
    if (!queued) announce()
    const failure = (err: unknown, sql?: string, log = true) => ({
      finish: () => {
        announce()
        return this.failed(m, direction, body, err, t0, index, total, sql, log)
      },
    })
    if (hookError) return failure(this.hookFailure(hookError, direction, m))
    let sql: string | undefined
    let upChecksum = ''
    const ran: string[] = []
    try {
      sql = body && !m.code ? await this.bodySql(m, body, direction) : undefined
      upChecksum = m.up ? await this.upChecksum(m, m.up, direction === 'up' ? sql : undefined) : ''
    } catch (err) {
      return failure(err, sql)
    }
    const kind = m.kind
    const row = (status: HistoryRow['status'], extra: Partial<HistoryRow> = {}) => ({
      version: m.version,
      name: m.name,
      kind,
      checksum: upChecksum,
      durationMs: now() - t0,
      scope: this.scope,
      status,
      error: null,
      statementIndex: null,
      statementLine: null,
      ...extra,
    })
    const action = direction === 'up' ? (m.kind === 'repeatable' && this.previouslyApplied.has(m.version) ? 'reapply' : 'apply') : 'revert'
    const logOk = (exec: QueryExecutor) =>
      this.history.log(exec, {
        version: m.version,
        name: m.name,
        action,
        status: 'ok',
        sql: this.loggedSql(sql, ran),
        vars: this.varNames(),
        error: null,
        durationMs: now() - t0,
        scope: this.scope,
        checksum: upChecksum,
      })
    if (sql !== undefined && hasRunLines(sql) && (m.transaction || outerTx)) {
      return failure(
        new MigrationError({ migration: m.id, direction, message: '-- mig:run is only allowed in -- mig:no-transaction migrations', file: body?.file }),
        sql,
      )
    }
    const succeeded = async (): Promise<MigrationResult> => {
      const durationMs = Math.round(now() - t0)
      if (direction === 'up') this.emit('migration:applied', { migration: mi, direction, durationMs, index, total })
      else this.emit('migration:reverted', { migration: mi, direction, durationMs, index, total })
      const result: MigrationResult = { migration: mi, direction, status: direction === 'up' ? 'applied' : 'reverted', durationMs }
      try {
        await this.callHook('after_each', direction, [m], { migration: mi, status: result.status as 'applied' | 'reverted' })
      } catch (err) {
        result.error = this.hookFailure(err, direction, m)
      }
      return result
    }
    const transactional = (m.transaction && this.driver.capabilities.transactionalDdl) || outerTx
    if (transactional) {
      const work = async (tx: QueryExecutor) => {
        await this.execute(m, direction, tx, sql, body, undefined, ran)
        if (direction === 'up') await this.history.upsert(tx, row('applied'), { exists: this.previouslyApplied.has(m.version) })
        else await this.history.delete(tx, m.version, this.scope)
        await logOk(tx)
      }
      const done = outerTx
        ? (async () => {
            await work(outerTx)
            // errors held back by the executor belong to this migration, not the next
            await outerTx.sync?.()
          })()
        : this.driver.transaction(work)
      // observed by finish(); a queued transaction may be abandoned unobserved when the one before it fails
      done.catch(() => {})
      return {
        finish: async () => {
          announce()
          try {
            await done
          } catch (err) {
            return this.failed(m, direction, body, err, t0, index, total, sql, !outerTx)
          }
          return succeeded()
        },
      }
    }
    return {
      finish: async () => {
        announce()
        let lastDone = -1
        let lastLine = body?.line ?? 1
        try {
          // History transitions are data changes: each commits whole even where DDL cannot, so a
          // crash never leaves a migration's changes without a row that says so.
          const exists = direction === 'down' || this.previouslyApplied.has(m.version)
          await this.driver.transaction((tx) => this.history.upsert(tx, row('running', { error: direction === 'down' ? 'rolling back' : null }), { exists }))
          await this.execute(
            m,
            direction,
            this.driver,
            sql,
            body,
            async (i, line) => {
              lastDone = i
              lastLine = line
              this.emit('statement:start', { migration: mi, index: i + 1, line })
              await this.driver.query(`UPDATE ${this.qHistory()} SET statement_index = ?, statement_line = ? WHERE version = ? AND scope = ?`, [
                i + 1,
                line,
                m.version,
                this.scope,
              ])
            },
            ran,
          )
          await this.driver.transaction(async (tx) => {
            if (direction === 'up') await this.history.upsert(tx, row('applied'), { exists: true })
            else await this.history.delete(tx, m.version, this.scope)
            await logOk(tx)
          })
        } catch (err) {
          const me = this.toMigrationError(m, direction, body, err)
          const failedIndex = me.statementIndex ?? lastDone + 2
          try {
            await this.driver.transaction((tx) =>
              this.history.upsert(
                tx,
                row('failed', {
                  error: this.redactText(
                    `${direction === 'down' ? 'down failed' : 'failed'} at statement ${failedIndex}${me.line ? ` (line ${me.line})` : ''}: ${me.cause instanceof Error ? me.cause.message : me.message}`,
                  ).slice(0, 4000),
                  statementIndex: failedIndex,
                  statementLine: me.line ?? lastLine,
                }),
              ),
            )
          } catch {
            // the connection is gone; the 'running' row already marks the migration as interrupted
          }
          return this.failed(m, direction, body, me, t0, index, total, this.loggedSql(sql, ran) ?? undefined, true)
        }
        return succeeded()
      },
    }
  }

  /** The SQL recorded in the log: what ran (a code migration's statements), secrets masked. */
  private loggedSql(sql: string | undefined, ran: string[]): string | null {
    const text = sql ?? (ran.length ? ran.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n') : undefined)
    if (text === undefined) return null
    return this.redactText(text)
  }

  private qHistory(): string {
    return this.history.table
      .split('.')
      .map((p) => this.driver.dialect.quoteIdent(p))
      .join('.')
  }

  private redactText(text: string): string {
    return this.options.redact ? this.options.redact(text) : text
  }

  private varNames(): string | null {
    return varsForLog(this.options.vars, this.encryptionKey())
  }

  private encryptionKey(): string | undefined {
    return this.options.encryptionKey ?? (process.env.MIG_ENCRYPTION_KEY || undefined)
  }

  private async failed(
    m: Migration,
    direction: 'up' | 'down',
    body: MigrationBody | null,
    err: unknown,
    t0: number,
    index: number,
    total: number,
    sql: string | undefined,
    log = true,
  ): Promise<MigrationResult> {
    const error = this.toMigrationError(m, direction, body, err)
    const durationMs = Math.round(now() - t0)
    if (log) {
      try {
        await this.history.log(this.driver, {
          version: m.version,
          name: m.name,
          action: direction === 'up' ? 'apply' : 'revert',
          status: 'failed',
          sql: sql === undefined ? null : this.redactText(sql),
          vars: this.varNames(),
          error: this.redactText(error.message),
          durationMs,
          scope: this.scope,
          checksum: null,
        })
      } catch {
        // logging must not hide the migration's own error
      }
    }
    const mi = info(m)
    this.emit('migration:failed', { migration: mi, direction, durationMs, error, index, total })
    try {
      await this.callHook('on_error', direction, [m], { migration: mi, error, status: 'failed' })
    } catch (err) {
      this.emit('warning', { code: 'hook-failed', message: (err as Error).message })
    }
    return { migration: mi, direction, status: 'failed', durationMs, error }
  }
}

/** Create a {@link Migrator}. */
export function createMigrator(options: MigratorOptions): Migrator {
  return new Migrator(options)
}
