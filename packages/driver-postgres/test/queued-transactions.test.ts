import { StatementFailure } from '@mig/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPgDatabase } from './pg-test-driver.js'

// A transaction started while the previous one is still running is queued behind it
// (capabilities.queuedTransactions): it must never apply when the previous one fails.
let db: Awaited<ReturnType<typeof freshPgDatabase>>
beforeAll(async () => {
  db = await freshPgDatabase()
})
afterAll(async () => {
  await db.close()
})

const exists = async (table: string) => (await db.driver.query(`SELECT to_regclass(?) AS t`, [table]))[0]!.t !== null
const script = (sql: string) => ({ sql, file: 'x.sql', line: 1 })

describe('queued transactions', () => {
  it('declares the capability', () => {
    expect(db.driver.capabilities.queuedTransactions).toBe(true)
  })

  it('a transaction queued behind one that succeeds runs after it', async () => {
    const first = db.driver.transaction(async (tx) => db.driver.runScript(tx, script('SELECT pg_sleep(0.1);\nCREATE TABLE q_ok1 (id int PRIMARY KEY);')))
    const second = db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE q_ok2 (id int REFERENCES q_ok1 (id));')))
    await Promise.all([first, second])
    expect(await exists('q_ok2')).toBe(true)
  })

  it('sent while the one before is still running on the server, it meets the failed transaction block and changes nothing', async () => {
    const first = db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE q_a (id int);\nSELECT pg_sleep(0.2);\nINSERT INTO q_missing VALUES (1);')))
    const second = db.driver.transaction(async (tx) => {
      await db.driver.runScript(tx, script('CREATE TABLE q_b (id int);'))
      await tx.query('INSERT INTO q_b VALUES (?)', [1])
    })
    await expect(first).rejects.toBeInstanceOf(StatementFailure)
    await expect(second).rejects.toThrow(/current transaction is aborted/)
    expect(await exists('q_a')).toBe(false)
    expect(await exists('q_b')).toBe(false)
    // the connection is usable afterwards, and a transaction started after the failure runs
    await db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE q_c (id int);')))
    expect(await exists('q_c')).toBe(true)
  })

  it('one that is ready to send only after the failure is known sends nothing', async () => {
    const first = db.driver.transaction(async (tx) => db.driver.runScript(tx, script('INSERT INTO q_missing VALUES (1);')))
    const second = db.driver.transaction(async (tx) => {
      // the first one fails and rolls back while this one is still being prepared
      await first.catch(() => {})
      await db.driver.runScript(tx, script('CREATE TABLE q_late (id int);'))
    })
    await expect(first).rejects.toBeInstanceOf(StatementFailure)
    await expect(second).rejects.toThrow(/transaction before it failed/)
    expect(await exists('q_late')).toBe(false)
  })
})
