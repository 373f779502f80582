import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { type LockHandle, type LockHolder, type LockOptions, waitForLock } from '@mig/core'
import Database from 'better-sqlite3'

/** SQLite cannot block in an attempt: the wait polls this often. */
const POLL_MS = 50

/**
 * The migration lock of a SQLite file: an exclusive transaction on a sidecar database
 * `<file>-miglock`. The operating system drops the file lock when the process dies, so a killed
 * runner never leaves a stale lock. The main file cannot be used: a second connection holding its
 * write lock would block the runner's own writes. Who holds it is written to `<file>-miglock.json`
 * (display only).
 */
export async function acquireSqliteLock(file: string, options: LockOptions): Promise<LockHandle> {
  const lockFile = `${file}-miglock`
  const infoFile = `${lockFile}.json`
  const db = new Database(lockFile, { timeout: 0 })
  try {
    await waitForLock({
      async tryLock() {
        try {
          db.exec('BEGIN EXCLUSIVE')
          return true
        } catch (err) {
          const code = (err as { code?: string }).code
          if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') throw err
          return false
        }
      },
      holder: async () => readHolder(infoFile),
      timeoutMs: options.timeoutMs,
      onWait: options.onWait,
      pollMs: POLL_MS,
    })
  } catch (err) {
    db.close()
    throw err
  }
  try {
    writeFileSync(infoFile, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }))
  } catch {
    // display only
  }
  return {
    async release() {
      try {
        rmSync(infoFile, { force: true })
      } catch {
        // display only
      }
      try {
        db.exec('ROLLBACK')
      } finally {
        db.close()
      }
    },
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string; since: string }
    return { pid: j.pid, host: j.host, since: new Date(j.since) }
  } catch {
    return undefined
  }
}
