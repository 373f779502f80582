import {
  DEFAULT_CONCURRENCY,
  type Fleet,
  type FleetResult,
  type FleetState,
  fleetStatus,
  type Migration,
  type Migrator,
  parseShard,
  type RunResult,
  selectTenants,
  type TenantContext,
  tenantMigrations,
} from '@mig/core'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { openFleet } from '../fleet-context.js'
import { reportFleet } from '../fleet-reporter.js'
import { plural, renderTable } from '../ui/format.js'

/** Tenant selectors and fleet options of `up`, `down` and `status`. */
export interface FleetCommandOptions {
  tenant?: string[]
  allTenants?: boolean
  sharedOnly?: boolean
  shard?: string
  concurrency?: number
  canary?: number
  continueOnError?: boolean
}

/** Whether a command line asks for anything about tenants. */
export function wantsTenants(opts: FleetCommandOptions): boolean {
  return Boolean(opts.tenant?.length || opts.allTenants || opts.sharedOnly || opts.shard || opts.canary !== undefined || opts.continueOnError)
}

/** A project without `[tenants]` must not hold tenant parts: they would never run. Exit 2 naming them. */
export function refuseTenantParts(ctx: CommandContext, migrations: readonly Migration[]): void {
  if (ctx.config.tenants) return
  const parts = migrations.filter((m) => m.tenantUp || m.tenantDown)
  if (!parts.length) return
  throw new ExitError(
    `${parts.map((m) => m.id).join(', ')} ${parts.length === 1 ? 'has a tenant part' : 'have tenant parts'}, but this project has no [tenants]`,
    EXIT.usage,
    'add [tenants] schema = "tenant_{name}" to mig.toml, or make them shared migrations',
  )
}

/** The tenants a command works on (all when none is named), checked before anything is written. */
async function selected(fleet: Fleet, opts: FleetCommandOptions): Promise<{ state: Awaited<ReturnType<Fleet['read']>>; tenants: TenantContext[] }> {
  if (opts.tenant?.length && opts.allTenants) throw new ExitError('--tenant and --all-tenants exclude each other', EXIT.usage)
  const shard = opts.shard === undefined ? undefined : parseShard(opts.shard)
  const state = await fleet.read()
  const names = selectTenants(
    state.tenants.map((t) => t.name),
    { tenants: opts.tenant, shard },
  )
  const schemas = new Map(state.tenants.map((t) => [t.name, t.schema]))
  return { state, tenants: names.map((name) => ({ name, schema: schemas.get(name) ?? fleet.tenant(name).schema })) }
}

/**
 * A modified migration stops `up`, shared or tenant part alike: exit 1 before anything runs,
 * naming each tenant and its changed tenant parts.
 */
async function refuseModified(fleet: Fleet, migrations: readonly Migration[], state: FleetState, tenants: readonly TenantContext[]): Promise<void> {
  const modified = await fleet.modified(migrations, state, tenants)
  if (!modified.size) return
  const list = [...modified].map(([tenant, ids]) => `${ids.join(', ')} in tenant ${tenant}`).join('; ')
  throw new ExitError(
    `tenant parts changed after being applied: ${list}`,
    EXIT.failed,
    'restore the files as they were applied, and put the change in a new migration (mig status --all-tenants shows the MODIFIED count)',
  )
}

function runOptions(opts: FleetCommandOptions) {
  return { concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY, continueOnError: opts.continueOnError, canary: opts.canary }
}

/**
 * `mig up` in a project with tenants: the pending shared parts (under the shared lock, as always),
 * then the pending tenant parts of every selected tenant over a pool of connections. Every tenant
 * part that may run is rendered first, so bad input stops the run with nothing written.
 */
export async function fleetUp(ctx: CommandContext, migrator: Migrator, opts: FleetCommandOptions, runShared: () => Promise<number>): Promise<number> {
  const migrations = await migrator.discover()
  await migrator.connect()
  const fleet = await openFleet(ctx, migrator)
  const { state, tenants } = await selected(fleet, opts)
  if (!opts.sharedOnly) await refuseModified(fleet, migrations, state, tenants)
  const prepared = await fleet.prepareUp(migrations, state, tenants, { assumeSharedApplied: true })
  const shared = await runShared()
  if (shared !== EXIT.ok || opts.sharedOnly) return shared
  // read again unless every shared part was applied already (this run, or another runner, may have
  // applied some since); a tenant part another runner applies meanwhile is seen under its lock
  const applied = new Set(state.history.filter((h) => h.scope === 'shared' && h.status === 'applied').map((h) => h.version))
  const complete = tenantMigrations(migrations).every((m) => applied.has(m.version))
  const jobs = fleet.narrow(migrations, prepared, complete ? state : await fleet.read())
  return reportFleet(ctx, fleet, () => fleet.run(jobs, 'up', runOptions(opts)))
}

