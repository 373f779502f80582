import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { MigError, type Migration } from '@mig/core'
import { createTwoFilesPatch } from 'diff'
import { PinError } from './errors.js'
import { existingLockFile, type Lock, readLock } from './lock-file.js'
import { getObject, listObjects, objectPath, sha256 } from './object-store.js'
import { type ProjectOptions, projectPaths, projectRelative } from './project-paths.js'

/** Options shared by the pin tools: the project and its discovered migrations. */
export interface PinToolOptions extends ProjectOptions {
  migrations: readonly Migration[]
}

/** A migration's lock, read. */
export interface LockEntry {
  migration: Migration
  lockFile: string
  lock: Lock
}

/** Every lock of the migrations; unreadable locks are thrown as PinError. */
export function readLocks(migrations: readonly Migration[]): LockEntry[] {
  const out: LockEntry[] = []
  for (const m of migrations) {
    const lockFile = existingLockFile(m)
    if (lockFile) out.push({ migration: m, lockFile, lock: readLock(lockFile) })
  }
  return out
}

/**
 * Find a migration by id (`20240101000000_users`), version, name, file name or unique version prefix.
 * Throws a MigError when nothing or more than one migration matches.
 */
export function findMigration(migrations: readonly Migration[], spec: string): Migration {
  const exact = migrations.filter((m) => m.id === spec || m.version === spec || m.name === spec || m.path === resolve(spec) || m.path.endsWith(`/${spec}`))
  if (exact.length === 1) return exact[0]!
  const prefix = exact.length ? exact : /^\d+$/.test(spec) ? migrations.filter((m) => m.version.startsWith(spec)) : []
  if (prefix.length === 1) return prefix[0]!
  if (prefix.length > 1) throw new MigError(`"${spec}" matches several migrations: ${prefix.map((m) => m.id).join(', ')}`, { hint: 'give the full version' })
  throw new MigError(`no migration "${spec}"`, { hint: 'run mig status to list migrations' })
}

/** Result of {@link pinCheckout}. */
export interface CheckoutResult {
  dir: string
  files: { path: string; hash: string }[]
}

/**
 * Write pinned component files to a folder, to inspect or edit an old migration without touching
 * the working tree. `what` is a migration (every file of its lock, at their project paths) or an
 * object hash or unique hash prefix (that one object, named after a lock entry that uses it).
 * `to` defaults to a new temporary folder.
 */
export async function pinCheckout(options: PinToolOptions & { what: Migration | string; to?: string }): Promise<CheckoutResult> {
  const paths = projectPaths(options)
  const label = typeof options.what === 'string' ? options.what.slice(0, 12) : options.what.id
  const dir = options.to ? resolve(options.to) : mkdtempSync(join(tmpdir(), `mig-checkout-${label}-`))
  const files: { path: string; hash: string }[] = []
  if (typeof options.what !== 'string') {
    const m = options.what
    const lockFile = existingLockFile(m)
    if (!lockFile) throw new PinError(`${m.id} is not pinned`, { migration: m.id, hint: `run mig pin ${m.version}` })
    for (const [path, hash] of Object.entries(readLock(lockFile).components)) files.push({ path, hash })
    for (const f of files) await writeOut(dir, f.path, getObject(paths.pinned, f.hash, f.path, m.id))
    return { dir, files }
  }
  const spec = options.what.toLowerCase()
  if (!/^[0-9a-f]{4,64}$/.test(spec)) throw new MigError(`"${options.what}" is neither a migration nor an object hash`)
  const matches = listObjects(paths.pinned).filter((h) => h.startsWith(spec))
  if (!matches.length) throw new PinError(`no pinned object ${spec} in ${projectRelative(paths, paths.pinned)}/`, { hash: spec })
  if (matches.length > 1) throw new PinError(`hash prefix ${spec} matches ${matches.length} objects; give more digits`, { hash: spec })
  const hash = matches[0]!
  let path = hash
  for (const e of readLocks(options.migrations)) {
    const found = Object.entries(e.lock.components).find(([, h]) => h === hash)
    if (found) {
      path = found[0]
      break
    }
  }
  await writeOut(dir, path, getObject(paths.pinned, hash, path))
  files.push({ path, hash })
  return { dir, files }
}

async function writeOut(dir: string, path: string, bytes: Buffer): Promise<void> {
  // external data (`url:…`, `command:…`) is named by what was read, not a path: written under external/
  const rel = /^(url|command):/.test(path) ? `external/${sha256(path)}` : path
  const file = join(dir, ...rel.split('/'))
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, bytes)
}

/** One file in a {@link pinDiff}. */
export interface PinDiffFile {
  path: string
  status: 'added' | 'removed' | 'changed'
  from?: string
  to?: string
}

/**
 * Unified diff of every pinned component between two migrations' locks (`from` → `to`).
 * Files with the same hash in both are left out; `patch` is empty when nothing differs.
 */
