import { rmSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { randomName } from './index.js'

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
}

/** Admin URL of the PostgreSQL server used by tests (`MIG_TEST_PG_URL`, default trust-auth local). */
export const PG_ADMIN_URL = process.env.MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** Admin URL of the MySQL/MariaDB server used by tests (`MIG_TEST_MYSQL_URL`). */
export const MYSQL_ADMIN_URL = process.env.MIG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

function withDatabase(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1))
}

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
