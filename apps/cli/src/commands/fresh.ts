import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { reportRun } from '../run-reporter.js'

const PRODUCTION = /^prod(uction)?$/i

/** `mig fresh [--confirm]`: drop every object, then apply everything. */
export async function freshCommand(ctx: CommandContext, opts: { confirm?: boolean }): Promise<number> {
  return withMigrator(ctx, async (migrator) => {
    const stored = await migrator.storedEnv()
    const env = [ctx.target.env, stored].find((e) => e && PRODUCTION.test(e))
    if (env && !opts.confirm) {
      throw new ExitError(`refusing to drop every object: the target env is ${env}`, EXIT.usage, 'pass --confirm if you really mean to wipe this database')
    }
    return reportRun(ctx, migrator, () => migrator.fresh())
  })
}