export function pinDiff(options: ProjectOptions & { from: Migration; to: Migration }): { files: PinDiffFile[]; patch: string } {
  const paths = projectPaths(options)
  const lockOf = (m: Migration) => {
    const f = existingLockFile(m)
    if (!f) throw new PinError(`${m.id} is not pinned`, { migration: m.id, hint: `run mig pin ${m.version}` })
    return readLock(f).components
  }
  const a = lockOf(options.from)
  const b = lockOf(options.to)
  const files: PinDiffFile[] = []
  let patch = ''
  for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const from = a[path]
    const to = b[path]
    if (from === to) continue
    const status = !from ? 'added' : !to ? 'removed' : 'changed'
    const file: PinDiffFile = { path, status }
    if (from) file.from = from
    if (to) file.to = to
    files.push(file)
    const oldText = from ? getObject(paths.pinned, from, path, options.from.id).toString('utf8') : ''
    const newText = to ? getObject(paths.pinned, to, path, options.to.id).toString('utf8') : ''
    patch += createTwoFilesPatch(from ? `a/${path}` : '/dev/null', to ? `b/${path}` : '/dev/null', oldText, newText, options.from.id, options.to.id)
  }
  return { files, patch }
}

/** Result of {@link pinReport}. */
export interface PinReport {
  /** Objects in the store. */
  objects: number
  /** Distinct hashes referenced by some lock. */
  referenced: number
  /** Objects no lock references. */
  unused: { hash: string; file: string; bytes: number }[]
  /** Hashes deleted (with `delete: true`). */
  deleted: string[]
}

/** Objects in `pinned/` that no lock references; with `delete: true` they are removed (and emptied folders). */
export async function pinReport(options: PinToolOptions & { delete?: boolean }): Promise<PinReport> {
  const paths = projectPaths(options)
  const referenced = new Set<string>()
  for (const e of readLocks(options.migrations)) for (const h of Object.values(e.lock.components)) referenced.add(h)
  const all = listObjects(paths.pinned)
  const unused = all
    .filter((h) => !referenced.has(h))
    .map((hash) => {
      const file = objectPath(paths.pinned, hash)
      return { hash, file, bytes: readFileSync(file).length }
    })
  const deleted: string[] = []
  if (options.delete) {
    for (const u of unused) {
      await rm(u.file, { force: true })
      deleted.push(u.hash)
      const folder = dirname(u.file)
      if (!readdirSync(folder).length) await rmdir(folder).catch(() => undefined)
    }
  }
  return { objects: all.length, referenced: referenced.size, unused, deleted }
}

/** One problem found by {@link pinValidate}. */
export interface PinProblem {
  migration: string
  lockFile: string
  component?: string
  hash?: string
  message: string
}

/** Check every lock: it parses, and every object it references exists and hashes to its name. */
export function pinValidate(options: PinToolOptions): { ok: boolean; locks: number; objects: number; problems: PinProblem[] } {
  const paths = projectPaths(options)
  const problems: PinProblem[] = []
  let locks = 0
  const checked = new Set<string>()
  for (const m of options.migrations) {
    const lockFile = existingLockFile(m)
    if (!lockFile) continue
    locks++
    let lock: Lock
    try {
      lock = readLock(lockFile)
    } catch (err) {
      problems.push({ migration: m.id, lockFile, message: (err as Error).message })
      continue
    }
    for (const [component, hash] of Object.entries(lock.components)) {
      checked.add(hash)
      try {
        getObject(paths.pinned, hash, component, m.id)
      } catch (err) {
        problems.push({ migration: m.id, lockFile, component, hash, message: (err as Error).message })
      }
    }
  }
  return { ok: problems.length === 0, locks, objects: checked.size, problems }
}

/** A component's state relative to the locks. */
export interface ComponentStatus {
  /** Project-relative path. */
  path: string
  /** sha256 of its current content. */
  hash: string
  /** `pinned`: some lock has this exact content; `changed`: locks have other versions of it; `unpinned`: no lock has it. */
  status: 'pinned' | 'changed' | 'unpinned'
  /** Migrations whose lock has this exact content. */
  pinnedBy: string[]
}

/**
 * Every file under `components/` with whether its current content is pinned by some migration.
 * Components with status `changed` or `unpinned` are edits no pinned migration has captured yet.
 */
export function componentsStatus(options: PinToolOptions): ComponentStatus[] {
  const paths = projectPaths(options)
  const byPath = new Map<string, Map<string, string[]>>()
  for (const e of readLocks(options.migrations)) {
    for (const [path, hash] of Object.entries(e.lock.components)) {
      const hashes = byPath.get(path) ?? new Map<string, string[]>()
      hashes.set(hash, [...(hashes.get(hash) ?? []), e.migration.id])
      byPath.set(path, hashes)
    }
  }
  const out: ComponentStatus[] = []
  for (const file of walk(paths.components)) {
    const path = projectRelative(paths, file)
    const hash = sha256(readFileSync(file))
    const hashes = byPath.get(path)
    const pinnedBy = hashes?.get(hash) ?? []
    out.push({ path, hash, status: pinnedBy.length ? 'pinned' : hashes ? 'changed' : 'unpinned', pinnedBy })
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : 1))
}

function walk(dir: string): string[] {
  let entries: import('node:fs').Dirent[]
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const out: string[] = []
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p))
    else if (e.isFile()) out.push(p)
  }
  return out
}
