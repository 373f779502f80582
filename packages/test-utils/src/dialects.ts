import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { databaseOf, type Driver, SHADOW_DATABASE_PREFIX, withDatabase } from '@mig/core'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { randomName } from './random-name.js'

/** Name of a dialect the suites run on. */
export type DialectName = 'sqlite' | 'postgres' | 'mysql'

/** A database server (or file engine) the shared suites run against. */
export interface TestDialect {
  name: DialectName
  /** Whether URLs carry a password (false for SQLite). */
  passwords: boolean
  /** Create an empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>
  /** Drop a database created by {@link createDatabase}. */
  dropDatabase(url: string): Promise<void>
  /** A URL of this dialect that names the same server with the given credentials. */
  urlWithCredentials(url: string, user: string, password: string): string
  /** A URL where nothing listens. */
  unreachableUrl(): string
  /**
   * A URL that opens a new empty database on each connection (SQLite's `sqlite::memory:`): suites
   * open one per case instead of emptying a {@link freshDatabase}.
   */
  scratchUrl?: string
  /** Empty a database in place (quicker than creating one): the corpus suite reuses two. */
  emptyDatabase(driver: Driver): Promise<void>
  /** The server's version and flavor (`postgres`, `mariadb`, `mysql`, `sqlite`), for corpus cases bound to them. */
  serverInfo(driver: Driver): Promise<{ version: string; flavor: string }>
  /** Names of the shadow databases (see `createShadowDatabase`) on the server now; none for engines whose shadows live in memory. */
  shadowDatabases(driver: Driver): Promise<string[]>
  /** The column definition of an auto-numbered primary key (`serial PRIMARY KEY`...). */
  serialPrimaryKey: string
  /** How the engine words an INSERT into the missing table `nowhere`. */
  missingTableError: RegExp
  /** The sqldef corpus on this engine: at least this many cases load; whether columns compare in any order. */
  corpus: { minimumCases: number; ignoreColumnOrder?: boolean }
}

/** Admin URL of the PostgreSQL server used by tests (`MIG_TEST_PG_URL`, default trust-auth local). */
export const PG_ADMIN_URL = process.env.MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** Admin URL of the MySQL/MariaDB server used by tests (`MIG_TEST_MYSQL_URL`). */
export const MYSQL_ADMIN_URL = process.env.MIG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

/** `LIKE` pattern of the shadow databases' names. */
const SHADOW_LIKE = SHADOW_DATABASE_PREFIX.replaceAll('_', '\\_') + '%'

function credentials(url: string, user: string, password: string): string {
  const u = new URL(url)
  u.username = user
  u.password = password
  return u.toString()
}

/** Run statements on the PostgreSQL admin database. */
export async function pgAdmin(...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL })
  await c.connect()
  try {
    for (const s of statements) await c.query(s)
  } finally {
    await c.end()
  }
}

/** Run statements on the MySQL server as admin. */
export async function mysqlAdmin(...statements: string[]): Promise<void> {
  const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL })
  try {
    for (const s of statements) await c.query(s)
  } finally {
    await c.end()
  }
}

export const sqliteDialectForTests: TestDialect = {
  name: 'sqlite',
  passwords: false,
  async createDatabase(name = randomName()) {
    const dir = mkdtempSync(join(tmpdir(), 'mig-sqlite-'))
    return `sqlite:${join(dir, `${name}.db`)}`
  },
  async dropDatabase(url) {
    const file = url.replace(/^sqlite:/, '')
    rmSync(join(file, '..'), { recursive: true, force: true })
  },
  urlWithCredentials: (url) => url,
  unreachableUrl: () => 'sqlite:/nonexistent-folder-mig/x.db',
  scratchUrl: 'sqlite::memory:',
  emptyDatabase: (driver) => driver.dropAllObjects(),
  async serverInfo(driver) {
    const [row] = await driver.query<{ v: string }>('SELECT sqlite_version() AS v')
    return { version: String(row?.v), flavor: 'sqlite' }
  },
  // each shadow is a connection to memory: it is gone once closed
  shadowDatabases: async () => [],
  serialPrimaryKey: 'INTEGER PRIMARY KEY',
  missingTableError: /broken\.sql:2: no such table: nowhere/,
  corpus: { minimumCases: 60 },
}

