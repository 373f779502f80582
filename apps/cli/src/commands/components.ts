import { discover } from '@mig/core'
import { componentsStatus } from '@mig/templates'
import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'

/**
 * `mig components status`: components whose current content no lock contains: `changed` (an
 * older version is pinned) or `unpinned` (never pinned). `--all` lists pinned ones too.
 */
export async function componentsStatusCommand(ctx: CommandContext, opts: { all?: boolean } = {}): Promise<number> {
  const all = componentsStatus({ root: ctx.config.root, componentsDir: ctx.config.components, migrations: await discover(ctx.sources()) })
  const shown = opts.all ? all : all.filter((c) => c.status !== 'pinned')
  ctx.out.result({ components: shown }, () => {
    for (const c of shown) ctx.out.line(`${c.status.padEnd(8)}  ${c.path}${c.pinnedBy.length ? `  (${c.pinnedBy.join(', ')})` : ''}`)
    const pending = all.filter((c) => c.status !== 'pinned').length
    ctx.out.line(pending ? `${pending} of ${all.length} components not in any pin` : `All ${all.length} components are pinned`)
  })
  return EXIT.ok
}
