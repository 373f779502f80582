import { matchImported } from './adopt.js'
import { readLoggedVars } from './audit.js'
import { type CoreContext, encryptionKey, planInput } from './context.js'
import type { Driver } from './driver.js'
import { PlanError } from './errors.js'
import { type MigrationInfo, migrationInfo } from './events.js'
import { withLock } from './guard.js'
import { MAX_ERROR_CHARS } from './history/recorder.js'
import type { HistoryRow, LogRow } from './history/store.js'
import { ImportError, type ImportTool } from './importers/importer.js'
import { IMPORTERS } from './importers/tools.js'
import type { Migration } from './migration.js'
import { computeStatus, type StatusEntry } from './planner.js'
import type { Unmatched } from './adopt.js'
import type { LoggedVars } from './audit.js'

/*
 * Maintenance of the history, beside the runs: adopt (baseline), import from another tool,
 * resolve and repair failed migrations, change the env, read the log. Each takes the migrator's
 * context; every write goes through its recorder.
 */

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

/** What {@link Migrator.resolve} or {@link Migrator.repair} did to one migration. */
export interface AcceptChecksumResult {
  version: string
  name: string
  /** The checksum the history row had (of the file as it was applied). */
  previousChecksum: string
  /** The file's checksum now, recorded in the row. */
  checksum: string
}

/** What {@link resolve} or {@link repair} did to one migration. */
export interface ResolveResult {
  version: string
  name: string
  /** The status the history row had (`failed` or `running`). */
  previousStatus: HistoryRow['status']
  /** `applied`: now recorded as applied; `rolled-back`: its row was removed, `up` will run it again. */
  resolvedAs: 'applied' | 'rolled-back'
}

/**
 * Record migrations as applied without running them (baseline of an existing database):
 * history kind `adopted`, log action `adopt` with who and `description`. Unknown versions
 * throw {@link PlanError} before anything is written; applied ones are left as they are.
 */
export async function adopt(ctx: CoreContext, options: AdoptOptions): Promise<AdoptResult> {
  const migrations = await ctx.session.discover()
  const versions = options.versions ?? []
  if (!options.all && !versions.length) throw new PlanError('other', 'name the versions to adopt, or pass --all')
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  const unknown = versions.filter((v) => !byVersion.has(v))
  if (unknown.length)
    throw new PlanError('unknown-version', `no migration has version ${unknown.join(', ')}`, unknown, { hint: 'run mig status to see the versions' })
  return withLock(ctx, async ({ history, prepare }) => {
    const input = await planInput(ctx, history)
    const status = computeStatus(input)
    const chosen = options.all
      ? status.filter((s) => s.kind === 'versioned' && s.status === 'pending' && s.migration).map((s) => s.migration!)
      : versions.map((v) => byVersion.get(v)!)
    return recordAdopted(ctx, { chosen, status, checksums: input.checksums, prepare, note: options.description ?? null })
  })
}

/** Record `chosen` as adopted (the pending ones; applied ones are reported, failed ones refused). */
async function recordAdopted(
  ctx: CoreContext,
  run: { chosen: Migration[]; status: StatusEntry[]; checksums: Map<string, string>; prepare: () => Promise<void>; note: string | null },
): Promise<AdoptResult> {
  const state = new Map(run.status.map((s) => [s.version, s]))
  const failed = run.chosen.filter((m) => state.get(m.version)?.status === 'failed')
  if (failed.length) {
    throw new PlanError(
      'failed',
      `${failed.map((m) => m.id).join(', ')} ${failed.length === 1 ? 'is' : 'are'} in a failed state; adopt records pending migrations only`,
      failed.map((m) => m.version),
      { hint: `run mig resolve ${failed[0]!.version} --applied after checking the database` },
    )
  }
  const result: AdoptResult = { adopted: [], alreadyApplied: [], unmatched: [], skipped: [] }
  const todo: Migration[] = []
  for (const m of run.chosen) {
    const st = state.get(m.version)?.status
    if (st === 'pending' || st === 'draft') todo.push(m)
    else result.alreadyApplied.push(migrationInfo(m))
  }
  if (!todo.length) return result
  await run.prepare()
  if (run.note !== null) await ctx.store.ensureLogColumns()
  await ctx.driver.transaction(async (tx) => {
    for (const m of todo) {
      const checksum = run.checksums.get(m.id) ?? ''
      const { version, name } = m
      const scope = ctx.scope
      const row = { version, name, kind: 'adopted' as const, checksum, durationMs: 0, scope, status: 'applied' as const }
      await ctx.recorder.writeRow(tx, { ...row, error: null, statementIndex: null, statementLine: null })
      await ctx.recorder.logAction(tx, { action: 'adopt', version, name, scope, checksum, note: run.note })
      result.adopted.push(migrationInfo(m))
    }
  })
  return result
}

