import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { LockTimeoutError, MigError, type QueryExecutor, type Row, type Tenancy, type TenantSession } from '@mig/core'
import Database from 'better-sqlite3'
import type { SqliteDriver } from './sqlite-driver.js'

/** How long a tenant's connection waits for the files' write lock (another runner's tenant part), in ms. */
const LOCK_WAIT_MS = 300_000

/** The schema name the shared database is attached as in a tenant's connection. */
export const SHARED_SCHEMA = 'mig_shared'

/**
 * File per tenant on SQLite. A tenant's work runs on a connection of its own to the tenant's file
 * (relative paths are relative to the folder of the shared database), with the shared database
 * attached as `mig_shared`: unqualified names are the tenant's, the history tables are
 * `mig_shared.<table>`. `BEGIN IMMEDIATE` takes the write lock of both files, so a tenant part
 * and its history row commit together and two runners never apply it twice.
 */
export class SqliteTenancy implements Tenancy {
  readonly unit = 'file'
  /**
   * better-sqlite3 waits for another connection's write lock synchronously: a second tenant of the
   * same process waiting would stop the one holding it. Processes still run side by side.
   */
  readonly maxConcurrency = 1

  constructor(private readonly driver: SqliteDriver) {}

  async prepare(): Promise<void> {
    if (this.driver.file === ':memory:') throw new MigError('tenants need a SQLite database file, not :memory:')
  }

  /** The tenant's file, absolute. */
  path(schema: string): string {
    return isAbsolute(schema) ? schema : join(dirname(this.driver.file), schema)
  }

  async existing(schemas: readonly string[]): Promise<Set<string>> {
    return new Set(schemas.filter((s) => existsSync(this.path(s))))
  }

  async create(schema: string): Promise<void> {
    const file = this.path(schema)
    mkdirSync(dirname(file), { recursive: true })
    new Database(file).close()
  }

  async drop(schema: string): Promise<void> {
    const file = this.path(schema)
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true })
  }

  sharedTable(table: string): string {
    return table.includes('.') ? table : `${SHARED_SCHEMA}.${table}`
  }

  async enter(schema: string, _lockKey?: string, options: { timeoutMs?: number } = {}): Promise<TenantSession> {
    const { SqliteDriver } = await import('./sqlite-driver.js')
    // the tenant's lock is the write lock of both files: wait for it as long as a runner may hold it
    const driver = new SqliteDriver({ url: `sqlite:${this.path(schema)}`, busyTimeoutMs: options.timeoutMs ?? LOCK_WAIT_MS })
    await driver.connect()
    try {
      await driver.query(`ATTACH DATABASE ? AS ${driver.dialect.quoteIdent(SHARED_SCHEMA)}`, [this.driver.file])
    } catch (err) {
      await driver.close()
      throw err
    }
    return {
      driver,
      transaction: <T>(check: { sql: string; params: unknown[] }, fn: (tx: QueryExecutor, rows: Row[]) => Promise<T>) =>
        driver
          .transaction(async (tx) => fn(tx, await tx.query(check.sql, check.params)))
          .catch((err) => {
            // the write lock of the files not acquired within the busy timeout
            if (options.timeoutMs !== undefined && (err as { code?: string }).code === 'SQLITE_BUSY') throw new LockTimeoutError(options.timeoutMs)
            throw err
          }),
      outside: (fn) => fn(),
      leave: () => driver.close(),
    }
  }
}
