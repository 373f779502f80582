import type { Driver } from '@mig/core'
import type { TempProject } from '@mig/test-utils'
import { loadDriver } from '../src/driver-loader.js'

/** A database for one test: its URL and how to drop it. */
export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

/** A dialect the model tests run on. */
export interface TestDialect {
  name: string
  /** A fresh, empty database for one test. */
  database(p: TempProject): Promise<TestDatabase>
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async database(p) {
    return { url: `sqlite:${p.path('test.db')}`, drop: async () => {} }
  },
}

/**
 * Dialects to run on: SQLite always; PostgreSQL and MariaDB are added here once their drivers
 * are merged (see packages/test-utils/src/dialects.ts). `MIG_TEST_DIALECTS=sqlite,postgres` filters.
 */
export const DIALECTS: TestDialect[] = [sqlite].filter((d) => !process.env.MIG_TEST_DIALECTS || process.env.MIG_TEST_DIALECTS.split(',').includes(d.name))

/** Run `fn` with a connected driver on `url`. */
export async function withDriver<T>(url: string, root: string, fn: (driver: Driver) => Promise<T>): Promise<T> {
  const driver = await loadDriver(url, root)
  await driver.connect()
  try {
    return await fn(driver)
  } finally {
    await driver.close()
  }
}