/**
 * `mig up --dry-run` in a project with tenants: the shared parts it would apply, then
 * `Would apply: [acme] <id>` for every tenant part each selected tenant would run (those whose
 * shared part is applied or would be applied). Tenant parts are rendered, nothing is written.
 */
export async function fleetDryRun(
  ctx: CommandContext,
  migrator: Migrator,
  opts: FleetCommandOptions,
  runShared: (seen: (result: RunResult) => void) => Promise<number>,
): Promise<number> {
  const migrations = await migrator.discover()
  await migrator.connect()
  const fleet = await openFleet(ctx, migrator)
  const { state, tenants } = await selected(fleet, opts)
  if (!opts.sharedOnly) await refuseModified(fleet, migrations, state, tenants)
  let planned: string[] = []
  const shared = await runShared((result) => {
    planned = result.results.map((r) => r.migration.version)
  })
  if (shared !== EXIT.ok || opts.sharedOnly) return shared
  const jobs = await fleet.prepareUp(migrations, state, tenants, { alsoApplied: planned })
  for (const job of jobs) {
    for (const part of job.parts) {
      const id = part.migration.id
      ctx.out.event({ event: 'tenant-planned', tenant: job.tenant.name, migration: id }, () => ctx.out.line(`Would apply: [${job.tenant.name}] ${id}`))
    }
  }
  const total = jobs.reduce((n, j) => n + j.parts.length, 0)
  ctx.out.event({ event: 'tenant-plan', tenants: jobs.length, migrations: total }, () =>
    ctx.out.line(`${plural(jobs.length, 'tenant')}: ${total ? `${plural(total, 'tenant migration')} would be applied` : 'no pending tenant migrations'}`),
  )
  return EXIT.ok
}

/** `mig down --tenant T [N]`: roll back the last N (default 1) tenant parts of one tenant. */
export async function fleetDown(ctx: CommandContext, migrator: Migrator, steps: number | undefined, opts: FleetCommandOptions): Promise<number> {
  if (opts.tenant?.length !== 1 || opts.allTenants || opts.shard) {
    throw new ExitError('mig down works on one tenant at a time: --tenant NAME', EXIT.usage, 'mig down without --tenant rolls back shared parts')
  }
  const migrations = await migrator.discover()
  await migrator.connect()
  const fleet = await openFleet(ctx, migrator)
  const { state, tenants } = await selected(fleet, opts)
  const job = await fleet.prepareDown(migrations, state, tenants[0]!, steps ?? 1)
  if (!job.parts.length) {
    ctx.out.line(`[${job.tenant.name}] Nothing to roll back`)
    return EXIT.ok
  }
  return reportFleet(ctx, fleet, (): Promise<FleetResult> => fleet.run([job], 'down', { concurrency: 1 }))
}

/** `mig status --all-tenants` (or `--tenant`, `--shard`): a row per tenant, from two reads whatever the fleet's size. */
export async function fleetStatusCommand(ctx: CommandContext, migrator: Migrator, opts: FleetCommandOptions): Promise<number> {
  const migrations = await migrator.discover()
  await migrator.connect()
  const fleet = await openFleet(ctx, migrator)
  const { state, tenants } = await selected(fleet, opts)
  const rows = fleetStatus(migrations, state.history, tenants, await fleet.modified(migrations, state, tenants))
  const document = { target: ctx.target.name, database: migrator.driver.displayUrl, tenantMigrations: tenantMigrations(migrations).length, tenants: rows }
  ctx.out.result(document, () => {
    if (!rows.length) return ctx.out.line('No tenants (mig tenant create <name> adds one)')
    ctx.out.line(
      renderTable(
        ['TENANT', 'SCHEMA', 'APPLIED', 'PENDING', 'FAILED', 'MODIFIED', 'LAST VERSION'],
        rows.map((r) => [r.tenant, r.schema, String(r.applied), String(r.pending), String(r.failed), String(r.modified), r.lastVersion ?? '']),
      ),
    )
  })
  return EXIT.ok
}
