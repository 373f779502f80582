/**
 * The real PostgresDriver with the schema members wired the way the driver should wire them
 * (`ddl`, `introspect()`, `createShadow()`), so the schema tests run through the driver's own
 * placeholders, scripts and connections.
 */
import type { Schema, ShadowDatabase } from '@mig/core'
import { randomName } from '@mig/test-utils'
import { createPostgresShadow, introspectPostgres, PostgresDriver, postgresDdl, withDatabase } from '../src/index.js'

export const PG_URL = process.env.MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export class PgTestDriver extends PostgresDriver {
  readonly ddl = postgresDdl
  constructor(readonly url: string) {
    super({ url })
  }
  introspect(): Promise<Schema> {
    return introspectPostgres(this)
  }
  createShadow(): Promise<ShadowDatabase> {
    return createPostgresShadow(this, this.url)
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
