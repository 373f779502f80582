import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PinError } from './errors.js'

/** sha256 hex of bytes (the name of a pinned object). */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Path of an object in the store: `pinned/<first 2 hex>/<other 62>`. */
export function objectPath(pinnedDir: string, hash: string): string {
  return join(pinnedDir, hash.slice(0, 2), hash.slice(2))
}

/**
 * Store bytes under their hash; returns the hash and whether a new object was written (an
 * existing object is never rewritten, so shared components are stored once).
 */
export async function putObject(pinnedDir: string, bytes: Uint8Array): Promise<{ hash: string; written: boolean }> {
  const hash = sha256(bytes)
  const file = objectPath(pinnedDir, hash)
  if (existsSync(file)) return { hash, written: false }
  await mkdir(join(pinnedDir, hash.slice(0, 2)), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}`
  await writeFile(tmp, bytes)
  await rename(tmp, file)
  return { hash, written: true }
}

/**
 * Read an object and check that its bytes hash to its name. Throws {@link PinError} naming the
 * component (when given) and the hash when it is missing or corrupt.
 */
export function getObject(pinnedDir: string, hash: string, component?: string, migration?: string): Buffer {
  const file = objectPath(pinnedDir, hash)
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    throw new PinError(`pinned object ${hash}${component ? ` (${component})` : ''} is missing from ${file}`, {
      migration,
      component,
      hash,
      hint: 'restore pinned/ from version control; pinned objects must be committed with the lock files',
    })
  }
  const actual = sha256(bytes)
  if (actual !== hash)
    throw new PinError(`pinned object ${file}${component ? ` (${component})` : ''} is corrupt: its content hashes to ${actual}`, { migration, component, hash })
  return bytes
}

/** Every object hash in the store (files named `<2 hex>/<62 hex>`). */
export function listObjects(pinnedDir: string): string[] {
  if (!existsSync(pinnedDir)) return []
  const out: string[] = []
  for (const d of readdirSync(pinnedDir, { withFileTypes: true })) {
    if (!d.isDirectory() || !/^[0-9a-f]{2}$/.test(d.name)) continue
    for (const f of readdirSync(join(pinnedDir, d.name), { withFileTypes: true })) {
      if (f.isFile() && /^[0-9a-f]{62}$/.test(f.name)) out.push(d.name + f.name)
    }
  }
  return out.sort()
}
