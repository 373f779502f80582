import { existsSync, readFileSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Migration } from '@mig/core'
import { parse as parseToml } from 'smol-toml'
import { PinError } from './errors.js'

/** File name of the lock in a folder migration. */
export const LOCK_FILE = 'lock.toml'
/** Suffix of the lock of a flat-file migration: `20240101000000_x.sql.njk` → `20240101000000_x.lock.toml`. */
export const FLAT_LOCK_SUFFIX = '.lock.toml'

/** The components a migration's templates load, as pinned: project-relative path → sha256 hex. */
export interface Lock {
  components: Record<string, string>
}

const HEX64 = /^[0-9a-f]{64}$/

/**
 * Where the lock of a migration lives (whether or not it exists): `lock.toml` inside a folder
 * migration; `<file name without .up.sql/.sql/.njk>.lock.toml` next to a flat-file migration.
 */
export function lockPathFor(migration: Migration): string {
  if (migration.lockFile) return migration.lockFile
  if (isFolder(migration.path)) return join(migration.path, LOCK_FILE)
  const base = basename(migration.path).replace(/(\.(up|down))?\.sql(\.njk)?$/, '')
  return join(dirname(migration.path), `${base}${FLAT_LOCK_SUFFIX}`)
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The lock file of a migration when it exists (discovery sets `lockFile`; flat files are also looked up). */
export function existingLockFile(migration: Migration): string | undefined {
  if (migration.lockFile) return migration.lockFile
  const p = lockPathFor(migration)
  return existsSync(p) ? p : undefined
}

/** Parse lock text; throws {@link PinError} naming the file on bad content. */
export function parseLock(text: string, file: string): Lock {
  let raw: Record<string, unknown>
  try {
    raw = parseToml(text) as Record<string, unknown>
  } catch (err) {
    throw new PinError(`${file}: invalid TOML: ${(err as Error).message.split('\n')[0]}`)
  }
  const components: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'version') continue
    if (key !== 'components' || typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new PinError(`${file}: unknown key "${key}" (a lock has a [components] table)`, { hint: 'rewrite it with mig pin <migration>' })
    }
    for (const [path, hash] of Object.entries(value)) {
      if (typeof hash !== 'string' || !HEX64.test(hash)) throw new PinError(`${file}: components."${path}" must be a sha256 hex digest`, { component: path })
      components[path] = hash
    }
  }
  return { components }
}

/** Read and parse a lock file. */
export function readLock(file: string): Lock {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new PinError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  return parseLock(text, file)
}

/** Lock text, deterministic: paths sorted, one per line. */
export function formatLock(lock: Lock): string {
  const lines = [
    '# Written by `mig pin`: the exact components and data files this migration renders with.',
    '# Each hash names an object in pinned/<first 2 hex>/<rest>. Do not edit by hand.',
    'version = 1',
    '',
    '[components]',
  ]
  for (const path of Object.keys(lock.components).sort()) lines.push(`${JSON.stringify(path)} = "${lock.components[path]}"`)
  return `${lines.join('\n')}\n`
}

/** Write a lock; returns false (and writes nothing) when the file already has this content. */
export async function writeLock(file: string, lock: Lock): Promise<boolean> {
  const text = formatLock(lock)
  try {
    if (readFileSync(file, 'utf8') === text) return false
  } catch {
    // not there yet
  }
  await writeFile(file, text)
  return true
}
