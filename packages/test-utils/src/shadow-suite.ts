import { type Driver, directory, drift, type MaterializeContext, materialize, SchemaSourceError } from '@mig/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempProject } from './index.js'

/** What a dialect gives the shared shadow-database suite. */
export interface ShadowSuiteOptions {
  /** Suite title, e.g. `PostgreSQL shadow databases`. */
  title: string
  /** A fresh database on the test server and its driver; `close()` drops it. */
  fresh(): Promise<{ driver: Driver; close(): Promise<void> }>
  /** A driver for a shadow database's URL. */
  openDriver(url: string): Driver
  /** Names of the shadow databases that exist on the server now. */
  shadowDatabases(driver: Driver): Promise<string[]>
  /** The column definition of an auto-numbered primary key (`serial PRIMARY KEY`...). */
  serialPrimaryKey: string
  /** How the server words a foreign key to a missing table, after `broken.sql:2: `. */
  missingTableError: RegExp
}

/**
 * Shadow databases on a server dialect: a schema file and the migrations are materialised in
 * temporary databases that are dropped afterwards, also when the SQL fails, and drift compares
 * them with the live database.
 */
export function shadowSuite(o: ShadowSuiteOptions): void {
  const pk = o.serialPrimaryKey
  let db: Awaited<ReturnType<ShadowSuiteOptions['fresh']>>
  const project = tempProject({
    'migrations/20240101000000_users.sql': `-- mig:up\nCREATE TABLE users (id ${pk}, email text NOT NULL);\n-- mig:down\nDROP TABLE users;\n`,
    'migrations/20240102000000_orders.sql': `-- mig:up\nCREATE TABLE orders (id ${pk}, user_id int, FOREIGN KEY (user_id) REFERENCES users (id));\nCREATE INDEX orders_user ON orders (user_id);\n-- mig:down\nDROP TABLE orders;\n`,
    'schema.sql': `CREATE TABLE users (id ${pk}, email text NOT NULL);\n`,
    'broken.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int REFERENCES nowhere (id));\n',
  })
  /** Names of the shadow databases the materialisations of this suite opened. */
  const opened: string[] = []
  const ctx = (): MaterializeContext => ({
    driver: db.driver,
    openDriver: async (url) => {
      opened.push(decodeURIComponent(new URL(url).pathname.slice(1)))
      return o.openDriver(url)
    },
    sources: [directory(project.path('migrations'))],
    cwd: project.dir,
  })
  /** Every shadow database it made is gone (other suites on the server may make their own meanwhile). */
  const expectShadowsDropped = async () => {
    expect(opened.length).toBeGreaterThan(0)
    expect((await o.shadowDatabases(db.driver)).filter((d) => opened.includes(d))).toEqual([])
  }

  beforeAll(async () => {
    db = await o.fresh()
  })
  afterAll(async () => {
    await db.close()
    project.cleanup()
  })

  describe(o.title, () => {
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
      expect((err as Error).message).toMatch(o.missingTableError)
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