/**
 * `mig adopt --from <tool>`: read another tool's history table and adopt the mig migrations it
 * applied. Entries that match no migration are returned in `unmatched`, never guessed.
 */
export async function importHistory(ctx: CoreContext, tool: ImportTool, options: ImportHistoryOptions = {}): Promise<AdoptResult> {
  const importer = IMPORTERS[tool]
  if (!importer) throw new ImportError(tool, `cannot import from "${tool}" (known: ${Object.keys(IMPORTERS).join(', ')})`)
  const table = options.table ?? importer.defaultTable
  if (table === ctx.store.table && !options.reader) {
    throw new ImportError(tool, `${tool} keeps its history in ${table}, which is also mig's history table`, {
      hint: 'set history_table = "mig_migrations" (any other name) in mig.toml, then run the import again',
    })
  }
  const migrations = await ctx.session.discover()
  return withLock(ctx, async ({ history, prepare }) => {
    const reader = options.reader ?? ctx.driver
    const entries = await importer.read(reader, reader.dialect, table)
    const match = matchImported(entries, migrations)
    const input = await planInput(ctx, history)
    const note = options.description ?? `imported from ${tool}`
    const result = await recordAdopted(ctx, { chosen: match.migrations, status: computeStatus(input), checksums: input.checksums, prepare, note })
    result.unmatched = match.unmatched
    result.skipped = match.skipped
    return result
  })
}

/** Change the env the database says it is (`mig env set <env> --confirm`). Logged with who and the previous value. */
export async function setEnv(ctx: CoreContext, env: string): Promise<{ previous: string | undefined }> {
  await ctx.session.connect()
  await ctx.store.ensure()
  await ctx.store.ensureLogColumns()
  const previous = await ctx.store.getMeta('env')
  await ctx.recorder.setMeta(ctx.driver, 'env', env)
  const note = `env ${previous ?? '(none)'} -> ${env}`
  await ctx.recorder.logAction(ctx.driver, { action: 'env', version: '', name: '', scope: ctx.scope, checksum: null, note })
  return { previous }
}

/**
 * The append-only log, oldest first (optionally of one version). With `decrypt`, variable
 * values are decrypted with the encryption key; a missing or wrong key throws DecryptionError.
 */
export async function readLog(ctx: CoreContext, options: { version?: string; decrypt?: boolean } = {}): Promise<AuditEntry[]> {
  await ctx.session.connect()
  if (!(await ctx.store.exists())) return []
  const rows = await ctx.store.readLog(options.version)
  const secret = encryptionKey(ctx.options)
  return rows.map((r) => ({ ...r, variables: readLoggedVars(r.vars, { decrypt: options.decrypt, secret, entry: r.id }) }))
}

/**
 * Clear the failed (or interrupted `running`) state of one migration after the database was fixed
 * by hand: `applied` records it as applied with the current checksum of its file, `rolled-back`
 * removes its row so `up` runs it again. Logged with action `resolve`. Throws {@link PlanError}
 * when the migration is not in a failed state.
 */
