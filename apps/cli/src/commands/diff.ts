import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { describeNotCompared, diffSchemas, materialize, renderMigration } from '@mig/core'
import { withSchemaDriver } from '../connect.js'
import type { CommandContext } from '../context.js'
import { ExitError } from '../exit.js'
import { utcVersion } from '../naming.js'
import { toJson } from '../output.js'
import { ignoredTables, materializeContext } from '../schema-context.js'

/** Options of `mig diff`. */
export interface DiffCommandOptions {
  /** Source schema: database URL, `.sql` file or folder, or `migrations`. Default: the target database. */
  from?: string
  /** Desired schema, same forms. Default: `schema`, else `migrations`. */
  to?: string
  /** Short form of `--to` (`mig diff --database URL --schema schema.sql`). */
  schema?: string
  /** `summary` (default), `sql` or `json`. `--json` implies `json`. */
  format?: string
  /** `migrations/<version>_<name>`: write `<...>.up.sql` and `<...>.down.sql`. A missing version is the current UTC timestamp. */
  out?: string
  /** Emit destructive statements instead of commenting them out. */
  allowDestructive?: boolean
  /** Shadow database to use instead of a temporary one. */
  shadowUrl?: string
}

/**
 * `mig diff [--from SRC] [--to SRC] [--format summary|sql|json] [--out migrations/<version>_<name>]
 * [--allow-destructive]`: compare two schemas; print summary lines, SQL or JSON, or write an up and
 * a down migration. Returns the exit code (0; usage errors throw).
 */
export async function diffCommand(ctx: CommandContext, options: DiffCommandOptions = {}): Promise<number> {
  const format = ctx.options.json ? 'json' : (options.format ?? 'summary')
  if (!['summary', 'sql', 'json'].includes(format)) throw new ExitError(`--format must be summary, sql or json, not "${format}"`, 2)
  const fromSrc = options.from ?? ctx.target.url
  const toSrc = options.to ?? options.schema ?? 'migrations'
  const { out } = ctx
  // --format json without --json: the same document, printed as text
  const json = (document: Record<string, unknown>) => out.result(document, (d) => out.line(toJson(d)))
  return withSchemaDriver(ctx, async (driver) => {
    const mctx = materializeContext(ctx, driver, options.shadowUrl)
    const from = await materialize(fromSrc, mctx)
    const to = await materialize(toSrc, mctx)
    if (from.dialect !== to.dialect)
      throw new ExitError(
        `cannot diff a ${from.dialect} schema with a ${to.dialect} schema`,
        2,
        "compare sources of one engine; SQL files and migrations run on the target's engine",
      )
    const opts = { ignoreTables: ignoredTables(ctx) }
    const diff = diffSchemas(from, to, opts)
    const up = renderMigration(diff, driver.ddl!, { allowDestructive: options.allowDestructive })
    const notCompared = describeNotCompared(diff.notCompared)
    if (options.out) {
      if (diff.changes.length === 0) {
        out.line(notCompared ? `No changes in compared objects: nothing written; ${notCompared}` : 'No changes: nothing written')
        return 0
      }
      const down = renderMigration(diffSchemas(to, from, opts), driver.ddl!, { allowDestructive: options.allowDestructive })
      let base = resolve(ctx.cwd, options.out)
      if (!/^\d+[_-]/.test(basename(base))) base = resolve(dirname(base), `${utcVersion()}_${basename(base)}`)
      mkdirSync(dirname(base), { recursive: true })
      writeFileSync(`${base}.up.sql`, up.sql)
      writeFileSync(`${base}.down.sql`, down.sql)
      if (format === 'json')
        json({ event: 'diff', up: `${base}.up.sql`, down: `${base}.down.sql`, changes: diff.changes.length, skippedDestructive: up.skippedDestructive })
      else {
        for (const c of diff.changes) out.line(c.summary)
        out.line(`Wrote ${basename(base)}.up.sql and ${basename(base)}.down.sql`)
        if (notCompared) out.warn(notCompared)
      }
    } else if (format === 'json') {
      json({
        changes: diff.changes.map((c) => ({ kind: c.kind, summary: c.summary, destructive: c.destructive, hints: c.hints })),
        sql: up.sql,
        skippedDestructive: up.skippedDestructive,
        notCompared: diff.notCompared,
      })
    } else if (format === 'sql') {
      if (up.sql) out.line(up.sql.trimEnd())
      if (notCompared) out.warn(notCompared)
    } else {
      if (diff.changes.length === 0) out.line(notCompared ? `No differences in compared objects; ${notCompared}` : 'No differences')
      for (const c of diff.changes) out.line(c.summary)
      if (diff.changes.length && notCompared) out.line(notCompared)
    }
    if (up.skippedDestructive > 0 && format !== 'json')
      out.warn(`${up.skippedDestructive} destructive statement(s) commented out; pass --allow-destructive to apply them`)
    return 0
  })
}
