import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { dumpSchema } from '@mig/core'
import { withSchemaDriver } from '../connect.js'
import type { CommandContext } from '../context.js'
import { ignoredTables } from '../schema-context.js'

/** Options of `mig dump`. */
export interface DumpCommandOptions {
  /** Write the SQL to this file instead of stdout. */
  out?: string
}

/**
 * `mig dump [--out FILE]`: deterministic SQL recreating the target's schema (history tables left
 * out). Returns the exit code.
 */
export async function dumpCommand(ctx: CommandContext, options: DumpCommandOptions = {}): Promise<number> {
  const sql = await withSchemaDriver(ctx, async (driver) => dumpSchema(await driver.introspect!(), driver.ddl!, { ignoreTables: ignoredTables(ctx) }))
  const { out } = ctx
  if (options.out) {
    const file = resolve(ctx.cwd, options.out)
    writeFileSync(file, sql)
    out.result({ event: 'dump', file }, () => out.line(`Wrote ${options.out}`))
  } else out.result({ event: 'dump', sql }, () => out.line(sql.trimEnd()))
  return 0
}
