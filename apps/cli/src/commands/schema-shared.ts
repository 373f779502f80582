import { type Driver, historyTables, type MaterializeContext, SchemaUnsupportedError } from '@mig/core'
import type { CommandContext } from '../context.js'
import { loadDriver } from '../driver-loader.js'

/** The target's driver, connected, with schema support checked. Close it when done. */
export async function openTargetDriver(ctx: CommandContext, url = ctx.target.url): Promise<Driver> {
  const driver = await loadDriver(url, ctx.config.root)
  if (!driver.introspect || !driver.ddl) throw new SchemaUnsupportedError('schema introspection and DDL', driver.displayUrl)
  await driver.connect()
  return driver
}

/** What `materialize`/`drift` need, built from the command context. */
export function materializeContext(ctx: CommandContext, driver: Driver, shadowUrl?: string): MaterializeContext {
  return {
    driver,
    openDriver: (url) => loadDriver(url, ctx.config.root),
    sources: ctx.sources(),
    historyTable: ctx.config.historyTable,
    shadowUrl: shadowUrl ?? ctx.target.shadowUrl,
    cwd: ctx.cwd,
  }
}

/** Tables left out of dumps and diffs: the history tables. */
export function ignoredTables(ctx: CommandContext): string[] {
  return historyTables(ctx.config.historyTable)
}
