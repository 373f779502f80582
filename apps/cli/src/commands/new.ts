import { existsSync, readdirSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { slug, utcVersion } from '../naming.js'

/** Options of `mig new`. */
export interface NewCommandOptions {
  folder?: boolean
  ts?: boolean
  repeatable?: boolean
  template?: boolean
}

/** `mig new <name> [--folder] [--ts] [--repeatable] [--template]` */
export async function newCommand(ctx: CommandContext, words: string[] | string, opts: NewCommandOptions): Promise<number> {
  const rawName = Array.isArray(words) ? words.join(' ') : words
  const name = slug(rawName)
  if (!name) throw new ExitError(`"${rawName}" has no letters or digits to name a migration with`, EXIT.usage)
  if ([opts.folder, opts.ts, opts.repeatable].filter(Boolean).length > 1) {
    throw new ExitError('choose one of --folder, --ts and --repeatable', EXIT.usage)
  }
  // another tool's folder (format = "dbmate"…) would not read a mig-format file
  const folder = ctx.config.migrations.find((m) => !/[*?[{]/.test(m) && !m.startsWith('@') && (ctx.config.formats?.[m] ?? 'mig') === 'mig')
  if (!folder)
    throw new ExitError(
      'no plain mig-format folder in migrations = [...] to create the file in',
      EXIT.usage,
      'add one: migrations = ["migrations", { path = "…", format = "…" }]',
    )
  const dir = resolve(ctx.config.root, folder)
  await mkdir(dir, { recursive: true })
  const existing = new Set(
    readdirSync(dir)
      .map((f) => /^(\d+)[_-]/.exec(f)?.[1])
      .filter(Boolean),
  )
  let version = utcVersion()
  while (existing.has(version)) version = String(BigInt(version) + 1n)
  const njk = opts.template ? '.njk' : ''
  let path: string
  if (opts.repeatable) {
    path = join(dir, `R__${name}.sql${njk}`)
    if (existsSync(path)) throw new ExitError(`${path} already exists`, EXIT.usage)
    await writeFile(
      path,
      `-- Repeatable: re-applied whenever its content changes. Write it to be re-runnable\n-- (CREATE OR REPLACE VIEW ..., CREATE OR REPLACE FUNCTION ...).\n`,
    )
  } else if (opts.folder) {
    path = join(dir, `${version}_${name}`)
    await mkdir(path)
    await writeFile(join(path, `up.sql${njk}`), `-- ${name}\n`)
    await writeFile(join(path, `down.sql${njk}`), `-- undo ${name}\n`)
  } else if (opts.ts) {
    path = join(dir, `${version}_${name}.ts`)
    await writeFile(
      path,
      `import type { MigrationContext } from '@mig/core'\n\nexport async function up(ctx: MigrationContext): Promise<void> {\n  // await ctx.sql\`UPDATE users SET active = \${true}\`\n}\n\nexport async function down(ctx: MigrationContext): Promise<void> {\n}\n`,
    )
  } else {
    path = join(dir, `${version}_${name}.sql${njk}`)
    await writeFile(path, `-- mig:up\n\n\n-- mig:down\n\n`)
  }
  ctx.out.line(`Created ${relative(ctx.cwd, path) || path}`)
  ctx.out.event({ event: 'created', path, version, name })
  return 0
}
