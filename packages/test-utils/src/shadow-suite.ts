import { type Driver, directory, drift, type MaterializeContext, materialize, SchemaSourceError } from '@mig/core'
import { tempProject } from '@mig/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FreshDatabase, freshDatabase, type TestDialect } from './dialects.js'

/**
 * Shadow databases on one dialect (each driver package's tests call it with its own factory): a
 * schema file and the migrations are materialised in temporary databases that are dropped
 * afterwards, also when the SQL fails, and drift compares them with the live database.
 *
 * @example
 * shadowSuite(postgresDialectForTests, createDriver)
 */
export function shadowSuite(dialect: TestDialect, createDriver: (url: string) => Driver): void {
  const pk = dialect.serialPrimaryKey
  let db: FreshDatabase
  const project = tempProject({
    'migrations/20240101000000_users.sql': `-- mig:up\nCREATE TABLE users (id ${pk}, email text NOT NULL);\n-- mig:down\nDROP TABLE users;\n`,
    'migrations/20240102000000_orders.sql': `-- mig:up\nCREATE TABLE orders (id ${pk}, user_id int, FOREIGN KEY (user_id) REFERENCES users (id));\nCREATE INDEX orders_user ON orders (user_id);\n-- mig:down\nDROP TABLE orders;\n`,
    'schema.sql': `CREATE TABLE users (id ${pk}, email text NOT NULL);\n`,
    'broken.sql': 'CREATE TABLE a (id int);\nINSERT INTO nowhere (id) VALUES (1);\n',
  })
  /** Names of the shadow databases the materialisations of this suite opened. */
  const opened: string[] = []
  const ctx = (): MaterializeContext => ({
    driver: db.driver,
    openDriver: async (url) => {
      opened.push(decodeURIComponent(new URL(url).pathname.slice(1)))
      return createDriver(url)
    },
    sources: [directory(project.path('migrations'))],
    cwd: project.dir,
  })
  /** Every shadow database it made is gone (other suites on the server may make their own meanwhile). */
  const expectShadowsDropped = async () => {
    expect(opened.length).toBeGreaterThan(0)
    expect((await dialect.shadowDatabases(db.driver)).filter((d) => opened.includes(d))).toEqual([])
  }

  beforeAll(async () => {
    db = await freshDatabase(dialect, createDriver)
  })
  afterAll(async () => {
    await db.close()
    project.cleanup()
  })

  describe(`shadow databases on ${dialect.name}`, () => {
    it('materialises a schema file and all migrations in temporary databases, then drops them', async () => {
      opened.length = 0
      const file = await materialize('schema.sql', ctx())
      expect(file.tables.map((t) => t.name)).toEqual(['users'])
      const all = await materialize('migrations', ctx())
      expect(all.tables.map((t) => t.name).sort()).toEqual(['orders', 'schema_migrations', 'schema_migrations_log', 'schema_migrations_meta', 'users'])
      await expectShadowsDropped()
    })

    it('drops the shadow database when the SQL fails, and names file and line', async () => {
      opened.length = 0
      const err = await materialize('broken.sql', ctx()).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SchemaSourceError)
      expect((err as SchemaSourceError).line).toBe(2)
      expect((err as Error).message).toMatch(dialect.missingTableError)
      await expectShadowsDropped()
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
      await expectShadowsDropped()
    })
  })
}
