import type { Driver, LockHandle } from '@mig/core'
import { testDialects } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capabilitiesOf, DRIVERS } from './drivers.js'

// Deferred writes (QueryExecutor.defer) are how core's history writes ride with the migration's own
// round trips; a statement given to query() is always sent at once. Measured on the wire: the
// writes to the main connection's socket (one per message; `queuedTransactions` off here, since
// each transaction is awaited before the next starts).

/** The socket of a driver's main connection (pg: `client.connection.stream`; mysql2: `client.connection.stream`). */
function socketOf(driver: Driver): { write(...args: unknown[]): boolean } {
  return (driver.client as { connection: { stream: { write(...args: unknown[]): boolean } } }).connection.stream
}

/** Count the messages `fn` sends on the driver's main connection. */
async function messagesDuring(driver: Driver, fn: (sent: () => number) => Promise<void>): Promise<number> {
  const socket = socketOf(driver)
  const write = socket.write
  let count = 0
  socket.write = function (this: unknown, ...args: unknown[]) {
    count++
    return write.apply(this, args)
  }
  try {
    await fn(() => count)
  } finally {
    socket.write = write
  }
  return count
}

for (const dialect of testDialects()) {
  // SQLite has no round trips to save (no server: it connects while discovering nothing): its
  // driver has no defer and core calls query
  if (!capabilitiesOf(dialect.name).connectWhileDiscovering) continue
  describe(dialect.name, () => {
    let url: string
    let driver: Driver
    let lock: LockHandle | undefined
    beforeAll(async () => {
      url = await dialect.createDatabase()
      driver = DRIVERS[dialect.name](url, { applicationName: 'mig-test' })
      await driver.connect()
    })
    afterAll(async () => {
      await lock?.release()
      await driver.close()
      await dialect.dropDatabase(url)
    })

    it('a script and the deferred writes after it cost one message; the next statement carries any still held', async () => {
      await driver.query('CREATE TABLE d_rows (id INTEGER)')
      lock = await driver.acquireLock({ key: 'deferred-writes' })
      let rows: unknown[] = []
      const messages = await messagesDuring(driver, async () => {
        await driver.transaction(async (tx) => {
          await driver.runScript(tx, { sql: 'CREATE TABLE d_other (id INTEGER);\nINSERT INTO d_rows VALUES (0);\n', file: 'x.sql', line: 1 })
          await tx.defer!('INSERT INTO d_rows VALUES (?)', [1])
          await tx.defer!('INSERT INTO d_rows VALUES (?)', [2])
        })
        rows = await driver.query('SELECT id FROM d_rows ORDER BY id')
      })
      // PostgreSQL: BEGIN; script; writes; COMMIT, then the SELECT. MySQL: the script's packet, then
      // the writes (in a transaction, committed) in front of the SELECT.
      expect(messages).toBe(2)
      expect(rows.map((r) => Number((r as { id: unknown }).id))).toEqual([0, 1, 2])
      await lock.release()
      lock = undefined
      // committed: another connection sees them
      const other = DRIVERS[dialect.name](url)
      await other.connect()
      try {
        expect((await other.query('SELECT id FROM d_rows ORDER BY id')).map((r) => Number(r.id))).toEqual([0, 1, 2])
      } finally {
        await other.close()
      }
    })

    it('a statement given to query is on the server when the call returns, inside the transaction', async () => {
      await driver.query('CREATE TABLE d_sent (id INTEGER)')
      lock = await driver.acquireLock({ key: 'deferred-writes' })
      const sentByQuery: number[] = []
      await messagesDuring(driver, async (sent) => {
        await driver.transaction(async (tx) => {
          await tx.query('INSERT INTO d_sent VALUES (1)')
          sentByQuery.push(sent())
          await tx.query('INSERT INTO d_sent VALUES (?)', [2])
          sentByQuery.push(sent())
        })
      })
      expect(sentByQuery[0]).toBeGreaterThanOrEqual(1)
      expect(sentByQuery[1]).toBeGreaterThan(sentByQuery[0]!)
      expect((await driver.query('SELECT id FROM d_sent ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 2])
      await lock.release()
      lock = undefined
    })

    // MySQL: a tenant's lock is held by the connection inside the tenant (mysql-tenancy.ts), so the
    // writes batch as under the migration lock, and each transaction sets the session back
    if (dialect.name === 'mysql')
      it('inside a tenant: deferred writes ride with the next message, each transaction sets the session back in the tenant, leaving commits', async () => {
        const tenancy = driver.tenancy!
        await tenancy.prepare()
        const shared = tenancy.sharedTable('d_tenant')
        const schema = `${shared.slice(0, shared.indexOf('.'))}_t`
        await driver.query('CREATE TABLE d_tenant (id INTEGER)')
        await tenancy.create(schema)
        const other = DRIVERS[dialect.name](url)
        await other.connect()
        try {
          const session = (await tenancy.enter(schema, 'deferred-writes-tenant'))!
          const seen: Record<string, unknown>[] = []
          const messages = await messagesDuring(driver, async () => {
            await session.transaction({ sql: 'SELECT 1 AS one', params: [] }, async (tx) => {
              await tx.defer!(`INSERT INTO ${shared} VALUES (?)`, [1])
            })
            // not sent yet: nobody else sees it
            seen.push({ other: (await other.query('SELECT COUNT(*) AS n FROM d_tenant'))[0]!.n })
            // a setting made outside the transactions does not reach the next one
            await session.driver.query('SET SESSION foreign_key_checks = 0')
            await session.transaction({ sql: 'SELECT DATABASE() AS db, @@SESSION.foreign_key_checks AS fk', params: [] }, async (_tx, rows) => {
              seen.push(rows[0]!)
            })
          })
          // the first check; SET; the second check with the held write in front
          expect(messages).toBe(3)
          expect(Number(seen[0]!.other)).toBe(0)
          expect(seen[1]).toMatchObject({ db: schema })
          expect(Number(seen[1]!.fk)).toBe(1)
          await session.leave()
          expect((await other.query('SELECT id FROM d_tenant')).map((r) => Number(r.id))).toEqual([1])
          expect((await driver.query('SELECT DATABASE() AS db'))[0]!.db).toBe(shared.slice(0, shared.indexOf('.')))
        } finally {
          await other.close()
          await tenancy.drop(schema)
        }
      })
  })
}
