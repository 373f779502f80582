import { StatementFailure } from '@mig/core'
import { freshDatabase, postgresDialectForTests } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDriver } from '../src/index.js'

const freshPgDatabase = () => freshDatabase(postgresDialectForTests, createDriver)

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
/** A transaction's outcome, observed from the start (a queued one may fail before the test awaits it). */
const settle = <T>(p: Promise<T>): Promise<{ error?: unknown }> =>
  p.then(
    () => ({}),
    (error: unknown) => ({ error }),
  )

describe('queued transactions', () => {
  it('declares the capability', () => {
    expect(db.driver.capabilities.queuedTransactions).toBe(true)
  })

  it('a transaction queued behind one that succeeds runs after it', async () => {
    const first = settle(
      db.driver.transaction(async (tx) => db.driver.runScript(tx, script('SELECT pg_sleep(0.1);\nCREATE TABLE q_ok1 (id int PRIMARY KEY);'))),
    )
    const second = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE q_ok2 (id int REFERENCES q_ok1 (id));'))))
    expect([(await first).error, (await second).error]).toEqual([undefined, undefined])
    expect(await exists('q_ok2')).toBe(true)
  })

  it('queued while the one before is still running on the server, it changes nothing when that one fails', async () => {
    const first = settle(
      db.driver.transaction(async (tx) =>
        db.driver.runScript(tx, script('CREATE TABLE q_a (id int);\nSELECT pg_sleep(0.2);\nINSERT INTO q_missing VALUES (1);')),
      ),
    )
    const second = settle(
      db.driver.transaction(async (tx) => {
        await db.driver.runScript(tx, script('CREATE TABLE q_b (id int);'))
        await tx.defer!('INSERT INTO q_b VALUES (?)', [1])
      }),
    )
    expect((await first).error).toBeInstanceOf(StatementFailure)
    expect(String((await second).error)).toMatch(/transaction before it failed/)
    expect(await exists('q_a')).toBe(false)
    expect(await exists('q_b')).toBe(false)
    // the connection is usable afterwards, and a transaction started after the failure runs
    await db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE q_c (id int);')))
    expect(await exists('q_c')).toBe(true)
  })

  it('one that is ready to send only after the failure is known sends nothing', async () => {
    const first = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('INSERT INTO q_missing VALUES (1);'))))
    const second = settle(
      db.driver.transaction(async (tx) => {
        // the first one fails and rolls back while this one is still being prepared
        await first
        await db.driver.runScript(tx, script('CREATE TABLE q_late (id int);'))
      }),
    )
    expect((await first).error).toBeInstanceOf(StatementFailure)
    expect(String((await second).error)).toMatch(/transaction before it failed/)
    expect(await exists('q_late')).toBe(false)
  })

  it('transactions ready together share a round trip: those before a failure commit, the failure names its statement, the rest never run', async () => {
    const slow = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('SELECT pg_sleep(0.2);\nCREATE TABLE s_0 (id int);'))))
    const a = settle(
      db.driver.transaction(async (tx) => {
        await db.driver.runScript(tx, script('CREATE TABLE s_a (id int);'))
        await tx.defer!('INSERT INTO s_a VALUES (?)', [1])
      }),
    )
    const b = settle(
      db.driver.transaction(async (tx) =>
        db.driver.runScript(tx, { sql: 'CREATE TABLE s_b (id int);\n\nINSERT INTO s_b SELECT 1 / 0;\n', file: 'b.sql', line: 1 }),
      ),
    )
    const c = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE s_c (id int);'))))
    expect([(await slow).error, (await a).error]).toEqual([undefined, undefined])
    const failure = (await b).error
    expect(failure).toBeInstanceOf(StatementFailure)
    expect((failure as StatementFailure).index).toBe(1)
    expect((failure as StatementFailure).line).toBe(3)
    expect(String((await c).error)).toMatch(/transaction before it failed/)
    expect([await exists('s_0'), await exists('s_a'), await exists('s_b'), await exists('s_c')]).toEqual([true, true, false, false])
    expect((await db.driver.query('SELECT id FROM s_a'))[0]!.id).toBe(1)
  })

  it('a syntax error in a shared round trip does not cost the transactions before it', async () => {
    const slow = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('SELECT pg_sleep(0.2);'))))
    const a = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE y_a (id int);'))))
    const b = settle(
      db.driver.transaction(async (tx) =>
        db.driver.runScript(tx, { sql: 'CREATE TABLE y_b (id int);\nCREATE TABLEX y_bb (id int);\n', file: 'b.sql', line: 1 }),
      ),
    )
    const c = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE y_c (id int);'))))
    expect([(await slow).error, (await a).error]).toEqual([undefined, undefined])
    const failure = (await b).error
    expect(failure).toBeInstanceOf(StatementFailure)
    expect((failure as StatementFailure).line).toBe(2)
    expect(String((failure as Error).message)).toMatch(/syntax error/)
    expect(String((await c).error)).toMatch(/current transaction is aborted|transaction before it failed/)
    expect([await exists('y_a'), await exists('y_b'), await exists('y_c')]).toEqual([true, false, false])
  })
  it('a transaction that has begun keeps the connection: the one queued behind it runs after its commit', async () => {
    const a = settle(
      db.driver.transaction(async (tx) => {
        await tx.query('CREATE TABLE i_c (id int)')
        // the next transaction is ready meanwhile; it must not run inside this one
        await new Promise((resolve) => setTimeout(resolve, 100))
        await tx.query('INSERT INTO i_c VALUES (?)', [1])
      }),
    )
    const b = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE i_d AS SELECT * FROM i_c;'))))
    expect([(await a).error, (await b).error]).toEqual([undefined, undefined])
    expect((await db.driver.query('SELECT COUNT(*)::int AS n FROM i_d'))[0]!.n).toBe(1)
  })

  it('a transaction that has begun and rolls back takes the one queued behind it along, and nothing it did commits', async () => {
    const a = settle(
      db.driver.transaction(async (tx) => {
        await tx.query('CREATE TABLE i_a (id int)')
        await new Promise((resolve) => setTimeout(resolve, 100))
        throw new Error('undo')
      }),
    )
    const b = settle(db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE i_b (id int);'))))
    expect(String((await a).error)).toMatch(/undo/)
    expect(String((await b).error)).toMatch(/transaction before it failed/)
    expect([await exists('i_a'), await exists('i_b')]).toEqual([false, false])
    // the connection is usable afterwards
    await db.driver.transaction(async (tx) => db.driver.runScript(tx, script('CREATE TABLE i_e (id int);')))
    expect(await exists('i_e')).toBe(true)
  })
})
