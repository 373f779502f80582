import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { dumpObjects, flattenValues, materialize, templatize } from '@mig/core'
import { withSchemaDriver } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { ignoredTables, materializeContext } from '../schema-context.js'
import { templateRenderer } from '../templates.js'

/** Options of `mig flatten`. */
export interface FlattenCommandOptions {
  /** The folder to write (new or empty). */
  out: string
  /** Write into a folder that is not empty (files of the same name are replaced, others kept). */
  force?: boolean
}

/** Folder of objects outside any named schema (the engine's default namespace). */
const DEFAULT_SCHEMA_DIR = 'default'

/** A path segment from an object's name: no separators, no control characters. */
function segment(name: string): string {
  return name.replace(/[/\\\0-\x1f]/g, '_').replace(/^\.+$/, '_') || '_'
}

/**
 * `mig flatten --out DIR [--force]`: apply every migration to a scratch database with a unique
 * value for each variable of `[flatten] vars`, dump it, put `{{ vars.x }}` back where each value
 * appears and write one file per object (`DIR/<schema>/<kind>/<name>.sql.njk`, `.sql` when no
 * variable appears) and `DIR/order.txt` (the files in the order they apply). The scratch database
 * is dropped however the command ends. Returns the exit code.
 */
export async function flattenCommand(ctx: CommandContext, options: FlattenCommandOptions): Promise<number> {
  const dir = resolve(ctx.cwd, options.out)
  if (existsSync(dir) && readdirSync(dir).length > 0 && !options.force)
    throw new ExitError(`${options.out} is not empty`, EXIT.usage, 'choose a new folder, or pass --force to write over the files in it')
  const names = ctx.config.flatten?.vars ?? []
  const values = flattenValues(names)
  const { objects, real } = await withSchemaDriver(ctx, async (driver) => {
    const real = (await templateRenderer(ctx, { dialect: driver.dialect })).options.vars ?? {}
    const schema = await materialize('migrations', materializeContext(ctx, driver, undefined, values))
    const backslashEscapes = driver.dialect.literals?.backslashEscapes ?? false
    const objects = dumpObjects(schema, driver.ddl!, { ignoreTables: ignoredTables(ctx) }).map((o) => ({
      ...o,
      ...templatize(o.sql, { values, backslashEscapes }),
    }))
    return { objects, real }
  })
  const used = new Set(objects.flatMap((o) => [...o.used]))
  const missing = names.filter((n) => !used.has(n))
  if (missing.length)
    throw new ExitError(
      `[flatten] vars: ${missing.map((n) => `vars.${n}`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not appear in the deployed schema`,
      EXIT.usage,
      'remove it from [flatten] vars in mig.toml, or check that the migrations use it in a name or a string',
    )
  // Paths name objects by the target's values (a schema named by a variable gets its real name)
  const byValue = new Map(Object.entries(values).map(([name, value]) => [value, typeof real[name] === 'string' ? (real[name] as string) : `vars.${name}`]))
  const pathName = (text: string) => segment([...byValue].reduce((t, [value, shown]) => t.split(value).join(shown), text))
  const taken = new Set<string>()
  const files: string[] = []
  for (const o of objects) {
    const ext = o.used.size ? '.sql.njk' : '.sql'
    const base = join(pathName(o.schema ?? DEFAULT_SCHEMA_DIR), segment(o.kind), pathName(o.name))
    let rel = `${base}${ext}`
    for (let n = 2; taken.has(rel); n++) rel = `${base}-${n}${ext}`
    taken.add(rel)
    mkdirSync(join(dir, rel, '..'), { recursive: true })
    writeFileSync(join(dir, rel), o.text)
    files.push(rel.split('\\').join('/'))
  }
  writeFileSync(join(dir, 'order.txt'), files.map((f) => `${f}\n`).join(''))
  const { out } = ctx
  out.result({ event: 'flatten', dir, files, vars: names }, () =>
    out.line(`Wrote ${files.length} file(s) to ${relative(ctx.cwd, dir) || '.'}${names.length ? ` (vars: ${names.join(', ')})` : ''}`),
  )
  return EXIT.ok
}
