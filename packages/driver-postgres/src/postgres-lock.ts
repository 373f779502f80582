import { createHash } from 'node:crypto'
import { type LockHandle, type LockHolder, type LockOptions, waitForLock } from '@mig/core'
import type pg from 'pg'

/** The 64-bit advisory lock key of a lock name (first 8 bytes of its sha256, signed). */
export function advisoryKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0)
}

/** Who holds the advisory lock `key` in the current database, from pg_locks and pg_stat_activity. */
export async function advisoryHolder(client: pg.Client, key: bigint): Promise<LockHolder | undefined> {
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
 * Take the session advisory lock of `options.key` on `client`, a connection dedicated to the lock for
 * the whole run (it stays idle, outside any transaction, so it never holds back CREATE INDEX
 * CONCURRENTLY on the main connection).
 *
 * Waiting ({@link waitForLock}) blocks in `pg_advisory_lock` for at most a second at a time (`lock_timeout`): a waiter
 * never keeps one snapshot open for long, because the holder's CREATE INDEX CONCURRENTLY waits for
 * every older snapshot to finish and would otherwise wait for the waiter, which waits for the holder.
 * Between attempts the holder is looked up and reported through `onWait`.
 */
export async function acquirePostgresLock(client: pg.Client, options: LockOptions): Promise<LockHandle> {
  const key = advisoryKey(options.key)
  const close = () => client.end().catch(() => {})
  try {
    await waitForLock({
      async tryLock(waitMs) {
        if (!waitMs) return Boolean((await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key.toString()])).rows[0]?.ok)
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
    await client.query('SET lock_timeout = 0')
  } catch (err) {
    await close()
    throw err
  }
  return {
    async release() {
      try {
        // Migrations commit with synchronous_commit off; a transaction that commits synchronously
        // flushes the WAL up to here, so everything the run committed is durable before the next
        // runner starts and before mig reports success. If this fails, the run fails.
        await client.query('BEGIN; SELECT txid_current(); COMMIT')
      } catch (err) {
        await close()
        throw err
      }
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [key.toString()])
      } catch {
        // the session is gone (server restarted, connection killed): so is its lock
      } finally {
        // Closing the session releases the lock even if the unlock failed.
        await close()
      }
    },
  }
}
