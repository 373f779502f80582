import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'

/** `mig env`: the target's env and the env the database says it is. */
export async function envShowCommand(ctx: CommandContext): Promise<number> {
  const migrator = await ctx.migrator()
  try {
    const stored = await migrator.storedEnv()
    if (ctx.out.mode === 'json') {
      ctx.out.json({ target: ctx.target.name, targetEnv: ctx.target.env ?? null, databaseEnv: stored ?? null })
      return 0
    }
    ctx.out.line(`target ${ctx.target.name}: env ${ctx.target.env ?? '(not set)'}`)
    ctx.out.line(`database ${migrator.driver.displayUrl}: env ${stored ?? '(not recorded yet)'}`)
    return 0
  } finally {
    await migrator.close()
  }
}

/** `mig env set <env> --confirm`: change the env the database says it is. */
export async function envSetCommand(ctx: CommandContext, env: string, opts: { confirm?: boolean }): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(env)) throw new ExitError(`"${env}" is not an env name (letters, digits, - _ .)`, EXIT.usage)
  const migrator = await ctx.migrator()
  try {
    const stored = await migrator.storedEnv()
    if (!opts.confirm) {
      throw new ExitError(
        `changing the env of ${migrator.driver.displayUrl} from ${stored ?? '(none)'} to ${env} needs --confirm`,
        EXIT.usage,
        `mig env set ${env} --confirm (only when the database really changed role)`,
      )
    }
    const { previous } = await migrator.setEnv(env)
    if (ctx.out.mode === 'json') ctx.out.json({ event: 'env:set', previous: previous ?? null, env })
    else ctx.out.line(`Database env changed from ${previous ?? '(none)'} to ${env}`)
    return 0
  } finally {
    await migrator.close()
  }
}
