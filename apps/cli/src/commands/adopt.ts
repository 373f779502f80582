import type { AdoptResult, ImportTool, MigrationInfo } from '@mig/core'
import { IMPORTERS } from '@mig/core'
import type { CommandContext } from '../context.js'
import { loadDriver } from '../driver-loader.js'
import { EXIT, ExitError } from '../exit.js'

/** Options of `mig adopt`. */
export interface AdoptCommandOptions {
  all?: boolean
  description?: string
  from?: string
  table?: string
  historyUrl?: string
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`

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
  const migrator = await ctx.migrator()
  let result: AdoptResult
  const reader = opts.historyUrl ? await loadDriver(opts.historyUrl, ctx.config.root) : undefined
  try {
    await reader?.connect()
    result = opts.from
      ? await migrator.importHistory(opts.from as ImportTool, { table: opts.table, description: opts.description, reader })
      : await migrator.adopt({ versions, all: opts.all, description: opts.description })
  } finally {
    await reader?.close()
    await migrator.close()
  }
  const { out } = ctx
  if (out.mode === 'json') {
    out.json({ event: 'adopt', from: opts.from ?? null, ...result })
  } else {
    const id = (m: MigrationInfo) => m.id
    for (const m of result.adopted) out.line(`Adopted ${id(m)}`)
    for (const m of result.alreadyApplied) out.line(`Already applied: ${id(m)}`)
    for (const s of result.skipped) out.line(`Skipped ${s.ref}: ${s.reason}`)
    for (const u of result.unmatched) out.problem(`Not matched: ${u.ref}: ${u.reason}`)
    out.line(
      `Adopted ${plural(result.adopted.length, 'migration')}${opts.from ? ` from ${opts.from}` : ''}${result.unmatched.length ? `; ${result.unmatched.length} not matched` : ''}`,
    )
  }
  return result.unmatched.length ? EXIT.failed : EXIT.ok
}