export async function resolve(ctx: CoreContext, version: string, as: 'applied' | 'rolled-back'): Promise<ResolveResult> {
  await ctx.session.discover()
  return withLock(ctx, async ({ history, prepare }) => {
    const row = history.find((h) => h.version === version && h.scope === ctx.scope)
    if (!row) throw new PlanError('not-applied', `migration ${version} has no history row: nothing to resolve`, [version])
    if (row.status === 'applied') throw new PlanError('other', `migration ${version} is applied, not failed: nothing to resolve`, [version])
    const m = ctx.session.discovered?.find((x) => x.version === version)
    const checksum = m?.up ? await ctx.bodies.upChecksum(m, m.up) : row.checksum
    const note = `resolved as ${as} (was ${row.status}${row.error ? `: ${row.error}` : ''})`.slice(0, MAX_ERROR_CHARS)
    await prepare()
    await ctx.driver.transaction(async (tx) => {
      if (as === 'applied') {
        const applied = { ...row, checksum, status: 'applied' as const, error: null, statementIndex: null, statementLine: null }
        await ctx.recorder.writeRow(tx, { ...applied, appliedAt: new Date(), appliedBy: undefined })
      } else {
        await ctx.recorder.removeRow(tx, version, ctx.scope)
      }
      await ctx.recorder.logAction(tx, { action: 'resolve', version, name: row.name, scope: ctx.scope, checksum, error: note })
    })
    return { version, name: row.name, previousStatus: row.status, resolvedAs: as }
  })
}

/**
 * Accept an edit of an applied migration's file on purpose (`mig resolve <V> --accept-checksum`,
 * Flyway's repair of checksums, Atlas's `migrate hash`): its row takes the file's checksum, and the
 * log records action `accept-checksum` with the old and new checksums and `reason`. Nothing is run.
 * Throws {@link PlanError} when the migration is not applied or its file did not change.
 */
export async function acceptChecksum(ctx: CoreContext, version: string, reason: string): Promise<AcceptChecksumResult> {
  await ctx.session.discover()
  return withLock(ctx, async ({ history, prepare }) => {
    const row = history.find((h) => h.version === version && h.scope === ctx.scope)
    if (!row) throw new PlanError('not-applied', `migration ${version} is not applied (it has no history row): nothing to accept`, [version])
    if (row.status !== 'applied') {
      throw new PlanError(
        'other',
        `migration ${version} is ${row.status}, not applied: --accept-checksum is for an applied migration whose file was edited`,
        [version],
        {
          hint: `run mig resolve ${version} --applied or --rolled-back (or mig up --resume)`,
        },
      )
    }
    const m = ctx.session.discovered?.find((x) => x.version === version)
    if (!m?.up) throw new PlanError('other', `migration ${version} has no file here: nothing to accept`, [version])
    const checksum = await ctx.bodies.upChecksum(m, m.up)
    if (checksum === row.checksum) throw new PlanError('other', `migration ${m.id} is not modified: its file has the checksum it was applied with`, [version])
    await prepare()
    await ctx.store.ensureLogColumns()
    const note = `accepted checksum ${row.checksum} -> ${checksum}: ${reason}`.slice(0, MAX_ERROR_CHARS)
    await ctx.driver.transaction(async (tx) => {
      await ctx.recorder.writeRow(tx, { ...row, checksum }, { exists: true })
      await ctx.recorder.logAction(tx, { action: 'accept-checksum', version, name: row.name, scope: ctx.scope, checksum, note })
    })
    return { version, name: row.name, previousChecksum: row.checksum, checksum }
  })
}

/**
 * Clear every failed or interrupted migration of this scope (like Flyway's repair): their rows are
 * removed, so `up` runs them again once their files are fixed. Each is logged with action `repair`.
 * Returns what was cleared (empty when nothing was failed).
 */
export async function repair(ctx: CoreContext): Promise<ResolveResult[]> {
  await ctx.session.discover()
  return withLock(ctx, async ({ history, prepare }) => {
    const failed = history.filter((h) => h.scope === ctx.scope && h.status !== 'applied')
    if (failed.length) await prepare()
    const out: ResolveResult[] = []
    for (const row of failed) {
      const note = `repaired: cleared ${row.status} state${row.error ? ` (${row.error})` : ''}`.slice(0, MAX_ERROR_CHARS)
      await ctx.driver.transaction(async (tx) => {
        await ctx.recorder.removeRow(tx, row.version, ctx.scope)
        await ctx.recorder.logAction(tx, { action: 'repair', version: row.version, name: row.name, scope: ctx.scope, checksum: row.checksum, error: note })
      })
      out.push({ version: row.version, name: row.name, previousStatus: row.status, resolvedAs: 'rolled-back' })
    }
    return out
  })
}
