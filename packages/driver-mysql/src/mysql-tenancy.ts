import { LockTimeoutError, MigError, type QueryExecutor, type Row, type Tenancy, type TenantSession } from '@mig/core'
import type { MysqlDriver } from './mysql-driver.js'
import { lockName } from './mysql-lock.js'

/** How long a tenant's lock is waited for, in seconds: a year, i.e. as long as its holder lives. */
const LOCK_WAIT_S = 31_536_000

/**
 * Database per tenant on MySQL/MariaDB. A tenant's work runs on the pool connection that holds
 * the tenant's `GET_LOCK` (released when the session ends, so a killed runner leaves none behind,
 * and only after the statement it was running), with `USE <tenant database>`; the history tables
 * are reached qualified with the shared database. Leaving goes back to the shared database.
 * Inside a tenant the connection batches as under the migration lock (mysql-driver.ts `defer`):
 * a part's history writes travel with the next part's first packet, each transaction sets the
 * session back (in the tenant's database), and leaving commits them before releasing the lock.
 */
export class MysqlTenancy implements Tenancy {
  readonly unit = 'database'
  private shared: string | undefined

  constructor(private readonly driver: MysqlDriver) {}

  private q(name: string): string {
    return this.driver.dialect.quoteIdent(name)
  }

  async prepare(): Promise<void> {
    const rows = await this.driver.query<{ db: string | null }>('SELECT DATABASE() AS db')
    const db = rows[0]?.db
    if (!db) throw new MigError('the URL names no database: tenants need a shared database', { hint: 'mysql://user@host/shared_database' })
    this.shared = db
  }

  async existing(schemas: readonly string[]): Promise<Set<string>> {
    if (!schemas.length) return new Set()
    const rows = await this.driver.query<{ s: string }>(
      `SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (${schemas.map(() => '?').join(', ')})`,
      schemas,
    )
    return new Set(rows.map((r) => r.s))
  }

  async create(schema: string): Promise<void> {
    await this.driver.query(`CREATE DATABASE IF NOT EXISTS ${this.q(schema)}`)
  }

  async drop(schema: string): Promise<void> {
    await this.driver.query(`DROP DATABASE IF EXISTS ${this.q(schema)}`)
  }

  sharedTable(table: string): string {
    if (table.includes('.')) return table
    if (!this.shared) throw new Error('MysqlTenancy.prepare() was not called')
    return `${this.shared}.${table}`
  }

  async enter(schema: string, lockKey: string, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<TenantSession | undefined> {
    const driver = this.driver
    const shared = this.shared
    if (!shared) throw new Error('MysqlTenancy.prepare() was not called')
    const name = lockName(shared, lockKey)
    // waits as long as the tenant's other runner holds it (its parts finish, or its session dies)
    const ms = options.timeoutMs
    const wait = options.wait === false ? 0 : ms === undefined ? LOCK_WAIT_S : ms / 1000
    const got = await driver.query<{ ok: unknown }>('SELECT GET_LOCK(?, ?) AS ok', [name, wait])
    if (Number(got[0]?.ok) !== 1) {
      if (options.wait !== false && ms !== undefined) throw new LockTimeoutError(ms)
      return undefined
    }
    try {
      await driver.query(`USE ${this.q(schema)}`)
    } catch (err) {
      await driver.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {})
      throw err
    }
    // the history writes ride with the next round trip, committed before the lock is released
    driver.enterTenant(schema)
    return {
      driver,
      transaction: <T>(check: { sql: string; params: unknown[] }, fn: (tx: QueryExecutor, rows: Row[]) => Promise<T>) =>
        driver.transaction(async (tx) => fn(tx, await tx.query(check.sql, check.params))),
      outside: (fn) => fn(),
      leave: async () => {
        try {
          try {
            await driver.leaveTenant()
          } catch (err) {
            // nothing half-written outlives the lock
            await driver.query('ROLLBACK').catch(() => {})
            throw err
          }
          await driver.query(`USE ${this.q(shared)}`)
        } finally {
          await driver.query('SELECT RELEASE_LOCK(?)', [name])
        }
      },
    }
  }
}
