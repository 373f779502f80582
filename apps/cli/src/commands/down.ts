import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { reportRun } from '../run-reporter.js'

/** Options of `mig down`. */
export interface DownCommandOptions {
  to?: string
  all?: boolean
  force?: boolean
  dryRun?: boolean
}

/** `mig down [N] [--to V] [--all] [--force] [--dry-run]` */
export async function downCommand(ctx: CommandContext, steps: number | undefined, opts: DownCommandOptions): Promise<number> {
  return withMigrator(ctx, (migrator) =>
    reportRun(ctx, migrator, () => migrator.down({ steps, to: opts.to, all: opts.all, force: opts.force, dryRun: opts.dryRun })),
  )
}
