/** The real driver (its `ddl`, `introspect()` and `createShadow()` are what the schema tests exercise). */
import { randomName } from '@mig/test-utils'
import { MysqlDriver, withDatabase } from '../src/index.js'

export const MYSQL_URL = process.env.MIG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

export class MysqlTestDriver extends MysqlDriver {
  constructor(url: string) {
    super({ url })
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
