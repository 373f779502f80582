/**
 * The real MysqlDriver with the schema members wired the way the driver should wire them
 * (`ddl`, `introspect()`, `createShadow()`), so the schema tests run through the driver's own
 * scripts and connections.
 */
import type { Schema, ShadowDatabase } from '@mig/core'
import { randomName } from '@mig/test-utils'
import { createMysqlShadow, introspectMysql, MysqlDriver, mysqlDdl, withDatabase } from '../src/index.js'

export const MYSQL_URL = process.env.MIG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

export class MysqlTestDriver extends MysqlDriver {
  readonly ddl = mysqlDdl
  constructor(readonly url: string) {
    super({ url })
  }
  introspect(): Promise<Schema> {
    return introspectMysql(this)
  }
  createShadow(): Promise<ShadowDatabase> {
    return createMysqlShadow(this, this.url)
  }
  /** Empty the database by dropping and re-creating it (faster than dropping objects one by one). */
  async recreate(): Promise<void> {
    const [row] = await this.query<{ db: string }>('SELECT DATABASE() AS db')
    await this.query(`DROP DATABASE \`${row!.db}\``)
    await this.query(`CREATE DATABASE \`${row!.db}\``)
    await this.query(`USE \`${row!.db}\``)
  }
}

/** A fresh database on the test server; `close()` drops it. */
export async function freshMysqlDatabase(): Promise<{ driver: MysqlTestDriver; close(): Promise<void> }> {
  const admin = new MysqlTestDriver(MYSQL_URL)
  await admin.connect()
  const name = randomName('mig_schema')
  await admin.query(`CREATE DATABASE \`${name}\``)
  const driver = new MysqlTestDriver(withDatabase(MYSQL_URL, name))
  await driver.connect()
  return {
    driver,
    async close() {
      await driver.close()
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await admin.close()
    },
  }
}
