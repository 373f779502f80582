// Opening and closing what a command works on. Every command that touches the database goes
// through one of these two, so each connection is closed however the command ends, and each names
// the database it uses (`Database: postgres://app:***@db/app (target dev)` on stderr).
import { type Driver, type Migrator, type MigratorOptions, redactUrl, SchemaUnsupportedError } from '@mig/core'
import type { CommandContext } from './context.js'
import { loadDriver } from './driver-loader.js'

/** Where the URL came from, when not from the target's `url`. */
const URL_SOURCE = { '--database': ', from --database', DATABASE_URL: ', from DATABASE_URL', default: ' has no url: the default', target: '' } as const

/** Say which database a command uses (URL redacted), for a person; JSON documents carry it as a field instead. */
function announce(ctx: CommandContext, displayUrl: string): void {
  ctx.out.note(`Database: ${redactUrl(displayUrl)} (target ${ctx.target.name}${URL_SOURCE[ctx.target.urlSource]})`)
}

/**
 * Run `fn` with the target's migrator (created on first use, connected by core when it needs to)
 * and always close it afterwards, whether `fn` returns or throws.
 *
 * @example
 * return withMigrator(ctx, async (migrator) => { const entries = await migrator.status(); ... })
 */
export async function withMigrator<T>(ctx: CommandContext, fn: (migrator: Migrator) => Promise<T>, extra?: Partial<MigratorOptions>): Promise<T> {
  const migrator = await ctx.migrator(extra)
  announce(ctx, migrator.driver.displayUrl)
  try {
    return await fn(migrator)
  } finally {
    await migrator.close()
  }
}

/**
 * Run `fn` with a connected driver for `url` (default: the target's) that can introspect and
 * write DDL (`dump`, `diff`, `drift`), and always close it afterwards.
 */
export async function withSchemaDriver<T>(ctx: CommandContext, fn: (driver: Driver) => Promise<T>, url = ctx.target.url): Promise<T> {
  const driver = await loadDriver(url, ctx.config)
  if (!driver.introspect || !driver.ddl) throw new SchemaUnsupportedError('schema introspection and DDL', driver.displayUrl)
  announce(ctx, driver.displayUrl)
  await driver.connect()
  try {
    return await fn(driver)
  } finally {
    await driver.close()
  }
}
