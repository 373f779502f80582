import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type DependentUse, definedObjects, discover, findDependents } from '@mig/core'
import { type ComponentStatus, componentsStatus } from '@mig/templates'
import { withSchemaDriver } from '../connect.js'
import type { CommandContext } from '../context.js'
import { describeError, EXIT } from '../exit.js'

/** A component in the status report, with the database objects that use what it defines. */
type Reported = ComponentStatus & { dependents?: DependentUse[] }

/**
 * The database objects that use what each `changed` component creates (`CREATE FUNCTION score`…):
 * PostgreSQL through its catalog, other engines by name in view, routine and trigger definitions.
 * Connects only when a changed component creates something; a database that cannot be read is a
 * warning, not a failure (the report of the files stands).
 */
async function withDependents(ctx: CommandContext, components: ComponentStatus[]): Promise<Reported[]> {
  const defines = new Map(
    components.filter((c) => c.status === 'changed').map((c) => [c.path, definedObjects(readFileSync(join(ctx.config.root, c.path), 'utf8'))] as const),
  )
  if (![...defines.values()].some((names) => names.length)) return components
  try {
    return await withSchemaDriver(ctx, async (driver) => {
      const out: Reported[] = []
      for (const c of components) {
        const names = defines.get(c.path) ?? []
        out.push(names.length ? { ...c, dependents: await findDependents(driver, names) } : c)
      }
      return out
    })
  } catch (err) {
    ctx.out.warn(`could not look for database objects that use changed components: ${describeError(err).message}`)
    return components
  }
}

/**
 * `mig components status`: components whose current content no lock contains: `changed` (an
 * older version is pinned) or `unpinned` (never pinned), and the database objects that use what a
 * changed component creates. `--all` lists pinned ones too.
 */
export async function componentsStatusCommand(ctx: CommandContext, opts: { all?: boolean } = {}): Promise<number> {
  const all = componentsStatus({ root: ctx.config.root, componentsDir: ctx.config.components, migrations: await discover(ctx.sources()) })
  const shown = await withDependents(ctx, opts.all ? all : all.filter((c) => c.status !== 'pinned'))
  ctx.out.result({ components: shown }, () => {
    for (const c of shown) {
      ctx.out.line(`${c.status.padEnd(8)}  ${c.path}${c.pinnedBy.length ? `  (${c.pinnedBy.join(', ')})` : ''}`)
      for (const d of c.dependents ?? []) {
        ctx.out.line(`          ${d.kind} ${d.name} uses ${d.uses.join(', ')} from ${c.path}, changed since it was pinned`)
      }
    }
    const pending = all.filter((c) => c.status !== 'pinned').length
    ctx.out.line(pending ? `${pending} of ${all.length} components not in any pin` : `All ${all.length} components are pinned`)
  })
  return EXIT.ok
}
