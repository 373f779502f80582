import { commandTag, type ResultColumn, type SqlSession, type StatementResult } from '@mig/core'
import Database from 'better-sqlite3'

/** Declared types SQLite gives numeric affinity (https://sqlite.org/datatype3.html, rules 1, 4, 5). */
const NUMERIC_DECLARED = /INT|REAL|FLOA|DOUB|NUM|DEC/i

function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`
  return String(value)
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string })?.code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
}

/** How long a session waits between two tries of a statement that met another connection's lock. */
const BUSY_RETRY_MS = 5

/**
 * Open a session for SQL tests on the file: its own connection that never blocks the process on a
 * lock (better-sqlite3 is synchronous, so a busy timeout would stop the other sessions too): a
 * statement that meets another connection's lock is tried again every few milliseconds, and the
 * session says it waits for a lock meanwhile.
 */
export async function openSqliteSession(file: string): Promise<SqlSession> {
  const db = new Database(file, { timeout: 0 })
  db.pragma('foreign_keys = ON')
  let waiting = false
  let closed = false
  const once = (sql: string): StatementResult => {
    const out: StatementResult = { sql, notices: [] }
    const stmt = db.prepare(sql)
    if (stmt.reader) {
      stmt.safeIntegers(true)
      const rows = stmt.raw(true).all() as unknown[][]
      const columns = stmt.columns()
      out.columns = columns.map((c, i): ResultColumn => {
        const isNumber = (v: unknown) => typeof v === 'number' || typeof v === 'bigint'
        // an expression has no declared type: numeric when every value is a number
        const numeric = c.type ? NUMERIC_DECLARED.test(c.type) : rows.some((r) => isNumber(r[i])) && rows.every((r) => r[i] === null || isNumber(r[i]))
        return { name: c.name, align: numeric ? 'right' : 'left' }
      })
      out.rows = rows.map((r) => r.map(cell))
    } else out.tag = commandTag(sql, stmt.run().changes)
    return out
  }
  return {
    async run(sql) {
      for (;;) {
        try {
          const out = once(sql)
          waiting = false
          return out
        } catch (err) {
          if (isBusy(err) && !closed) {
            waiting = true
            await new Promise((r) => setTimeout(r, BUSY_RETRY_MS))
            continue
          }
          waiting = false
          if (closed || !(err instanceof Error) || !(err as { code?: string }).code?.startsWith('SQLITE_')) throw err
          return { sql, notices: [], error: { severity: 'ERROR', message: err.message } }
        }
      }
    },
    async waitingForLock() {
      return waiting
    },
    async close() {
      closed = true
      db.close()
    },
  }
}
