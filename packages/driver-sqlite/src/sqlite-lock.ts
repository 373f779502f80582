import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { type LockHandle, type LockHolder, type LockOptions, LockTimeoutError } from '@mig/core'
import Database from 'better-sqlite3'

const POLL_MS = 50
const REPORT_EVERY_MS = 5000

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
  const started = Date.now()
  let lastReport = -Infinity
  for (;;) {
    try {
      db.exec('BEGIN EXCLUSIVE')
      break
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' && (err as { code?: string }).code !== 'SQLITE_LOCKED') {
        db.close()
        throw err
      }
    }
    const holder = readHolder(infoFile)
    if (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs) {
      db.close()
      throw new LockTimeoutError(options.timeoutMs, holder)
    }
    if (Date.now() - lastReport >= REPORT_EVERY_MS) {
      lastReport = Date.now()
      options.onWait?.(holder)
    }
    await new Promise((r) => setTimeout(r, POLL_MS))
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
