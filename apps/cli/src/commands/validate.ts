import { discover, loadCodeMigrations, ProjectError } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'
import { plural } from '../ui/format.js'

/** One problem `mig validate` found. */
export interface ValidationProblem {
  migration?: string
  file?: string
  message: string
}

/** `mig validate`: file names, dependencies, checksums against the database, failed states. */
export async function validateCommand(ctx: CommandContext, opts: { offline?: boolean }): Promise<number> {
  const problems: ValidationProblem[] = []
  let migrations: Awaited<ReturnType<typeof discover>> = []
  try {
    migrations = await discover(ctx.sources())
    await loadCodeMigrations(migrations)
  } catch (err) {
    if (!(err instanceof ProjectError)) throw err
    for (const p of err.problems) problems.push({ file: p.file, message: p.message })
  }
  if (!ctx.config.tenants) {
    // a tenant part never runs in a project without tenants: refuse it, as a project problem (exit 2)
    for (const m of migrations) {
      const part = m.tenantUp ?? m.tenantDown
      if (part)
        problems.push({ file: part.file, message: 'has a tenant part, but this project has no [tenants] (add [tenants] schema = "tenant_{name}" to mig.toml)' })
    }
  }
  const versions = new Set(migrations.map((m) => m.version))
  for (const m of migrations) {
    for (const d of m.depends) if (!versions.has(d)) problems.push({ migration: m.id, file: m.path, message: `depends on ${d}, which does not exist` })
  }
  if (migrations.some((m) => m.lockFile)) {
    // Pins: every object every lock references exists and hashes to its name.
    const { pinValidate } = await import('@mig/templates')
    const pins = pinValidate({ root: ctx.config.root, componentsDir: ctx.config.components, migrations })
    for (const p of pins.problems) problems.push({ migration: p.migration, file: p.lockFile, message: p.message })
  }
  if (!opts.offline && migrations.length && !problems.length) {
    for (const s of await withMigrator(ctx, (migrator) => migrator.status())) {
      const id = `${s.version}_${s.name}`
      if (s.status === 'modified')
        problems.push({
          migration: id,
          message: `changed after it was applied (checksum ${s.history?.checksum.slice(0, 12)} -> ${s.checksum?.slice(0, 12)})`,
        })
      if (s.status === 'failed') problems.push({ migration: id, message: `failed: ${s.history?.error ?? 'interrupted'}` })
      if (s.status === 'missing') problems.push({ migration: id, message: 'applied, but its file is missing' })
    }
  }
  const { out } = ctx
  out.result({ ok: problems.length === 0, migrations: migrations.length, problems }, () => {
    if (!problems.length) return out.line(`OK: ${plural(migrations.length, 'migration')} valid`)
    for (const p of problems) out.problem(`${p.file ?? p.migration}: ${p.message}`)
    out.problem(`${plural(problems.length, 'problem')} found`)
  })
  if (!problems.length) return EXIT.ok
  return problems.some((p) => p.file && !p.migration) ? EXIT.usage : EXIT.failed
}
