// Opening and closing what a command works on. Every command that touches the database goes
// through one of these two, so each connection is closed however the command ends.
import { type Driver, type Migrator, type MigratorOptions, SchemaUnsupportedError } from '@mig/core'
import type { CommandContext } from './context.js'
import { loadDriver } from './driver-loader.js'

/**
 * Run `fn` with the target's migrator (created on first use, connected by core when it needs to)
 * and always close it afterwards, whether `fn` returns or throws.
 *
 * @example
 * return withMigrator(ctx, async (migrator) => { const entries = await migrator.status(); ... })
 */
export async function withMigrator<T>(ctx: CommandContext, fn: (migrator: Migrator) => Promise<T>, extra?: Partial<MigratorOptions>): Promise<T> {
  const migrator = await ctx.migrator(extra)
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
  const driver = await loadDriver(url, ctx.config.root)
  if (!driver.introspect || !driver.ddl) throw new SchemaUnsupportedError('schema introspection and DDL', driver.displayUrl)
  await driver.connect()
  try {
    return await fn(driver)
  } finally {
    await driver.close()
  }
}
