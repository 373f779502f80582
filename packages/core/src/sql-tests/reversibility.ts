import type { DatabaseCopy, Driver } from '../driver.js'
import { MigError } from '../errors.js'
import type { MigrationInfo } from '../events.js'
import type { Migration } from '../migration.js'
import type { Migrator, RunResult } from '../migrator.js'
import { diffSchemas } from '../schema/diff.js'
import type { Schema } from '../schema/model.js'
import { DatabaseCopyError } from './errors.js'

/** How one migration fared in {@link checkReversibility}. */
export interface ReversibilityResult {
  migration: MigrationInfo
  /**
   * `reversible`: down gave back the schema before up, and up again the schema after it;
   * `irreversible`: it did not (see the differences); `no-down`: nothing to check;
   * `failed`: up or down failed (`error`).
   */
  status: 'reversible' | 'irreversible' | 'no-down' | 'failed'
  /** How the schema after down differs from the schema before up (change summaries). */
  downDifferences: string[]
  /** How the schema after up, down, up differs from the schema after the first up. */
  reupDifferences: string[]
  error?: string
}

/** Options of {@link checkReversibility}. */
export interface ReversibilityOptions {
  /** The target's driver: it makes the empty databases the check runs in. */
  target: Driver
  /** A migrator on a database URL (the project's sources, templates and history table). */
  migratorFor(url: string): Promise<Migrator>
  /** Tables left out of the comparison (the history tables). */
  ignoreTables: string[]
  /** Called as each migration is checked. */
  onResult?(result: ReversibilityResult): void
}

function introspect(driver: Driver): Promise<Schema> {
  if (!driver.introspect) throw new MigError(`the ${driver.dialect.name} driver cannot read schemas, which the check compares`)
  return driver.introspect()
}

function failure(r: RunResult): string | undefined {
  return r.ok ? undefined : (r.error?.message ?? 'failed')
}

/**
 * For every migration, in order, in an empty database of the target's engine: read the schema,
 * apply the migration, read it again; when it has a down, revert it (the schema must be the one
 * before), then apply it again (the schema must be the one after). After a migration that fails
 * the check, the database is rebuilt up to it so that the next ones are checked from a clean state.
 * The databases are dropped at the end.
 */
export async function checkReversibility(options: ReversibilityOptions): Promise<ReversibilityResult[]> {
  const { target, ignoreTables } = options
  if (!target.copyDatabase) throw new DatabaseCopyError(target.displayUrl, `the ${target.dialect.name} driver cannot create databases to check in`)
  let copy: DatabaseCopy | undefined
  let migrator: Migrator | undefined
  const open = async (upTo?: string) => {
    await migrator?.close().catch(() => {})
    await copy?.drop().catch(() => {})
    copy = await target.copyDatabase!({ empty: true })
    migrator = await options.migratorFor(copy.url)
    if (upTo) {
      const err = failure(await migrator.up({ to: upTo }))
      if (err) throw new MigError(`could not rebuild the database up to ${upTo}: ${err}`)
    }
    return migrator
  }
  const results: ReversibilityResult[] = []
  try {
    let m = await open()
    const all = new Map<string, Migration>((await m.discover()).map((x) => [x.id, x]))
    const pending = (await m.status()).filter((s) => s.kind === 'versioned' && s.status === 'pending' && s.migration)
    for (const entry of pending) {
      const migration = all.get(entry.migration!.id) ?? entry.migration!
      const info: MigrationInfo = { id: migration.id, version: migration.version, name: migration.name, kind: migration.kind, source: migration.source }
      const result: ReversibilityResult = { migration: info, status: 'reversible', downDifferences: [], reupDifferences: [] }
      const before = await introspect(m.driver)
      const upError = failure(await m.up({ only: migration.version }))
      if (upError) {
        results.push({ ...result, status: 'failed', error: `up failed: ${upError}` })
        options.onResult?.(results.at(-1)!)
        break
      }
      const after = await introspect(m.driver)
      if (!migration.down && !migration.code?.down) result.status = 'no-down'
      else {
        const downError = failure(await m.down({ steps: 1 }))
        if (downError) Object.assign(result, { status: 'failed', error: `down failed: ${downError}` })
        else {
          result.downDifferences = diffSchemas(before, await introspect(m.driver), { ignoreTables }).changes.map((c) => c.summary)
          // up again is checked from the schema before up only: after a down that left things behind it would fail on them
          if (result.downDifferences.length) result.status = 'irreversible'
          else {
            const reupError = failure(await m.up({ only: migration.version }))
            if (reupError) Object.assign(result, { status: 'failed', error: `up after down failed: ${reupError}` })
            else result.reupDifferences = diffSchemas(after, await introspect(m.driver), { ignoreTables }).changes.map((c) => c.summary)
            if (result.reupDifferences.length) result.status = 'irreversible'
          }
        }
        if (result.status !== 'reversible') m = await open(migration.version)
      }
      results.push(result)
      options.onResult?.(result)
    }
  } finally {
    await migrator?.close().catch(() => {})
    await copy?.drop().catch(() => {})
  }
  return results
}
