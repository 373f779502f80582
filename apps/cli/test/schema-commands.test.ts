import { readdirSync, readFileSync } from 'node:fs'
import { tempProject, type TempProject } from '@mig/test-utils'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { diffCommand } from '../src/commands/diff.js'
import { driftCommand } from '../src/commands/drift.js'
import { dumpCommand } from '../src/commands/dump.js'
import { createContext } from '../src/context.js'
import { createOutput } from '../src/output.js'
import { sink } from './helpers.js'

let projects: TempProject[] = []
afterEach(() => {
  for (const p of projects) p.cleanup()
  projects = []
})

async function run(p: TempProject, fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<number>, json = false) {
  const out = sink()
  const err = sink()
  const ctx = await createContext({ json }, createOutput(json ? 'json' : 'plain', false, { stdout: out.stream, stderr: err.stream }), p.dir)
  const code = await fn(ctx)
  return { code, stdout: out.text(), stderr: err.text() }
}

function project(files: Record<string, string>): TempProject {
  const p = tempProject({ 'mig.toml': 'default_target = "dev"\n[targets.dev]\nurl = "sqlite:./dev.db"\n', ...files })
  projects.push(p)
  return p
}

const M1 =
  '-- mig:up\nCREATE TABLE users (id integer PRIMARY KEY, name varchar(100) NOT NULL, email text);\nCREATE INDEX idx_users_email ON users (email);\nCREATE TABLE old_logs (x int);\n-- mig:down\nDROP TABLE old_logs;\nDROP TABLE users;\n'
const SCHEMA = 'CREATE TABLE users (id integer PRIMARY KEY, name varchar(200) NOT NULL, email text, phone varchar(20));\n'

