import { LockTimeoutError, MigError, type QueryExecutor, type Row, type Tenancy, type TenantSession } from '@mig/core'
import { inlineParams } from './postgres-dialect.js'
import type { PostgresDriver } from './postgres-driver.js'
import { advisoryKey } from './postgres-lock.js'

/**
 * Schema per tenant on PostgreSQL. A tenant's work runs in transactions on the pool connection
 * that does it; each starts with `pg_advisory_xact_lock` keyed by the tenant, so the lock is held
 * by the very session doing the work and ends with it (commit, rollback, or the session dying):
 * work never outlives its lock. `SET LOCAL search_path` puts the tenant schema first and the
 * connection's own schemas after it, so shared objects stay reachable; it ends with the transaction.
 */
export class PostgresTenancy implements Tenancy {
  readonly unit = 'schema'
  private sharedSchema: string | undefined
  /** The connection's search path (quoted), after the tenant schema. */
  private sharedPath = ''

  constructor(private readonly driver: PostgresDriver) {}

  private q(name: string): string {
    return this.driver.dialect.quoteIdent(name)
  }

  async prepare(): Promise<void> {
    const rows = await this.driver.query<{ s: string | null; p: string[] | string }>('SELECT current_schema() AS s, current_schemas(false)::text[] AS p')
    const schema = rows[0]?.s
    if (!schema)
      throw new MigError('the connection has no schema on its search_path: tenants need a shared schema', { hint: 'add ?search_path=public to the URL' })
    this.sharedSchema = schema
    const path = rows[0]?.p
    const list = Array.isArray(path)
      ? path
      : String(path ?? '')
          .replace(/[{}]/g, '')
          .split(',')
          .filter(Boolean)
    this.sharedPath = (list.length ? list : [schema]).map((s) => this.q(s)).join(', ')
  }

  async existing(schemas: readonly string[]): Promise<Set<string>> {
    if (!schemas.length) return new Set()
    const rows = await this.driver.query<{ n: string }>('SELECT nspname AS n FROM pg_namespace WHERE nspname = ANY(?)', [schemas])
    return new Set(rows.map((r) => r.n))
  }

  async create(schema: string): Promise<void> {
    await this.driver.query(`CREATE SCHEMA IF NOT EXISTS ${this.q(schema)}`)
  }

  async drop(schema: string): Promise<void> {
    await this.driver.query(`DROP SCHEMA IF EXISTS ${this.q(schema)} CASCADE`)
  }

  sharedTable(table: string): string {
    if (table.includes('.')) return table
    if (!this.sharedSchema) throw new Error('PostgresTenancy.prepare() was not called')
    return `${this.sharedSchema}.${table}`
  }

  async enter(schema: string, lockKey: string, options: { timeoutMs?: number } = {}): Promise<TenantSession> {
    const key = advisoryKey(lockKey).toString()
    const driver = this.driver
    const ms = options.timeoutMs
    // lock_timeout bounds the wait for the advisory lock, then goes back to what it was
    const bounded = (lock: string, local: string) =>
      ms === undefined ? lock : `SET ${local}lock_timeout = ${Math.max(1, Math.round(ms))}; ${lock}; SET ${local}lock_timeout TO DEFAULT`
    const timedOut = (err: unknown): never => {
      if (ms !== undefined && (err as { code?: string }).code === '55P03') throw new LockTimeoutError(ms)
      throw err
    }
    const enterSql = `${bounded(`SELECT pg_advisory_xact_lock(${key})`, 'LOCAL ')}; SET LOCAL search_path TO ${this.q(schema)}, ${this.sharedPath}`
    const sessionPath = `SET search_path TO ${this.q(schema)}, ${this.sharedPath}`
    return {
      driver,
      // lock, search path and the check travel in one round trip, at the start of the transaction
      transaction: <T>(check: { sql: string; params: unknown[] }, fn: (tx: QueryExecutor, rows: Row[]) => Promise<T>) =>
        driver.transaction(async (tx) => fn(tx, await tx.query(`${enterSql}; ${inlineParams(check.sql, check.params)}`).catch(timedOut))),
      // outside a transaction: the session-level lock and search path, both undone after
      outside: async <T>(fn: () => Promise<T>) => {
        await driver.query(`${bounded(`SELECT pg_advisory_lock(${key})`, '')}; ${sessionPath}`).catch(timedOut)
        try {
          return await fn()
        } finally {
          await driver.query(`RESET search_path; SELECT pg_advisory_unlock(${key})`)
        }
      },
      leave: async () => {},
    }
  }

  /**
   * Tenant transactions commit without waiting for their WAL flush (like the driver's own); one
   * transaction that commits synchronously flushes everything before it.
   */
  async flush(): Promise<void> {
    await this.driver.query('BEGIN; SELECT txid_current(); COMMIT')
  }
}
