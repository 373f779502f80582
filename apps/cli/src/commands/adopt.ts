import type { ImportTool } from '@mig/core'
import { IMPORTERS } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { loadDriver } from '../driver-loader.js'
import { EXIT, ExitError } from '../exit.js'
import { plural } from '../ui/format.js'

/** Options of `mig adopt`. */
export interface AdoptCommandOptions {
  all?: boolean
  description?: string
  from?: string
  table?: string
  historyUrl?: string
}

/**
 * `mig adopt <version...> | --all [--description TEXT]` and `mig adopt --from <tool> [--table T]`:
 * record migrations as applied without running them. Exit 1 when an imported entry matched nothing.
 */
export async function adoptCommand(ctx: CommandContext, versions: string[], opts: AdoptCommandOptions): Promise<number> {
  if (opts.from && (versions.length || opts.all))
    throw new ExitError('--from imports another tool’s history; do not combine it with versions or --all', EXIT.usage)
  if (!opts.from && !versions.length && !opts.all)
    throw new ExitError('name the versions to adopt, pass --all, or --from <tool>', EXIT.usage, 'mig adopt 20240115100000 --description "created by hand"')
  if (opts.from && !(opts.from in IMPORTERS)) throw new ExitError(`cannot import from "${opts.from}" (known: ${Object.keys(IMPORTERS).join(', ')})`, EXIT.usage)
  if (versions.length && opts.all) throw new ExitError('pass versions or --all, not both', EXIT.usage)
  const result = await withMigrator(ctx, async (migrator) => {
    const reader = opts.historyUrl ? await loadDriver(opts.historyUrl, ctx.config) : undefined
    try {
      await reader?.connect()
      return opts.from
        ? await migrator.importHistory(opts.from as ImportTool, { table: opts.table, description: opts.description, reader })
        : await migrator.adopt({ versions, all: opts.all, description: opts.description })
    } finally {
      await reader?.close()
    }
  })
  const { out } = ctx
  out.result({ event: 'adopt', from: opts.from ?? null, ...result }, (r) => {
    for (const m of r.adopted) out.line(`Adopted ${m.id}`)
    for (const m of r.alreadyApplied) out.line(`Already applied: ${m.id}`)
    for (const s of r.skipped) out.line(`Skipped ${s.ref}: ${s.reason}`)
    for (const u of r.unmatched) out.problem(`Not matched: ${u.ref}: ${u.reason}`)
    const from = opts.from ? ` from ${opts.from}` : ''
    out.line(`Adopted ${plural(r.adopted.length, 'migration')}${from}${r.unmatched.length ? `; ${r.unmatched.length} not matched` : ''}`)
  })
  return result.unmatched.length ? EXIT.failed : EXIT.ok
}
