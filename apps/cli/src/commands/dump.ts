import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { dumpGaps, dumpSchema } from '@mig/core'
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
 * out), loadable by the engine's own client. What mig does not model (and so does not dump) is named
 * on stderr. Returns the exit code.
 */
export async function dumpCommand(ctx: CommandContext, options: DumpCommandOptions = {}): Promise<number> {
  const { sql, gaps } = await withSchemaDriver(ctx, async (driver) => {
    const schema = await driver.introspect!()
    return { sql: dumpSchema(schema, driver.ddl!, { ignoreTables: ignoredTables(ctx) }), gaps: dumpGaps(schema) }
  })
  const { out } = ctx
  if (options.out) {
    const file = resolve(ctx.cwd, options.out)
    writeFileSync(file, sql)
    out.result({ event: 'dump', file }, () => out.line(`Wrote ${options.out}`))
  } else out.result({ event: 'dump', sql }, () => out.line(sql.trimEnd()))
  for (const gap of gaps) out.warn(gap)
  return 0
}
