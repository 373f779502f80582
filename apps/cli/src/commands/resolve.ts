import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'

/** Options of `mig resolve`. */
export interface ResolveCommandOptions {
  applied?: boolean
  rolledBack?: boolean
}

/**
 * `mig resolve <version> --applied|--rolled-back`: after fixing a failed migration by hand, record it
 * as applied, or forget it so `mig up` runs it again. Logged with action `resolve`.
 */
export async function resolveCommand(ctx: CommandContext, version: string, opts: ResolveCommandOptions): Promise<number> {
  if (Boolean(opts.applied) === Boolean(opts.rolledBack)) {
    throw new ExitError(
      'pass exactly one of --applied or --rolled-back',
      EXIT.usage,
      `--applied if ${version}'s changes are in the database, --rolled-back if they are not`,
    )
  }
  const as = opts.applied ? 'applied' : 'rolled-back'
  const r = await withMigrator(ctx, (migrator) => migrator.resolve(version, as))
  ctx.out.event({ event: 'resolved', ...r })
  ctx.out.line(`Resolved ${r.version}_${r.name} as ${as === 'applied' ? 'applied' : 'rolled back'} (was ${r.previousStatus})`)
  return EXIT.ok
}
