import { existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CopyDatabaseOptions, type DatabaseCopy, DatabaseCopyError } from '@mig/core'
import Database from 'better-sqlite3'

/** Remove a database file, what SQLite keeps beside it, and the migration lock files of mig (sqlite-lock.ts). */
function removeDatabaseFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal', '-miglock', '-miglock-journal', '-miglock.json']) rmSync(`${file}${suffix}`, { force: true })
}

/**
 * Copy the database file into the temporary folder with SQLite's online backup API (consistent
 * even while another connection writes), or create an empty file (`empty`).
 */
export async function copySqliteDatabase(file: string, options: CopyDatabaseOptions = {}): Promise<DatabaseCopy> {
  const random = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const copy = join(tmpdir(), `mig-copy-${random}.db`)
  if (options.empty) new Database(copy).close()
  else {
    if (file === ':memory:') throw new DatabaseCopyError(file, 'cannot copy an in-memory database', { hint: 'point the target at a database file' })
    if (!existsSync(file)) throw new DatabaseCopyError(file, `cannot copy database file ${file}: it does not exist`, { hint: 'run mig up first' })
    let source: Database.Database | undefined
    try {
      source = new Database(file, { readonly: true, fileMustExist: true })
      await source.backup(copy)
    } catch (err) {
      removeDatabaseFile(copy)
      throw new DatabaseCopyError(file, `cannot copy database file ${file}: ${(err as Error).message}`, { cause: err })
    } finally {
      source?.close()
    }
  }
  let dropped = false
  return {
    url: `sqlite:${copy}`,
    name: copy,
    contents: options.empty ? 'empty' : 'copied',
    async drop() {
      if (dropped) return
      removeDatabaseFile(copy)
      dropped = true
    },
  }
}
