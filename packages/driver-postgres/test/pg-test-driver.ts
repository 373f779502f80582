/** The real driver (its `ddl`, `introspect()` and `createShadow()` are what the schema tests exercise). */
import { randomName } from '@mig/test-utils'
import { PostgresDriver, withDatabase } from '../src/index.js'

export const PG_URL = process.env.MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export class PgTestDriver extends PostgresDriver {
  constructor(url: string) {
    super({ url })
  }
}

/** A fresh database on the test server; `close()` drops it. */
export async function freshPgDatabase(): Promise<{ driver: PgTestDriver; close(): Promise<void> }> {
  const admin = new PgTestDriver(PG_URL)
  await admin.connect()
  const name = randomName('mig_schema')
  await admin.query(`CREATE DATABASE "${name}"`)
  const driver = new PgTestDriver(withDatabase(PG_URL, name))
  await driver.connect()
  return {
    driver,
    async close() {
      await driver.close()
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.close()
    },
  }
}
