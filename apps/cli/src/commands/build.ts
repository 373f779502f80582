import { discover } from '@mig/core'
import { findMigration } from '@mig/templates'
import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'
import { templateRenderer } from '../templates.js'

/** Options of `mig build`. */
export interface BuildCommandOptions {
  /** `--pinned` (true): only pinned components, error without a lock; `--no-pinned` (false): the working tree; unset: pinned when a lock exists. */
  pinned?: boolean
  /** Which script: `up` (default), `down` or `verify`. */
  direction?: 'up' | 'down' | 'verify'
}

/** `mig build <migration> [--pinned|--no-pinned]`: print the rendered SQL (secrets shown as ***). */
export async function buildCommand(ctx: CommandContext, migration: string, opts: BuildCommandOptions = {}): Promise<number> {
  const m = findMigration(await discover(ctx.sources()), migration)
  const pinned = opts.pinned === true ? 'always' : opts.pinned === false ? 'never' : 'auto'
  const renderer = await templateRenderer(ctx, { pinned })
  const direction = opts.direction ?? 'up'
  const sql = renderer.maskSecrets(await renderer.renderMigration(m, { direction }))
  ctx.out.result({ migration: m.id, direction, pinned, sql }, () => ctx.out.write(sql.endsWith('\n') || sql === '' ? sql : `${sql}\n`))
  return EXIT.ok
}
