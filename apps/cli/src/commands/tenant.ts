import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { openFleet, tenantsConfig } from '../fleet-context.js'
import { reportFleet } from '../fleet-reporter.js'
import { renderTable, utcTime } from '../ui/format.js'

/** `mig tenant list [--json]`: NAME SCHEMA CREATED AT CREATED BY. */
export async function tenantListCommand(ctx: CommandContext): Promise<number> {
  tenantsConfig(ctx)
  const tenants = await withMigrator(ctx, async (migrator) => {
    await migrator.connect()
    return (await (await openFleet(ctx, migrator)).read()).tenants
  })
  const document = { tenants: tenants.map((t) => ({ name: t.name, schema: t.schema, createdAt: t.createdAt.toISOString(), createdBy: t.createdBy })) }
  ctx.out.result(document, () => {
    if (!tenants.length) return ctx.out.line('No tenants (mig tenant create <name> adds one)')
    ctx.out.line(
      renderTable(
        ['NAME', 'SCHEMA', 'CREATED AT', 'CREATED BY'],
        tenants.map((t) => [t.name, t.schema, utcTime(t.createdAt), t.createdBy]),
      ),
    )
  })
  return EXIT.ok
}

/**
 * `mig tenant create <name...> [--adopt-existing] [--concurrency K]`: check every name, register
 * the tenants and create their schemas (under the shared lock, so a concurrent `mig up` either sees
 * them or ran its shared parts before they read the history), then bring each up to date with the
 * tenant parts of every applied migration, in order. Bad input exits 2 with nothing written.
 */
export async function tenantCreateCommand(ctx: CommandContext, names: string[], opts: { adoptExisting?: boolean; concurrency?: number }): Promise<number> {
  tenantsConfig(ctx)
  return withMigrator(ctx, async (migrator) => {
    const migrations = await migrator.discover()
    await migrator.connect()
    const fleet = await openFleet(ctx, migrator)
    const lock = await migrator.driver.acquireLock({ key: `mig:${fleet.historyTable}` })
    let jobs: Awaited<ReturnType<typeof fleet.prepareUp>>
    try {
      const state = await fleet.read()
      const tenants = await fleet.checkNew(names, state, { adoptExisting: opts.adoptExisting })
      jobs = await fleet.prepareUp(migrations, state, tenants)
      await migrator.init()
      await fleet.register(tenants)
    } finally {
      await lock.release()
    }
    for (const job of jobs) ctx.out.line(`Created tenant ${job.tenant.name} (${fleet.tenancy.unit} ${job.tenant.schema})`)
    return reportFleet(ctx, fleet, () => fleet.run(jobs, 'up', { concurrency: opts.concurrency }))
  })
}

/** `mig tenant drop <name> --confirm`: drop the tenant's schema with everything in it, its history rows and its registration. */
export async function tenantDropCommand(ctx: CommandContext, name: string, opts: { confirm?: boolean }): Promise<number> {
  tenantsConfig(ctx)
  if (!opts.confirm) throw new ExitError(`dropping tenant ${name} deletes its data`, EXIT.usage, `pass --confirm: mig tenant drop ${name} --confirm`)
  return withMigrator(ctx, async (migrator) => {
    await migrator.connect()
    const fleet = await openFleet(ctx, migrator)
    const lock = await migrator.driver.acquireLock({ key: `mig:${fleet.historyTable}` })
    try {
      const record = await fleet.drop(name, await fleet.read())
      ctx.out.line(`Dropped tenant ${record.name} (${fleet.tenancy.unit} ${record.schema})`)
    } finally {
      await lock.release()
    }
    return EXIT.ok
  })
}
