import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestDialect, tempProject, type TempProject } from '@mig/test-utils'
import { type MigRun, runMig, withDriver } from './cli.js'

/** A project whose target is `url`, with a `users` table migration (with its down) and a private temporary folder (SQLite copies go there). */
export interface SqlTestProject extends TempProject {
  url: string
  tmp: string
  /** Run `mig` in the project against its target. */
  mig(args: string[], env?: Record<string, string>): Promise<MigRun>
}

/** Users table, portable across the three engines. */
export const USERS_UP = "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nINSERT INTO users (id, name) VALUES (1, 'alice');\n"
export const USERS_DOWN = 'DROP TABLE users;\n'

/** A temp project on `url` with the users migration applied. */
export async function sqlTestProject(url: string, files: Record<string, string> = {}): Promise<SqlTestProject> {
  const p = tempProject({
    'mig.toml': `[targets.dev]\nurl = "${url}"\n`,
    'migrations/20240101000000_users.up.sql': USERS_UP,
    'migrations/20240101000000_users.down.sql': USERS_DOWN,
    ...files,
  })
  const tmp = mkdtempSync(join(tmpdir(), 'mig-sqltest-tmp-'))
  const project: SqlTestProject = { ...p, url, tmp, mig: (args, env = {}) => runMig(args, p.dir, { TMPDIR: tmp, ...env }) }
  const up = await project.mig(['up'])
  if (up.code !== 0) throw new Error(`mig up failed: ${up.stderr}`)
  return project
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

/**
 * The test databases of a project still present: PostgreSQL and MySQL databases named
 * `<target>_copy_*` (asked through the admin database, never the target: a connection to a
 * PostgreSQL template would block copies), SQLite `mig-copy-*` files in the project's temporary folder.
 */
export async function leftoverCopies(dialect: TestDialect, project: SqlTestProject): Promise<string[]> {
  if (dialect.name === 'sqlite') return readdirSync(project.tmp).filter((f) => f.startsWith('mig-copy-'))
  const pattern = `${databaseOf(project.url)}_copy_%`
  const [admin, sql] =
    dialect.name === 'postgres'
      ? [PG_ADMIN_URL, 'SELECT datname AS name FROM pg_database WHERE datname LIKE ?']
      : [MYSQL_ADMIN_URL, 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?']
  return withDriver(dialect.name, admin, async (d) => (await d.query(sql, [pattern])).map((r) => String(r.name)))
}
