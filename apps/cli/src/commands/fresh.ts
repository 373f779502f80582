import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { reportRun } from '../run-reporter.js'

const PRODUCTION = /^prod(uction)?$/i

/** `mig fresh [--confirm]`: drop every object, then apply everything. */
export async function freshCommand(ctx: CommandContext, opts: { confirm?: boolean }): Promise<number> {
  const migrator = await ctx.migrator()
  try {
    const stored = await migrator.storedEnv()
    const env = [ctx.target.env, stored].find((e) => e && PRODUCTION.test(e))
    if (env && !opts.confirm) {
      throw new ExitError(`refusing to drop every object: the target env is ${env}`, EXIT.usage, 'pass --confirm if you really mean to wipe this database')
    }
    return await reportRun(ctx, migrator, () => migrator.fresh())
  } finally {
    await migrator.close()
  }
}
