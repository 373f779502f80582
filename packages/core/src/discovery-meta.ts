// What discovery reads besides file names: a folder migration's meta.toml, and why a name that
// looks like a migration's does not parse.
import { parse as parseToml } from 'smol-toml'
import type { DiscoveryProblem } from './discovery.js'
import type { Migration } from './migration.js'

const META_KEYS = new Set(['depends', 'draft', 'transaction', 'scope', 'description'])

/** Read a folder migration's `meta.toml` into `mig`; problems are collected, not thrown. */
export function readMeta(file: string, text: string, mig: Migration, problems: DiscoveryProblem[]): void {
  let meta: Record<string, unknown>
  try {
    meta = parseToml(text) as Record<string, unknown>
  } catch (err) {
    problems.push({ file, message: `invalid TOML: ${(err as Error).message.split('\n')[0]}` })
    return
  }
  for (const [key, value] of Object.entries(meta)) {
    if (!META_KEYS.has(key)) {
      problems.push({ file, message: `unknown key "${key}" (known: ${[...META_KEYS].join(', ')})` })
      continue
    }
    const bad = (expected: string) => problems.push({ file, message: `${key} must be ${expected}` })
    if (key === 'depends') {
      const list = typeof value === 'string' ? [value] : value
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' || typeof x === 'number')) bad('a list of versions')
      else mig.depends = [...mig.depends, ...list.map(String)]
    } else if (key === 'draft') {
      if (typeof value !== 'boolean') bad('true or false')
      else mig.draft = value
    } else if (key === 'transaction') {
      if (typeof value !== 'boolean') bad('true or false')
      else mig.transaction = value
    } else if (key === 'scope') {
      if (value !== 'shared' && value !== 'tenant') bad('"shared" or "tenant"')
      else mig.scope = value
    } else if (key === 'description') {
      if (typeof value !== 'string') bad('a string')
      else mig.description = value
    }
  }
}

/** Why a file that looks like a migration does not parse; undefined for files that are not migrations. */
export function explainBadName(name: string): string | undefined {
  if (/^[VUB]\d+(?:[._]\d+)*__.+\.sql$/.test(name)) return 'a Flyway migration name: set format = "flyway" for this folder in mig.toml'
  const sqlish = /\.(sql|njk)$/.test(name)
  if (/^\d+$/.test(name.split('.')[0] ?? '') && sqlish) return 'missing a name after the version: use {version}_{name}.sql'
  if (/^\d+[^_\-\d]/.test(name) && sqlish) return 'the version must be followed by "_" or "-" and a name'
  if (/^\d+[_-]/.test(name)) {
    if (/\.(up|down)\.(?!sql)/.test(name) || !sqlish)
      return 'unknown extension: use .sql, .up.sql, .down.sql (and .njk for templates), or .ts/.mts/.js/.mjs for code migrations'
    return 'does not match {version}_{name}.sql, {version}_{name}.up.sql or {version}_{name}.down.sql'
  }
  if (/^r__/i.test(name) && sqlish) return 'repeatable migrations are named R__{name}.sql (capital R, two underscores)'
  if (sqlish) return 'SQL file without a version: name it {version}_{name}.sql (mig new <name> does this) or add it to ignore'
  return undefined
}
