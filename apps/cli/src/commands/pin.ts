import { relative } from 'node:path'
import { discover } from '@mig/core'
import { findMigration, pin, pinCheckout, pinDiff, pinReport, pinValidate } from '@mig/templates'
import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'
import { templateRenderer } from '../templates.js'
import { plural } from '../ui/format.js'

const shown = (ctx: CommandContext, file: string) => relative(ctx.cwd, file) || '.'

/** `mig pin <migration>`: snapshot the components its templates load into pinned/ and write its lock. */
export async function pinCommand(ctx: CommandContext, migration: string): Promise<number> {
  const m = findMigration(await discover(ctx.sources()), migration)
  const r = await pin(await templateRenderer(ctx, { pinned: 'never' }), m)
  const count = Object.keys(r.components).length
  const { out } = ctx
  out.result({ event: 'pinned', ...r, lockFile: shown(ctx, r.lockFile) }, ({ lockFile }) => {
    if (!r.lockWritten) out.line(`Already pinned ${m.id}: ${plural(count, 'component')} unchanged (${lockFile})`)
    else out.line(`Pinned ${m.id}: ${plural(count, 'component')}, ${plural(r.objectsWritten.length, 'new object')} -> ${lockFile}`)
  })
  return EXIT.ok
}

/** `mig pin checkout <migration|hash> [--to DIR]`: write the pinned files to a folder (a temporary one by default). */
export async function pinCheckoutCommand(ctx: CommandContext, what: string, opts: { to?: string } = {}): Promise<number> {
  const migrations = await discover(ctx.sources())
  let target: Parameters<typeof pinCheckout>[0]['what'] = what
  try {
    target = findMigration(migrations, what)
  } catch (err) {
    if (!/^[0-9a-f]{4,64}$/i.test(what)) throw err
  }
  const r = await pinCheckout({ root: ctx.config.root, componentsDir: ctx.config.components, migrations, what: target, to: opts.to })
  ctx.out.result({ event: 'checkout', dir: r.dir, files: r.files }, () => {
    for (const f of r.files) ctx.out.line(`${f.hash.slice(0, 12)}  ${f.path}`)
    ctx.out.line(`Checked out ${plural(r.files.length, 'file')} to ${r.dir}`)
  })
  return EXIT.ok
}

/** `mig pin diff <m1> <m2>`: unified diff of every pinned component between two migrations. */
export async function pinDiffCommand(ctx: CommandContext, from: string, to: string): Promise<number> {
  const migrations = await discover(ctx.sources())
  const d = pinDiff({ root: ctx.config.root, componentsDir: ctx.config.components, from: findMigration(migrations, from), to: findMigration(migrations, to) })
  ctx.out.result({ files: d.files, patch: d.patch }, () => (d.files.length ? ctx.out.write(d.patch) : ctx.out.line('No differences')))
  return EXIT.ok
}

/** `mig pin report [--unused] [--delete]`: objects in pinned/ that no lock references. */
export async function pinReportCommand(ctx: CommandContext, opts: { unused?: boolean; delete?: boolean } = {}): Promise<number> {
  const r = await pinReport({ root: ctx.config.root, componentsDir: ctx.config.components, migrations: await discover(ctx.sources()), delete: opts.delete })
  const unused = r.unused.map((u) => ({ ...u, file: shown(ctx, u.file) }))
  ctx.out.result({ objects: r.objects, referenced: r.referenced, unused, deleted: r.deleted }, () => {
    if (opts.unused || opts.delete) for (const u of unused) ctx.out.line(`${opts.delete ? 'deleted ' : ''}${u.file} (${u.bytes} bytes)`)
    ctx.out.line(`${plural(r.objects, 'object')}, ${r.referenced} referenced, ${r.unused.length} unused${opts.delete ? `, ${r.deleted.length} deleted` : ''}`)
  })
  return EXIT.ok
}

/** `mig pin validate`: every object every lock references exists and hashes to its name; exit 1 otherwise. */
export async function pinValidateCommand(ctx: CommandContext): Promise<number> {
  const r = pinValidate({ root: ctx.config.root, componentsDir: ctx.config.components, migrations: await discover(ctx.sources()) })
  ctx.out.result({ ...r, problems: r.problems.map((p) => ({ ...p, lockFile: shown(ctx, p.lockFile) })) }, ({ problems }) => {
    if (r.ok) return ctx.out.line(`OK: ${plural(r.locks, 'lock')}, ${plural(r.objects, 'object')} verified`)
    for (const p of problems) ctx.out.problem(`${p.lockFile}: ${p.message}`)
    ctx.out.problem(`${plural(problems.length, 'problem')} found`)
  })
  return r.ok ? EXIT.ok : EXIT.failed
}
