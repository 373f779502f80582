import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'

/** `mig env`: the target's env and the env the database says it is. */
export async function envShowCommand(ctx: CommandContext): Promise<number> {
  const { stored, database } = await withMigrator(ctx, async (migrator) => ({ stored: await migrator.storedEnv(), database: migrator.driver.displayUrl }))
  const { out } = ctx
  out.result({ target: ctx.target.name, targetEnv: ctx.target.env ?? null, databaseEnv: stored ?? null }, () => {
    out.line(`target ${ctx.target.name}: env ${ctx.target.env ?? '(not set)'}`)
    out.line(`database ${database}: env ${stored ?? '(not recorded yet)'}`)
  })
  return 0
}

/** `mig env set <env> --confirm`: change the env the database says it is. */
export async function envSetCommand(ctx: CommandContext, env: string, opts: { confirm?: boolean }): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(env)) throw new ExitError(`"${env}" is not an env name (letters, digits, - _ .)`, EXIT.usage)
  const { previous } = await withMigrator(ctx, async (migrator) => {
    const stored = await migrator.storedEnv()
    if (!opts.confirm) {
      throw new ExitError(
        `changing the env of ${migrator.driver.displayUrl} from ${stored ?? '(none)'} to ${env} needs --confirm`,
        EXIT.usage,
        `mig env set ${env} --confirm (only when the database really changed role)`,
      )
    }
    return migrator.setEnv(env)
  })
  ctx.out.result({ event: 'env:set', previous: previous ?? null, env }, () => ctx.out.line(`Database env changed from ${previous ?? '(none)'} to ${env}`))
  return 0
}
