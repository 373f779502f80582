import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { dumpGaps, dumpSchema } from '@mig/core'
import type { CommandContext } from '../context.js'
import { ignoredTables, openTargetDriver } from './schema-shared.js'

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
  const driver = await openTargetDriver(ctx)
  try {
    const schema = await driver.introspect!()
    const sql = dumpSchema(schema, driver.ddl!, { ignoreTables: ignoredTables(ctx) })
    if (options.out) {
      const file = resolve(ctx.cwd, options.out)
      writeFileSync(file, sql)
      if (ctx.out.mode === 'json') ctx.out.json({ event: 'dump', file })
      else ctx.out.line(`Wrote ${options.out}`)
    } else if (ctx.out.mode === 'json') ctx.out.json({ event: 'dump', sql })
    else ctx.out.line(sql.trimEnd())
    for (const gap of dumpGaps(schema)) ctx.out.warn(gap)
    return 0
  } finally {
    await driver.close()
  }
}
