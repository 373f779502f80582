import type { Driver, QueryExecutor, Row } from '../driver.js'

/**
 * What a driver does for tenants (`Driver.tenancy`): the engine's idea of a tenant (PostgreSQL a
 * schema, MySQL a database, SQLite a file), its lock, and how statements run inside it. Core asks
 * it; core never switches on a dialect name. Bound to the driver's connection.
 */
export interface Tenancy {
  /** What a tenant is on this engine, for messages: `schema`, `database` or `file`. */
  readonly unit: string
  /**
   * Most tenants one process may run at once; default: no limit (the pool's size). An engine
   * whose client waits for locks synchronously (blocking the process) needs 1.
   */
  readonly maxConcurrency?: number
  /** Read what the sessions need to know about the connection (the shared schema). Call once, after `connect()`. */
  prepare(): Promise<void>
  /** Which of these tenant schemas exist, in one round trip. */
  existing(schemas: readonly string[]): Promise<Set<string>>
  /** Create a tenant's schema, database or file (nothing when it exists). */
  create(schema: string): Promise<void>
  /** Drop a tenant's schema, database or file with everything in it (nothing when it does not exist). */
  drop(schema: string): Promise<void>
  /** `table` (a shared table as configured, possibly schema-qualified) as a session inside a tenant reaches it. */
  sharedTable(table: string): string
  /**
   * Enter a tenant on this connection. Engines whose DDL is not transactional take the tenant's
   * lock here, on this connection, until {@link TenantSession.leave}; the others take it in every
   * {@link TenantSession.transaction}, so work never outlives its lock. With `wait: false`, an
   * engine that takes the lock here returns undefined when another runner holds it (the fleet
   * comes back to that tenant later instead of queueing behind the other runner). With
   * `timeoutMs`, a wait for the lock (here or in a transaction) gives up after that long and
   * throws `LockTimeoutError`.
   */
  enter(schema: string, lockKey: string, options?: { wait?: boolean; timeoutMs?: number }): Promise<TenantSession | undefined>
  /** Make what the sessions committed durable before the run reports success (commits that did not wait for their flush). */
  flush?(): Promise<void>
}

/** A connection inside one tenant (see {@link Tenancy.enter}). */
export interface TenantSession {
  /** Runs scripts in the tenant (`runScript`), and statements outside a transaction. */
  readonly driver: Driver
  /**
   * Run `fn` in a transaction inside the tenant, holding the tenant's lock: the lock is taken
   * first, then `check` runs and its rows are handed to `fn` (read under the lock). Settings made
   * for the tenant (the search path) end with the transaction.
   */
  transaction<T>(check: { sql: string; params: unknown[] }, fn: (tx: QueryExecutor, rows: Row[]) => Promise<T>): Promise<T>
  /**
   * Run `fn`, whose statements go through {@link driver} outside a transaction (a tenant part with
   * `-- mig:no-transaction`, engines without transactional DDL), inside the tenant and holding its
   * lock; transactions `fn` opens meanwhile may take the lock again.
   */
  outside<T>(fn: () => Promise<T>): Promise<T>
  /** Leave the tenant: back to the shared schema, the tenant's lock released. */
  leave(): Promise<void>
}
