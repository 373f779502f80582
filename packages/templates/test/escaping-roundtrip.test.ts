/**
 * Property test: random strings rendered through templates as literals ({{ s }}) and identifiers
 * ({{ [s] | ident }}) must come back unchanged from real PostgreSQL, MariaDB (default sql_mode and
 * NO_BACKSLASH_ESCAPES) and SQLite. Seed: MIG_ESCAPE_SEED (printed). Count: MIG_ESCAPE_COUNT (>= 10000).
 */
import { normalizeNewlines, type SqlDialect } from '@mig/core'
import { mysqlDialect } from '@mig/driver-mysql'
import { postgresDialect } from '@mig/driver-postgres'
import { sqliteDialect } from '@mig/driver-sqlite'
import { mysqlDialectForTests, postgresDialectForTests, randomName, type TempProject, tempProject } from '@mig/test-utils'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Creating 10,000 tables takes seconds on an idle server and minutes on a loaded one.
const IDENT_TIMEOUT = 600_000
import { createRenderer } from '../src/index.js'
import { clip, prng, randomString } from './random-strings.js'

const COUNT = Math.max(10_000, Number(process.env.MIG_ESCAPE_COUNT ?? 10_000))
const SEED = Number(process.env.MIG_ESCAPE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const LITERAL_BATCH = 400
const IDENT_BATCH = 500

const SELECT_TEMPLATE = 'SELECT {% for s in vars.strings %}{{ s }} AS c{{ loop.index0 | raw }}{% if not loop.last %}, {% endif %}{% endfor %}'
const CREATE_TEMPLATE = '{% for n in vars.names %}CREATE TABLE {{ [n] | ident }} (x int){{ vars.suffix | raw }};\n{% endfor %}'

let project: TempProject
beforeAll(() => {
  project = tempProject()
  console.log(`escaping round trip: seed ${SEED} (set MIG_ESCAPE_SEED to reproduce), ${COUNT} strings per engine`)
})
afterAll(() => project.cleanup())

/** Literal strings for a dialect: PostgreSQL text cannot hold NUL, so it gets none. */
function literals(seed: number, nul: boolean): string[] {
  const rng = prng(seed)
  return Array.from({ length: COUNT }, () => randomString(rng, { maxLength: 40, nul, astral: true }))
}

/**
 * Identifiers valid for the engine: never NUL, CR (refused: it would not survive line-ending
 * normalisation) or empty; MySQL: 64 characters of the BMP, no
 * trailing whitespace; PostgreSQL: at most 63 bytes; SQLite: not starting with sqlite_.
 * Names equal ignoring case are dropped (SQLite and MySQL fold case in places).
 */
function identifiers(seed: number, dialect: 'postgres' | 'mysql' | 'sqlite'): string[] {
  const rng = prng(seed)
  const seen = new Set<string>()
  const out: string[] = []
  while (out.length < COUNT) {
    let s = clip(randomString(rng, { maxLength: 16, nul: false, astral: dialect !== 'mysql' }), 15).replaceAll('\r', '')
    if (dialect === 'mysql') s = s.replace(/[ \t\n\v\f\r]+$/, '')
    if (!s || /^sqlite_/i.test(s)) continue
    const key = s.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(s)
  }
  return out
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

/** Compare and report; returns the mismatches. */
function report(engine: string, kind: string, tried: number, mismatches: { sent: string; got: unknown }[]): void {
  console.log(`${engine}: ${tried} ${kind} tried, ${mismatches.length} mismatches`)
  for (const m of mismatches.slice(0, 5)) console.log(`  sent ${JSON.stringify(m.sent)} got ${JSON.stringify(m.got)}`)
}

/** The drivers' dialect objects, which the renderer escapes with. */
const DIALECTS: Record<string, SqlDialect> = { postgres: postgresDialect, mysql: mysqlDialect, sqlite: sqliteDialect }

async function literalRoundTrip(
  engine: string,
  dialect: string,
  strings: string[],
  select: (sql: string) => Promise<Record<string, unknown>>,
  opts: { backslashEscapes?: boolean } = {},
) {
  const mismatches: { sent: string; got: unknown }[] = []
  for (const batch of chunks(strings, LITERAL_BATCH)) {
    // Core runs the rendered SQL with its line endings normalised: values must survive that.
    const sql = normalizeNewlines(
      createRenderer({ root: project.dir, dialect: DIALECTS[dialect]!, backslashEscapes: opts.backslashEscapes, vars: { strings: batch } }).renderSource(
        SELECT_TEMPLATE,
        'select.sql.njk',
      ),
    )
    const row = await select(sql)
    batch.forEach((s, i) => {
      if (row[`c${i}`] !== s) mismatches.push({ sent: s, got: row[`c${i}`] })
    })
  }
  report(engine, 'literals', strings.length, mismatches)
  return mismatches
}

async function identRoundTrip(
  engine: string,
  dialect: string,
  names: string[],
  exec: (sql: string) => Promise<void>,
  catalog: () => Promise<string[]>,
  suffix = '',
) {
  for (const batch of chunks(names, IDENT_BATCH)) {
    await exec(
      normalizeNewlines(
        createRenderer({ root: project.dir, dialect: DIALECTS[dialect]!, vars: { names: batch, suffix } }).renderSource(CREATE_TEMPLATE, 'create.sql.njk'),
      ),
    )
  }
  const found = new Set(await catalog())
  const missing = names.filter((n) => !found.has(n)).map((n) => ({ sent: n, got: 'not in catalog' }))
  const extra = [...found].filter((n) => !names.includes(n))
  report(engine, 'identifiers', names.length, missing)
  if (extra.length)
    console.log(
      `  unexpected names in catalog: ${extra
        .slice(0, 5)
        .map((e) => JSON.stringify(e))
        .join(', ')}`,
    )
  return { missing, extra, found: found.size }
}

describe('escaping round trip: PostgreSQL', () => {
  let url: string
  let client: pg.Client
  beforeAll(async () => {
    url = await postgresDialectForTests.createDatabase(randomName('mig_tpl_esc'))
    client = new pg.Client({ connectionString: url })
    await client.connect()
  })
  afterAll(async () => {
    await client?.end()
    await postgresDialectForTests.dropDatabase(url)
  }, IDENT_TIMEOUT)

  it('literals come back unchanged (standard_conforming_strings on and off)', async () => {
    const strings = literals(SEED, false)
    const select = async (sql: string) => (await client.query(sql)).rows[0] as Record<string, unknown>
    expect(await literalRoundTrip('postgres', 'postgres', strings, select)).toEqual([])
    await client.query('SET standard_conforming_strings = off')
    await client.query('SET escape_string_warning = off')
    expect(await literalRoundTrip('postgres (standard_conforming_strings=off)', 'postgres', strings.slice(0, 2000), select)).toEqual([])
    await client.query('SET standard_conforming_strings = on')
  })

  it(
    'identifiers come back unchanged from the catalog',
    async () => {
      await client.query('CREATE SCHEMA esc')
      await client.query('SET search_path = esc')
      const names = identifiers(SEED + 1, 'postgres')
      const r = await identRoundTrip(
        'postgres',
        'postgres',
        names,
        async (sql) => void (await client.query(`BEGIN;\n${sql}COMMIT;`)),
        async () =>
          (
            await client.query(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'esc' AND c.relkind = 'r'`)
          ).rows.map((r) => r.relname as string),
      )
      expect(r.missing).toEqual([])
      expect(r.extra).toEqual([])
      expect(r.found).toBe(COUNT)
    },
    IDENT_TIMEOUT,
  )
})

describe('escaping round trip: MariaDB', () => {
  let url: string
  let conn: mysql.Connection
  beforeAll(async () => {
    url = await mysqlDialectForTests.createDatabase(randomName('mig_tpl_esc'))
    conn = await mysql.createConnection({ uri: url, charset: 'utf8mb4', multipleStatements: true })
  })
  afterAll(async () => {
    await conn?.end()
    await mysqlDialectForTests.dropDatabase(url)
  }, IDENT_TIMEOUT)
  const select = async (sql: string) => ((await conn.query(sql))[0] as Record<string, unknown>[])[0]!

  it('literals come back unchanged with the default sql_mode', async () => {
    const [[mode]] = (await conn.query('SELECT @@SESSION.sql_mode AS m')) as unknown as [[{ m: string }]]
    expect(mode.m).not.toContain('NO_BACKSLASH_ESCAPES')
    expect(await literalRoundTrip('mariadb', 'mysql', literals(SEED + 2, true), select)).toEqual([])
  })

  it('literals come back unchanged with NO_BACKSLASH_ESCAPES, and escaping for the wrong mode would not', async () => {
    await conn.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
    const strings = literals(SEED + 3, true)
    expect(await literalRoundTrip('mariadb (NO_BACKSLASH_ESCAPES)', 'mysql', strings, select, { backslashEscapes: false })).toEqual([])
    // The mode matters: default-mode escaping read under NO_BACKSLASH_ESCAPES changes strings with backslashes.
    const withBackslash = strings.filter((s) => s.includes('\\') && !s.includes('\0')).slice(0, 200)
    expect(withBackslash.length).toBeGreaterThan(50)
    const wrong = await literalRoundTrip('mariadb (NO_BACKSLASH_ESCAPES, escaped for the default mode: control)', 'mysql', withBackslash, select)
    expect(wrong.length).toBe(withBackslash.length)
    await conn.query("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')")
  })

  it(
    'identifiers come back unchanged from the catalog',
    async () => {
      const names = identifiers(SEED + 4, 'mysql')
      const r = await identRoundTrip(
        'mariadb',
        'mysql',
        names,
        async (sql) => void (await conn.query(sql)),
        async () =>
          ((await conn.query('SELECT table_name AS n FROM information_schema.tables WHERE table_schema = DATABASE()'))[0] as { n: string }[]).map((r) => r.n),
        ' ENGINE=MEMORY',
      )
      expect(r.missing).toEqual([])
      expect(r.extra).toEqual([])
      expect(r.found).toBe(COUNT)
    },
    IDENT_TIMEOUT,
  )
})

describe('escaping round trip: SQLite', () => {
  let db: Database.Database
  beforeAll(() => {
    db = new Database(':memory:')
  })
  afterAll(() => db.close())

  it('literals come back unchanged', async () => {
    const select = async (sql: string) => db.prepare(sql).get() as Record<string, unknown>
    expect(await literalRoundTrip('sqlite', 'sqlite', literals(SEED + 5, true), select)).toEqual([])
  })

  it(
    'identifiers come back unchanged from the catalog',
    async () => {
      const names = identifiers(SEED + 6, 'sqlite')
      const r = await identRoundTrip(
        'sqlite',
        'sqlite',
        names,
        async (sql) => void db.exec(sql),
        async () => (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
      )
      expect(r.missing).toEqual([])
      expect(r.extra).toEqual([])
      expect(r.found).toBe(COUNT)
    },
    IDENT_TIMEOUT,
  )
})
