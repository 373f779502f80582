import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { convertMigrations, directory, discover, MIGRATION_FORMATS, type MigrationFormat } from '@mig/core'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { plural } from '../ui/format.js'

/** Options of `mig convert`. */
export interface ConvertCommandOptions {
  from: string
  out: string
}

const FOREIGN = MIGRATION_FORMATS.filter((f) => f !== 'mig')

/**
 * `mig convert --from <format> <dir> --out <folder>`: write the migrations of another tool's folder
 * as mig-format files whose up scripts are the SQL mig already runs (same checksums), into a new or
 * empty folder. Nothing is written when any migration cannot be converted.
 */
export async function convertCommand(ctx: CommandContext, dir: string, opts: ConvertCommandOptions): Promise<number> {
  if (!FOREIGN.includes(opts.from as Exclude<MigrationFormat, 'mig'>))
    throw new ExitError(`cannot convert from "${opts.from}" (known: ${FOREIGN.join(', ')})`, EXIT.usage)
  const source = resolve(ctx.cwd, dir)
  const out = resolve(ctx.cwd, opts.out)
  if (existsSync(out) && readdirSync(out).length)
    throw new ExitError(`${opts.out} is not empty: convert writes into a new or empty folder`, EXIT.usage, 'pick another --out, or empty the folder')
  const migrations = await discover([directory(source, { label: dir, ignore: ctx.config.ignore, format: opts.from as MigrationFormat })])
  const { files, problems } = await convertMigrations(migrations)
  if (problems.length) {
    for (const p of problems) ctx.out.problem(`${p.migration}: ${p.message}`)
    throw new ExitError(`${plural(problems.length, 'migration')} cannot be converted; nothing was written`, EXIT.usage)
  }
  for (const f of files) {
    const path = join(out, f.path)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, f.text)
  }
  const document = { event: 'convert', from: opts.from, out: opts.out, files: files.map((f) => f.path) }
  ctx.out.result(document, () => {
    for (const f of files) ctx.out.line(`Wrote ${relative(ctx.cwd, join(out, f.path))}`)
    ctx.out.line(`Converted ${plural(migrations.length, 'migration')} from ${opts.from}: set migrations = ["${opts.out}"] in mig.toml`)
  })
  return EXIT.ok
}
