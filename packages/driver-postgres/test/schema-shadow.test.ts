import { directory, drift, materialize, type MaterializeContext, SchemaSourceError } from '@mig/core'
import { tempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPgDatabase, PgTestDriver } from './pg-test-driver.js'

let db: Awaited<ReturnType<typeof freshPgDatabase>>
const project = tempProject({
  'migrations/20240101000000_users.sql': '-- mig:up\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n-- mig:down\nDROP TABLE users;\n',
  'migrations/20240102000000_orders.sql':
    '-- mig:up\nCREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id));\nCREATE INDEX orders_user ON orders (user_id);\n-- mig:down\nDROP TABLE orders;\n',
  'schema.sql': 'CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n',
  'broken.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int REFERENCES nowhere (id));\n',
})

/** Names of the shadow databases the materialisations of this file opened. */
const opened: string[] = []

function ctx(): MaterializeContext {
  return {
    driver: db.driver,
    openDriver: async (url) => {
      opened.push(decodeURIComponent(new URL(url).pathname.slice(1)))
      return new PgTestDriver(url)
    },
    sources: [directory(project.path('migrations'))],
    cwd: project.dir,
  }
}

async function shadowDatabases(): Promise<string[]> {
  return (await db.driver.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'mig\\_shadow\\_%'`)).map((r) => r.datname)
}

beforeAll(async () => {
  db = await freshPgDatabase()
})
afterAll(async () => {
  await db.close()
  project.cleanup()
})

describe('PostgreSQL shadow databases', () => {
  it('materialises a schema file and all migrations in temporary databases, then drops them', async () => {
    opened.length = 0
    const file = await materialize('schema.sql', ctx())
    expect(file.tables.map((t) => t.name)).toEqual(['users'])
    const all = await materialize('migrations', ctx())
    expect(all.tables.map((t) => t.name).sort()).toEqual(['orders', 'schema_migrations', 'schema_migrations_log', 'schema_migrations_meta', 'users'])
    // every shadow database it made is gone (other suites on the server may make their own meanwhile)
    expect(opened.length).toBeGreaterThan(0)
    expect((await shadowDatabases()).filter((d) => opened.includes(d))).toEqual([])
  })

  it('drops the shadow database when the SQL fails, and names file and line', async () => {
    opened.length = 0
    const err = await materialize('broken.sql', ctx()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SchemaSourceError)
    expect((err as SchemaSourceError).line).toBe(2)
    expect((err as Error).message).toMatch(/broken\.sql:2: relation "nowhere" does not exist/)
    // every shadow database it made is gone (other suites on the server may make their own meanwhile)
    expect(opened.length).toBeGreaterThan(0)
    expect((await shadowDatabases()).filter((d) => opened.includes(d))).toEqual([])
  })

  it('drift: none after applying the migrations; a hand-made change is reported', async () => {
    opened.length = 0
    const { createMigrator } = await import('@mig/core')
    const m = createMigrator({ driver: db.driver, sources: [directory(project.path('migrations'))] })
    const run = await m.up({ to: '20240101000000' })
    expect(run.ok).toBe(true)
    const clean = await drift(ctx())
    expect(clean.applied).toEqual(['20240101000000'])
    expect(clean.drifted).toBe(false)
    await db.driver.query('ALTER TABLE users ADD COLUMN nickname varchar(30)')
    await db.driver.query('CREATE INDEX users_email ON users (email)')
    const drifted = await drift(ctx())
    expect(drifted.drifted).toBe(true)
    expect(drifted.diff.changes.map((c) => c.summary)).toEqual(['+ ADD COLUMN users.nickname varchar(30)', '+ CREATE INDEX users_email ON users'])
    // every shadow database it made is gone (other suites on the server may make their own meanwhile)
    expect(opened.length).toBeGreaterThan(0)
    expect((await shadowDatabases()).filter((d) => opened.includes(d))).toEqual([])
  })
})
