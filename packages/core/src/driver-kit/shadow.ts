import type { QueryExecutor, ShadowDatabase } from '../driver.js'

/** Replace the database name (the path) of a server URL (`postgres://`, `mysql://`...). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return u.toString()
}

/** The database name (the path) of a server URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/** Prefix of the shadow databases {@link createShadowDatabase} creates (`mig_shadow_<time>_<random>`). */
export const SHADOW_DATABASE_PREFIX = 'mig_shadow_'

/** Options of {@link createShadowDatabase}: the statements are the driver's, the rest is shared. */
export interface ShadowDatabaseOptions {
  /** Where the statements run: the driver itself, connected to the project's database. */
  exec: QueryExecutor
  /** The URL the driver was made with (password included: the shadow's URL needs it). */
  url: string
  /** The statement that creates an empty database `name`. */
  create(name: string): string
  /**
   * The statements that drop database `name`, tried in order until one succeeds (PostgreSQL:
   * `DROP DATABASE ... WITH (FORCE)`, then without it for servers before 13).
   */
  drop(name: string): string[]
  /** The URL of database `name` on the same server. Default {@link withDatabase}. */
  urlOf?(url: string, name: string): string
}

/**
 * Create a temporary database on the driver's server (`mig_shadow_<random>`) and return its URL and
 * a `drop()` that removes it (idempotent). What `Driver.createShadow` returns on server engines.
 *
 * @example
 * createShadow() {
 *   return createShadowDatabase({ exec: this, url: this.url, create: (n) => `CREATE DATABASE ${q(n)}`, drop: (n) => [`DROP DATABASE IF EXISTS ${q(n)}`] })
 * }
 */
export async function createShadowDatabase(options: ShadowDatabaseOptions): Promise<ShadowDatabase> {
  const name = `${SHADOW_DATABASE_PREFIX}${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await options.exec.query(options.create(name))
  let dropped = false
  return {
    url: (options.urlOf ?? withDatabase)(options.url, name),
    async drop() {
      if (dropped) return
      let failure: unknown
      for (const sql of options.drop(name)) {
        try {
          await options.exec.query(sql)
          dropped = true
          return
        } catch (err) {
          // the next statement is the fallback; the last one's error is the one reported
          failure = err
        }
      }
      throw failure
    },
  }
}
