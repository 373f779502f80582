import type { Migration } from '@mig/core'
import { lockPathFor, type Lock, writeLock } from './lock-file.js'
import { putObject } from './object-store.js'
import type { TemplateRenderer } from './renderer.js'

/** Outcome of {@link pin}. */
export interface PinResult {
  migration: string
  /** Absolute path of the lock file. */
  lockFile: string
  /** Component / data file path → sha256, as written to the lock. */
  components: Record<string, string>
  /** False when the lock already had exactly this content (pinning twice is a no-op). */
  lockWritten: boolean
  /** Hashes of objects newly added to `pinned/` (objects already stored are shared, not rewritten). */
  objectsWritten: string[]
}

/**
 * Pin a migration: render its template bodies from the working tree with the renderer's
 * variables, record every component and data file they load (nested includes too), store each
 * in `pinned/<2 hex>/<62 hex>` and write the migration's lock (folder: `lock.toml`; flat file:
 * `<version>_<name>.lock.toml` beside it).
 *
 * Only what the templates actually load with the current variables is pinned: a component that
 * is included only under other variables is not, and a pinned render that needs it fails naming it.
 */
export async function pin(renderer: TemplateRenderer, migration: Migration): Promise<PinResult> {
  const files = await renderer.loadedFiles(migration)
  const lock: Lock = { components: {} }
  const objectsWritten: string[] = []
  for (const rel of [...files.keys()].sort()) {
    const { hash, written } = await putObject(renderer.paths.pinned, files.get(rel)!)
    lock.components[rel] = hash
    if (written) objectsWritten.push(hash)
  }
  const lockFile = lockPathFor(migration)
  const lockWritten = await writeLock(lockFile, lock)
  return { migration: migration.id, lockFile, components: lock.components, lockWritten, objectsWritten }
}