export const postgresDialectForTests: TestDialect = {
  name: 'postgres',
  passwords: true,
  async createDatabase(name = randomName()) {
    await pgAdmin(`CREATE DATABASE "${name}"`)
    return withDatabase(PG_ADMIN_URL, name)
  },
  async dropDatabase(url) {
    await pgAdmin(`DROP DATABASE IF EXISTS "${databaseOf(url)}" WITH (FORCE)`)
  },
  urlWithCredentials: credentials,
  unreachableUrl: () => 'postgres://postgres:hunter2@127.0.0.1:1/nothing',
  async emptyDatabase(driver) {
    const schemas = await driver.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    )
    for (const s of schemas) await driver.query(`DROP SCHEMA ${driver.dialect.quoteIdent(s.nspname)} CASCADE`)
    await driver.query('CREATE SCHEMA public')
  },
  async serverInfo(driver) {
    const [row] = await driver.query<{ v: string }>("SELECT current_setting('server_version') AS v")
    return { version: String(row?.v ?? '15').split(' ')[0]!, flavor: 'postgres' }
  },
  shadowDatabases: async (driver) =>
    (await driver.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${SHADOW_LIKE}'`)).map((r) => r.datname),
  serialPrimaryKey: 'serial PRIMARY KEY',
  missingTableError: /broken\.sql:2: relation "nowhere" does not exist/,
  corpus: { minimumCases: 400, ignoreColumnOrder: true },
}

export const mysqlDialectForTests: TestDialect = {
  name: 'mysql',
  passwords: true,
  async createDatabase(name = randomName()) {
    // utf8mb4 whatever the server's default: suites store text outside latin1
    await mysqlAdmin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
    return withDatabase(MYSQL_ADMIN_URL, name)
  },
  async dropDatabase(url) {
    await mysqlAdmin(`DROP DATABASE IF EXISTS \`${databaseOf(url)}\``)
  },
  urlWithCredentials: credentials,
  unreachableUrl: () => 'mysql://root:hunter2@127.0.0.1:1/nothing',
  // dropping and re-creating the database is faster than dropping objects one by one
  async emptyDatabase(driver) {
    const [row] = await driver.query<{ db: string }>('SELECT DATABASE() AS db')
    const db = driver.dialect.quoteIdent(String(row?.db))
    await driver.query(`DROP DATABASE ${db}`)
    await driver.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`)
    await driver.query(`USE ${db}`)
  },
  async serverInfo(driver) {
    const [row] = await driver.query<{ v: string }>('SELECT VERSION() AS v')
    const v = String(row?.v)
    return { version: v.split('-')[0]!, flavor: /mariadb/i.test(v) ? 'mariadb' : 'mysql' }
  },
  shadowDatabases: async (driver) =>
    (await driver.query<{ name: string }>(`SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${SHADOW_LIKE}'`)).map(
      (r) => r.name,
    ),
  serialPrimaryKey: 'int AUTO_INCREMENT PRIMARY KEY',
  missingTableError: /broken\.sql:2: Table '[^']*nowhere' doesn't exist/,
  corpus: { minimumCases: 170 },
}

/**
 * A fresh empty database of a dialect (its own random name on the test server), with a connected
 * driver made by the driver package's factory; `close()` disconnects and drops it.
 *
 * @example
 * const db = await freshDatabase(postgresDialectForTests, createDriver)
 * try { await db.driver.query('SELECT 1') } finally { await db.close() }
 */
export async function freshDatabase<D extends Driver>(dialect: TestDialect, createDriver: (url: string) => D): Promise<FreshDatabase<D>> {
  const url = await dialect.createDatabase(randomName('mig_schema'))
  const driver = createDriver(url)
  try {
    await driver.connect()
  } catch (err) {
    await dialect.dropDatabase(url)
    throw err
  }
  return {
    url,
    driver,
    async close() {
      try {
        await driver.close()
      } finally {
        await dialect.dropDatabase(url)
      }
    },
  }
}

/** What {@link freshDatabase} returns. */
export interface FreshDatabase<D extends Driver = Driver> {
  url: string
  /** Connected. */
  driver: D
  /** Disconnect and drop the database. */
  close(): Promise<void>
}

/** Every dialect, in a stable order. */
export const ALL_DIALECTS: TestDialect[] = [sqliteDialectForTests, postgresDialectForTests, mysqlDialectForTests]

/**
 * The dialects a suite runs on: `MIG_TEST_DIALECTS=sqlite,postgres,mysql` (default all). An unknown
 * name is an error, so a typo cannot silently skip a dialect.
 */
export function testDialects(): TestDialect[] {
  const want = process.env.MIG_TEST_DIALECTS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!want?.length) return ALL_DIALECTS
  for (const w of want) if (!ALL_DIALECTS.some((d) => d.name === w)) throw new Error(`MIG_TEST_DIALECTS: unknown dialect "${w}" (sqlite, postgres, mysql)`)
  return ALL_DIALECTS.filter((d) => want.includes(d.name))
}
