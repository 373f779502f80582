import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { openFleet, tenantsConfig } from '../fleet-context.js'
import { reportFleet } from '../fleet-reporter.js'
import { renderTable } from '../table.js'

/** `mig tenant list [--json]`: NAME SCHEMA CREATED AT CREATED BY. */
export async function tenantListCommand(ctx: CommandContext): Promise<number> {
  tenantsConfig(ctx)
  const migrator = await ctx.migrator()
  try {
    await migrator.connect()
    const fleet = await openFleet(ctx, migrator)
    const { tenants } = await fleet.read()
    if (ctx.out.mode === 'json') {
      ctx.out.json({ tenants: tenants.map((t) => ({ name: t.name, schema: t.schema, createdAt: t.createdAt.toISOString(), createdBy: t.createdBy })) })
      return EXIT.ok
    }
    if (!tenants.length) {
      ctx.out.line('No tenants (mig tenant create <name> adds one)')
      return EXIT.ok
    }
    ctx.out.line(
      renderTable(
        ['NAME', 'SCHEMA', 'CREATED AT', 'CREATED BY'],
        tenants.map((t) => [
          t.name,
          t.schema,
          t.createdAt
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, 'Z'),
          t.createdBy,
        ]),
      ),
    )
    return EXIT.ok
  } finally {
    await migrator.close()
  }
}

/**
 * `mig tenant create <name...> [--adopt-existing] [--concurrency K]`: check every name, register
 * the tenants and create their schemas (under the shared lock, so a concurrent `mig up` either sees
 * them or ran its shared parts before they read the history), then bring each up to date with the
 * tenant parts of every applied migration, in order. Bad input exits 2 with nothing written.
 */
export async function tenantCreateCommand(ctx: CommandContext, names: string[], opts: { adoptExisting?: boolean; concurrency?: number }): Promise<number> {
  tenantsConfig(ctx)
  const migrator = await ctx.migrator()
  try {
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
    return await reportFleet(ctx, fleet, () => fleet.run(jobs, 'up', { concurrency: opts.concurrency }))
  } finally {
    await migrator.close()
  }
}

/** `mig tenant drop <name> --confirm`: drop the tenant's schema with everything in it, its history rows and its registration. */
export async function tenantDropCommand(ctx: CommandContext, name: string, opts: { confirm?: boolean }): Promise<number> {
  tenantsConfig(ctx)
  if (!opts.confirm) throw new ExitError(`dropping tenant ${name} deletes its data`, EXIT.usage, `pass --confirm: mig tenant drop ${name} --confirm`)
  const migrator = await ctx.migrator()
  try {
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
  } finally {
    await migrator.close()
  }
}
