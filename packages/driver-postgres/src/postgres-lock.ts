import { createHash } from 'node:crypto'
import { type LockHandle, type LockHolder, type LockOptions, type Row, waitForLock } from '@mig/core'

/**
 * What the lock needs of a connection: queries (`$1` placeholders) answered in the order they are
 * sent. The driver passes its main connection, so the lock lives exactly as long as the session
 * that runs the migrations.
 */
export interface LockConnection {
  query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
}
/** The 64-bit advisory lock key of a lock name (first 8 bytes of its sha256, signed). */
export function advisoryKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0)
}

/** Who holds the advisory lock `key` in the current database, from pg_locks and pg_stat_activity. */
export async function advisoryHolder(client: LockConnection, key: bigint): Promise<LockHolder | undefined> {
  const unsigned = BigInt.asUintN(64, key)
  const classid = Number(unsigned >> 32n)
  const objid = Number(unsigned & 0xffffffffn)
  const { rows } = await client.query<{
    pid: number
    application_name: string
    usename: string
    client_addr: string | null
    backend_start: Date
    state: string
  }>(
    `SELECT a.pid, a.application_name, a.usename, a.client_addr::text AS client_addr, a.backend_start, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1`,
    [classid, objid],
  )
  const r = rows[0]
  if (!r) return undefined
  const holder: LockHolder = { pid: r.pid, since: r.backend_start }
  if (r.application_name) holder.application = r.application_name
  if (r.usename) holder.user = r.usename
  if (r.client_addr) holder.host = r.client_addr
  return holder
}

/**
 * Take the session advisory lock of `options.key` on `client`: the connection that runs the
 * migrations. A backend runs what it was sent to the end even after its client is gone (SIGKILL, a
 * lost pod), and only then ends its session: holding the lock in that same session means the lock
 * is never free while the server still runs work of this run, so a runner started right after a
 * crash waits for it instead of sending the same migrations again. A session advisory lock holds no
 * snapshot, so CREATE INDEX CONCURRENTLY on the same connection does not wait for it.
 *
 * Waiting ({@link waitForLock}) blocks in `pg_advisory_lock` for at most a second at a time (`lock_timeout`): a waiter
 * never keeps one snapshot open for long, because the holder's CREATE INDEX CONCURRENTLY waits for
 * every older snapshot to finish and would otherwise wait for the waiter, which waits for the holder.
 * Between attempts the holder is looked up and reported through `onWait`. `lock_timeout` is then
 * RESET, back to what the URL configures.
 */
export async function acquirePostgresLock(client: LockConnection, options: LockOptions): Promise<LockHandle> {
  const key = advisoryKey(options.key)
  let timeoutSet = false
  try {
    await waitForLock({
      async tryLock(waitMs) {
        if (!waitMs) return Boolean((await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key.toString()])).rows[0]?.ok)
        timeoutSet = true
        await client.query(`SET lock_timeout = ${waitMs}`)
        try {
          await client.query('SELECT pg_advisory_lock($1)', [key.toString()])
          return true
        } catch (err) {
          // 55P03 lock_not_available: this attempt timed out; look at the holder and try again
          if ((err as { code?: string }).code !== '55P03') throw err
          return false
        }
      },
      holder: () => advisoryHolder(client, key),
      timeoutMs: options.timeoutMs,
      onWait: options.onWait,
    })
  } finally {
    if (timeoutSet) await client.query('RESET lock_timeout').catch(() => {})
  }
  return {
    async release() {
      // Migrations commit with synchronous_commit off; a transaction that commits synchronously
      // flushes the WAL up to here, so everything the run committed is durable before the next
      // runner starts and before mig reports success. If this fails, the run fails (the session,
      // and its lock, end with the connection).
      await client.query('BEGIN; SET LOCAL synchronous_commit TO on; SELECT txid_current(); COMMIT')
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [key.toString()])
      } catch {
        // the session is gone (server restarted, connection killed): so is its lock
      }
    },
  }
}
