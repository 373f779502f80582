import type { QueryExecutor, ShadowDatabase } from '@mig/core'

/** Replace the database name in a `postgres://` URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return u.toString()
}

/**
 * Create a temporary database on the same server (`mig_shadow_<random>`) and return its URL and a
 * `drop()` that removes it (`WITH (FORCE)` where the server has it, PostgreSQL 13+).
 */
export async function createPostgresShadow(exec: QueryExecutor, url: string): Promise<ShadowDatabase> {
  const name = `mig_shadow_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await exec.query(`CREATE DATABASE "${name}"`)
  let dropped = false
  return {
    url: withDatabase(url, name),
    async drop() {
      if (dropped) return
      try {
        await exec.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } catch {
        await exec.query(`DROP DATABASE IF EXISTS "${name}"`)
      }
      dropped = true
    },
  }
}
