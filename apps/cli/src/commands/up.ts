import type { CommandContext } from '../context.js'
import { reportRun } from '../run-reporter.js'

/** Options of `mig up`. */
export interface UpCommandOptions {
  to?: string
  only?: string
  dryRun?: boolean
  singleTransaction?: boolean
  allowOutOfOrder?: boolean
  includeDrafts?: boolean
}

/** `mig up [N] [--to V] [--only V] [--dry-run] [--single-transaction]` */
export async function upCommand(ctx: CommandContext, steps: number | undefined, opts: UpCommandOptions): Promise<number> {
  const migrator = await ctx.migrator()
  try {
    return await reportRun(ctx, migrator, () =>
      migrator.up({
        steps,
        to: opts.to,
        only: opts.only,
        dryRun: opts.dryRun,
        singleTransaction: opts.singleTransaction,
        allowOutOfOrder: opts.allowOutOfOrder,
        includeDrafts: opts.includeDrafts,
      }),
    )
  } finally {
    await migrator.close()
  }
}