describe('mig dump / diff / drift on SQLite (command functions)', () => {
  it('diff prints summary lines from migrations to a schema file, and writes up/down with --out', async () => {
    const p = project({ 'migrations/20240101000000_init.sql': M1, 'schema.sql': SCHEMA })
    const r = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql' }))
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        '! DROP TABLE old_logs (DESTRUCTIVE)',
        '- DROP INDEX idx_users_email',
        '~ ALTER COLUMN users.name varchar(100) -> varchar(200)',
        '+ ADD COLUMN users.phone varchar(20)',
        '',
      ].join('\n'),
    )
    expect(r.stderr).toContain('destructive statement(s) commented out')

    const w = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql', out: 'migrations/20240102000000_sync' }))
    expect(w.code).toBe(0)
    expect(w.stdout).toContain('Wrote 20240102000000_sync.up.sql and 20240102000000_sync.down.sql')
    const up = readFileSync(p.path('migrations/20240102000000_sync.up.sql'), 'utf8')
    const down = readFileSync(p.path('migrations/20240102000000_sync.down.sql'), 'utf8')
    expect(up).toContain('-- WARNING: destructive change, commented out (pass --allow-destructive to apply):\n-- DROP TABLE "old_logs";')
    expect(down).toContain('CREATE TABLE "old_logs"')
    expect(readdirSync(p.path('migrations')).sort()).toEqual(['20240101000000_init.sql', '20240102000000_sync.down.sql', '20240102000000_sync.up.sql'])
  })

  it('round trip: --allow-destructive migration makes migrations equal to the schema file', async () => {
    const p = project({ 'migrations/20240101000000_init.sql': M1, 'schema.sql': SCHEMA })
    await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql', out: 'migrations/20240102000000_sync', allowDestructive: true }))
    const again = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql' }))
    expect(again.stdout).toBe('No differences\n')
    const json = await run(p, (ctx) => diffCommand(ctx, { from: 'schema.sql', to: 'migrations', format: 'json' }), true)
    expect(JSON.parse(json.stdout.trim())).toEqual({ changes: [], sql: '', skippedDestructive: 0, notCompared: [] })
  })

  it('dump writes deterministic SQL without the history tables; drift reports a hand-made change with exit 1', async () => {
    const p = project({ 'migrations/20240101000000_init.sql': M1 })
    const migrator = await (await createContext({}, createOutput('plain', true), p.dir)).migrator()
    await migrator.up()
    await migrator.close()
    const d = await run(p, (ctx) => dumpCommand(ctx, { out: 'schema.sql' }))
    expect(d.code).toBe(0)
    const dump = readFileSync(p.path('schema.sql'), 'utf8')
    expect(dump).toContain('CREATE TABLE "users" (')
    expect(dump).not.toContain('schema_migrations')

    const clean = await run(p, (ctx) => driftCommand(ctx))
    expect(clean.code).toBe(0)
    expect(clean.stdout).toBe('No drift (1 applied migration(s) checked)\n')

    const db = new Database(p.path('dev.db'))
    db.exec('ALTER TABLE users ADD COLUMN nickname text; DROP INDEX idx_users_email;')
    db.close()
    const drifted = await run(p, (ctx) => driftCommand(ctx))
    expect(drifted.code).toBe(1)
    expect(drifted.stdout).toBe(
      'Drift: the database differs from its 1 applied migration(s):\n- DROP INDEX idx_users_email\n+ ADD COLUMN users.nickname text\n',
    )

    const fromDb = await run(p, (ctx) => diffCommand(ctx, { to: 'schema.sql', format: 'sql' }))
    expect(fromDb.stdout).toContain('CREATE INDEX "idx_users_email" ON "users" ("email");')
  })

  it('a rebuild of a referenced SQLite table runs through the migrator as a no-transaction migration and keeps rows', async () => {
    const init =
      "-- mig:up\nCREATE TABLE users (id integer PRIMARY KEY, name varchar(10));\nCREATE TABLE posts (id integer PRIMARY KEY, user_id int REFERENCES users (id) ON DELETE CASCADE);\nINSERT INTO users VALUES (1, 'ann');\nINSERT INTO posts VALUES (10, 1);\n"
    const p = project({
      'migrations/20240101000000_init.sql': init,
      'schema.sql':
        'CREATE TABLE users (id integer PRIMARY KEY, name varchar(50) NOT NULL);\nCREATE TABLE posts (id integer PRIMARY KEY, user_id int REFERENCES users (id) ON DELETE CASCADE);\n',
    })
    const w = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql', out: 'migrations/20240102000000_widen', allowDestructive: true }))
    expect(w.code).toBe(0)
    const up = readFileSync(p.path('migrations/20240102000000_widen.up.sql'), 'utf8')
    expect(up.startsWith('-- mig:no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\n')).toBe(true)
    const migrator = await (await createContext({}, createOutput('plain', true), p.dir)).migrator()
    const result = await migrator.up()
    await migrator.close()
    expect(result.ok).toBe(true)
    const db = new Database(p.path('dev.db'), { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM posts').get()).toEqual({ n: 1 })
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'users'").get()).toEqual({ sql: expect.stringContaining('varchar(50) NOT NULL') })
    db.close()
    const again = await run(p, (ctx) => diffCommand(ctx, { to: 'schema.sql' }))
    expect(again.stdout).toBe('No differences\n')
  })

  it('materialises template (.njk) migrations with the project renderer', async () => {
    const p = project({
      'migrations/20240101000000_tables/up.sql.njk': '{% for i in [1, 2] %}CREATE TABLE t{{ i }} (id integer PRIMARY KEY);\n{% endfor %}',
      'schema.sql': 'CREATE TABLE t1 (id integer PRIMARY KEY);\nCREATE TABLE t2 (id integer PRIMARY KEY);\n',
    })
    const r = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql' }))
    expect(r.stdout).toBe('No differences\n')
  })

  it('a failing schema file names the file and line', async () => {
    const p = project({ 'migrations/.keep': '', 'schema.sql': 'CREATE TABLE a (id int);\n\nCREATE TABLE broken (;\n' })
    await expect(run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql' }))).rejects.toThrow(/schema\.sql:3/)
  })
})
