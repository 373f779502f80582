import { createHash } from 'node:crypto'
import { type LockHandle, type LockHolder, type LockOptions, waitForLock } from '@mig/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'

/**
 * The GET_LOCK name of a lock key in a database. GET_LOCK names are server-wide and at most 64
 * characters, so the database name is hashed in with the key.
 */
export function lockName(database: string, key: string): string {
  return `mig_${createHash('sha256').update(`${database}\0${key}`).digest('hex').slice(0, 40)}`
}

/** Who holds a named lock: IS_USED_LOCK gives the connection id, the processlist the rest. */
export async function lockHolder(conn: Connection, name: string): Promise<LockHolder | undefined> {
  const [used] = await conn.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [name])
  const id = used[0]?.id
  if (id === null || id === undefined) return undefined
  const [rows] = await conn.query<RowDataPacket[]>('SELECT USER, HOST, DB, TIME, COMMAND FROM information_schema.PROCESSLIST WHERE ID = ?', [id])
  const p = rows[0]
  const holder: LockHolder = { pid: Number(id) }
  if (!p) return holder
  if (p.USER) holder.user = String(p.USER)
  if (p.HOST) holder.host = String(p.HOST)
  if (p.TIME !== null && p.TIME !== undefined) holder.since = new Date(Date.now() - Number(p.TIME) * 1000)
  holder.detail = `connection ${id}${p.DB ? ` to ${p.DB}` : ''}`
  try {
    // The client's program_name (mig sets it); only where performance_schema is on (MySQL 8 default).
    const [attrs] = await conn.query<RowDataPacket[]>(
      `SELECT ATTR_VALUE AS v FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'`,
      [id],
    )
    if (attrs[0]?.v) holder.application = String(attrs[0].v)
  } catch {
    // no performance_schema access: the processlist is enough
  }
  return holder
}

/**
 * Take `GET_LOCK` on `conn`: the connection that runs the migrations. The server runs a packet it
 * received to the end even after its client is gone, and only then ends the session, which releases
 * the lock: so the lock is never free while the server still runs work of this run. Waits in
 * GET_LOCK one second at a time ({@link waitForLock}), reporting the holder between attempts;
 * `timeoutMs` bounds the wait.
 */
export async function acquireMysqlLock(conn: Connection, database: string, options: LockOptions): Promise<LockHandle> {
  const name = lockName(database, options.key)
  await waitForLock({
    // GET_LOCK's timeout is in seconds (fractions allowed)
    tryLock: async (waitMs) => Number((await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS ok', [name, waitMs / 1000]))[0][0]?.ok) === 1,
    holder: () => lockHolder(conn, name),
    timeoutMs: options.timeoutMs,
    onWait: options.onWait,
  })
  return {
    async release() {
      try {
        await conn.query('SELECT RELEASE_LOCK(?)', [name])
      } catch {
        // the session is gone (server restarted, connection killed): so is its lock
      }
    },
  }
}
