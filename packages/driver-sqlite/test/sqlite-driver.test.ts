import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createMigrator, directory, StatementFailure } from '@mig/core'
import { tempProject, type TempProject } from '@mig/test-utils'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveUrl, sqlite, sqlitePath } from '../src/index.js'

let projects: TempProject[] = []
afterEach(() => {
  for (const p of projects) p.cleanup()
  projects = []
})
function project(files: Record<string, string>): TempProject {
  const p = tempProject(files)
  projects.push(p)
  return p
}

describe('SqliteDriver', () => {
  it('runs scripts statement by statement and names the failing statement and its line', async () => {
    const d = sqlite({ url: 'sqlite::memory:' })
    await d.connect()
    await d.runScript(d, { sql: 'CREATE TABLE a (x int);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO a VALUES (new.x + 1000);\nEND;\n' })
    const err = await d
      .runScript(d, { sql: 'INSERT INTO a VALUES (1);\n\n-- comment; with semicolon\nINSERT INTO nope VALUES (2);', file: 'x.sql', line: 10 })
      .catch((e) => e)
    expect(err).toBeInstanceOf(StatementFailure)
    expect(err.index).toBe(1)
    expect(err.line).toBe(13)
    expect(err.message).toContain('no such table: nope')
    expect(await d.query('SELECT x FROM a ORDER BY x')).toEqual([{ x: 1 }, { x: 1001 }])
    await d.close()
  })

  it('rolls back DDL with the transaction', async () => {
    const d = sqlite({ url: 'sqlite::memory:' })
    await d.connect()
    await expect(
      d.transaction(async (tx) => {
        await tx.query('CREATE TABLE a (x int)')
        throw new Error('stop')
      }),
    ).rejects.toThrow('stop')
    expect(await d.query("SELECT name FROM sqlite_master WHERE name = 'a'")).toEqual([])
    await d.close()
  })

  it('binds Dates and booleans', async () => {
    const d = sqlite({ url: 'sqlite::memory:' })
    await d.connect()
    expect(await d.query('SELECT ? AS d, ? AS b', [new Date(0), true])).toEqual([{ d: '1970-01-01T00:00:00.000Z', b: 1 }])
    await d.close()
  })

  it('dropAllObjects removes tables, views and triggers, even with foreign keys', async () => {
    const p = project({})
    const d = sqlite({ url: `sqlite:${p.path('x.db')}` })
    await d.connect()
    await d.runScript(d, {
      sql: 'CREATE TABLE p (id int primary key); CREATE TABLE c (p int references p(id)); CREATE VIEW v AS SELECT * FROM c; CREATE INDEX i ON c(p);',
    })
    await d.dropAllObjects()
    expect(await d.query("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")).toEqual([])
    await d.close()
  })

  it('works on a WAL database', async () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);', 'migrations/2_b.sql': 'CREATE TABLE b (x int);' })
    const db = new Database(p.path('wal.db'))
    db.pragma('journal_mode = WAL')
    db.close()
    const m = createMigrator({ driver: sqlite({ url: `sqlite:${p.path('wal.db')}` }), sources: [directory(p.path('migrations'))] })
    expect((await m.up()).results.map((r) => r.status)).toEqual(['applied', 'applied'])
    await m.close()
    const check = new Database(p.path('wal.db'), { readonly: true })
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(check.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 2 })
    check.close()
  })
})

describe('two processes on one file', () => {
  it('never apply the same migration twice (6 processes, 5 rounds)', async () => {
    const worker = fileURLToPath(new URL('./fixtures/up-worker.mjs', import.meta.url))
    let applied = 0
    for (let round = 0; round < 5; round++) {
      const files: Record<string, string> = {}
      for (let i = 1; i <= 8; i++) files[`migrations/${i}_m${i}.sql`] = `CREATE TABLE t${i} (x int);\nINSERT INTO t${i} VALUES (${i});`
      const p = project(files)
      const codes = await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
              const child = spawn(process.execPath, [worker, p.path('race.db'), p.path('migrations')], { stdio: ['ignore', 'pipe', 'inherit'] })
              let out = ''
              child.stdout.on('data', (b) => (out += b))
              child.on('exit', (code) => resolve({ code, out }))
            }),
        ),
      )
      expect(codes.map((c) => c.code)).toEqual([0, 0, 0, 0, 0, 0])
      const total = codes.reduce((n, c) => n + Number(c.out.trim()), 0)
      expect(total).toBe(8)
      applied += total
      const db = new Database(p.path('race.db'), { readonly: true })
      expect(db.prepare('SELECT count(*) AS n, count(DISTINCT version) AS d FROM schema_migrations').get()).toEqual({ n: 8, d: 8 })
      expect(db.prepare("SELECT count(*) AS n FROM schema_migrations_log WHERE action = 'apply' AND status = 'ok'").get()).toEqual({ n: 8 })
      db.close()
    }
    console.log(`sqlite race: 5 rounds x 6 processes, ${applied} migrations applied, each exactly once`)
  })
})

describe('resolveUrl', () => {
  it('resolves a relative file against the project root; memory and absolute paths stay', () => {
    expect(resolveUrl('sqlite:./a.db', '/p')).toBe('sqlite:/p/a.db')
    expect(resolveUrl('sqlite:dev.db', '/p')).toBe('sqlite:/p/dev.db')
    expect(resolveUrl('sqlite:../x/b.db?mode=ro', '/p/q')).toBe('sqlite:/p/x/b.db')
    expect(resolveUrl('sqlite:/abs/c.db', '/p')).toBe('sqlite:/abs/c.db')
    expect(resolveUrl('sqlite::memory:', '/p')).toBe('sqlite::memory:')
    expect(sqlitePath('sqlite:///abs/d.db')).toBe('/abs/d.db')
  })
})
