import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { reportRun } from '../run-reporter.js'
import type { FleetCommandOptions } from './fleet.js'

/** Options of `mig down` (`--tenant T` rolls back tenant parts of one tenant). */
export interface DownCommandOptions extends FleetCommandOptions {
  to?: string
  all?: boolean
  force?: boolean
  dryRun?: boolean
}

/** `mig down [N] [--to V] [--all] [--force] [--dry-run]` */
export async function downCommand(ctx: CommandContext, steps: number | undefined, opts: DownCommandOptions): Promise<number> {
  return withMigrator(ctx, async (migrator) => {
    if (opts.tenant?.length || opts.allTenants || opts.shard) {
      ;(await import('../fleet-context.js')).tenantsConfig(ctx)
      return (await import('./fleet.js')).fleetDown(ctx, migrator, steps, opts)
    }
    return reportRun(ctx, migrator, () => migrator.down({ steps, to: opts.to, all: opts.all, force: opts.force, dryRun: opts.dryRun }))
  })
}
