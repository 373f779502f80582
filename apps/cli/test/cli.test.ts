import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tempProject, type TempProject } from '@mig/test-utils'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, mig, stable } from './helpers.js'

let projects: TempProject[] = []
function project(files: Record<string, string> = {}): TempProject {
  const p = tempProject(files)
  projects.push(p)
  return p
}
afterEach(() => {
  for (const p of projects) p.cleanup()
  projects = []
})

const USERS = '-- mig:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- mig:down\nDROP TABLE users;\n'
const EMAIL = '-- mig:up\nALTER TABLE users ADD COLUMN email TEXT;\n-- mig:down\nALTER TABLE users DROP COLUMN email;\n'

describe('mig on the embedded SQLite default', () => {
  it('init -> new -> up -> status -> down, with the exact plain lines', () => {
    const p = project()
    const init = mig(p.dir, ['init'])
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('Created mig.toml')
    expect(readFileSync(p.path('mig.toml'), 'utf8')).toContain('url = "sqlite:./dev.db"')
    const db = new Database(p.path('dev.db'), { readonly: true })
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual(
      expect.arrayContaining([{ name: 'schema_migrations' }, { name: 'schema_migrations_log' }, { name: 'schema_migrations_meta' }]),
    )
    db.close()

    const created = mig(p.dir, ['new', 'create', 'users'])
    expect(created.code).toBe(0)
    const file = readdirSync(p.path('migrations'))[0]!
    expect(file).toMatch(/^\d{14}_create_users\.sql$/)
    expect(created.stdout).toBe(`Created migrations/${file}\n`)
    const version = file.slice(0, 14)
    p.write({ [`migrations/${file}`]: USERS, 'migrations/29990101000000_add_email.sql': EMAIL })

    expect(mig(p.dir, ['up', '--dry-run']).stdout).toBe(`Would apply: ${version}_create_users\nWould apply: 29990101000000_add_email\n`)
    const up = mig(p.dir, ['up'])
    expect(up.code).toBe(0)
    expect(stable(up.stdout)).toBe(`Applying ${version}_create_users... done (Xms)\nApplying 29990101000000_add_email... done (Xms)\nApplied 2 migrations\n`)
    expect(mig(p.dir, ['up']).stdout).toBe('No pending migrations\n')

    const status = mig(p.dir, ['status'])
    const lines = status.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^VERSION\s+NAME\s+STATUS\s+APPLIED AT$/)
    expect(lines[1]).toMatch(new RegExp(`^${version}\\s+create_users\\s+applied\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`))

    const down = mig(p.dir, ['down'])
    expect(stable(down.stdout)).toBe('Rolling back 29990101000000_add_email... done (Xms)\nRolled back 1 migration\n')
    expect(mig(p.dir, ['status']).stdout).toMatch(/29990101000000\s+add_email\s+pending/)
  })

  it('--json prints NDJSON events and status prints one document', () => {
    const p = project({ 'migrations/1_users.sql': USERS })
    const up = mig(p.dir, ['up', '--json'])
    expect(up.code).toBe(0)
    const events = up.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(events.map((e) => e.event)).toEqual(['lock:acquired', 'plan', 'migration:start', 'migration:applied', 'done', 'result'])
    expect(events[3]).toMatchObject({ migration: { id: '1_users', version: '1' }, direction: 'up' })
    const status = JSON.parse(mig(p.dir, ['status', '--json']).stdout)
    expect(status.migrations).toEqual([expect.objectContaining({ version: '1', name: 'users', status: 'applied', kind: 'versioned' })])
  })

  it('--quiet prints nothing on success', () => {
    const p = project({ 'migrations/1_users.sql': USERS })
    const up = mig(p.dir, ['up', '--quiet'])
    expect(up).toMatchObject({ code: 0, stdout: '', stderr: '' })
  })

  it('up N, --to, --only, down N, down --to', () => {
    const p = project({
      'migrations/1_a.sql': 'CREATE TABLE a (x int);\n-- mig:down\nDROP TABLE a;',
      'migrations/2_b.sql': 'CREATE TABLE b (x int);\n-- mig:down\nDROP TABLE b;',
      'migrations/3_c.sql': 'CREATE TABLE c (x int);\n-- mig:down\nDROP TABLE c;',
    })
    expect(mig(p.dir, ['up', '1']).stdout).toContain('Applied 1 migration\n')
    expect(mig(p.dir, ['up', '--to', '2']).stdout).toContain('Applying 2_b')
    expect(mig(p.dir, ['down', '--to', '1']).stdout).toContain('Rolling back 2_b')
    expect(mig(p.dir, ['up', '--only', '3', '--allow-out-of-order']).stdout).toContain('Applying 3_c')
    const down = mig(p.dir, ['down', '--to', '2'])
    expect(down.code).toBe(2)
    expect(down.stderr).toContain('version 2 is not applied')
    expect(mig(p.dir, ['down', '2']).stdout).toContain('Rolled back 2 migrations')
  })

  it('a failing migration: exit 1, file:line, nothing recorded, later migrations not run', () => {
    const p = project({
      'migrations/1_ok.sql': 'CREATE TABLE ok (x int);',
      'migrations/2_bad.sql': 'CREATE TABLE t (x int);\n\nINSERT INTO missing VALUES (1);\n',
      'migrations/3_later.sql': 'CREATE TABLE later (x int);',
    })
    const up = mig(p.dir, ['up'])
    expect(up.code).toBe(1)
    expect(stable(up.stdout)).toBe('Applying 1_ok... done (Xms)\nApplying 2_bad... failed (Xms)\nApplied 1 migration, 1 failed\n')
    expect(up.stderr).toContain('2_bad.sql:3): no such table: missing')
    const db = new Database(p.path('dev.db'), { readonly: true })
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('t', 'later')").all()).toEqual([])
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: '1' }])
    expect(db.prepare("SELECT version, action, status FROM schema_migrations_log WHERE status = 'failed'").all()).toEqual([
      { version: '2', action: 'apply', status: 'failed' },
    ])
    db.close()
  })

  it('a migration changed after it was applied is modified and stops up (exit 1)', () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
    expect(mig(p.dir, ['up']).code).toBe(0)
    p.write({ 'migrations/1_a.sql': 'CREATE TABLE a (x int, y int);', 'migrations/2_b.sql': 'CREATE TABLE b (x int);' })
    expect(mig(p.dir, ['status']).stdout).toMatch(/1\s+a\s+modified/)
    const up = mig(p.dir, ['up'])
    expect(up.code).toBe(1)
    expect(up.stderr).toContain('changed after being applied: 1_a')
    expect(mig(p.dir, ['validate']).code).toBe(1)
  })

  it('validate checks pins: a corrupted pinned object fails it (exit 1)', () => {
    const p = project({ 'migrations/1_v/up.sql.njk': "{% include 'one.sql' %}\n", 'components/one.sql': 'CREATE TABLE one (x int);\n' })
    expect(mig(p.dir, ['pin', '1']).code).toBe(0)
    expect(mig(p.dir, ['validate', '--offline']).stdout).toBe('OK: 1 migration valid\n')
    const objects = readdirSync(p.path('pinned'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    expect(objects).toHaveLength(1)
    p.write({ [`pinned/${objects[0]!.parentPath.split('/pinned/')[1]}/${objects[0]!.name}`]: 'tampered' })
    const r = mig(p.dir, ['validate', '--offline'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/lock\.toml: .*(hash|match)/i)
  })

  it('CRLF checkouts do not change checksums', () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);\nSELECT 1;\n' })
    expect(mig(p.dir, ['up']).code).toBe(0)
    p.write({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);\r\nSELECT 1;\r\n' })
    expect(mig(p.dir, ['validate']).stdout).toBe('OK: 1 migration valid\n')
  })

  it('fresh drops everything and re-applies; production needs --confirm', () => {
    const p = project({
      'migrations/1_a.sql': 'CREATE TABLE a (x int);',
      'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\n[targets.prod]\nurl = "sqlite:./prod.db"\nenv = "production"\n',
    })
    expect(mig(p.dir, ['up']).code).toBe(0)
    const db = new Database(p.path('dev.db'))
    db.exec('CREATE TABLE stray (x int)')
    db.close()
    expect(stable(mig(p.dir, ['fresh']).stdout)).toBe('Applying 1_a... done (Xms)\nApplied 1 migration\n')
    const after = new Database(p.path('dev.db'), { readonly: true })
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'stray'").all()).toEqual([])
    after.close()
    const refused = mig(p.dir, ['fresh', '--target', 'prod'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('the target env is production')
    expect(mig(p.dir, ['fresh', '--target', 'prod', '--confirm']).code).toBe(0)
  })

  it('refuses when the database env differs from the target env', () => {
    const p = project({
      'migrations/1_a.sql': 'CREATE TABLE a (x int);',
      'mig.toml': '[targets.dev]\nurl = "sqlite:./db.db"\nenv = "dev"\n[targets.prod]\nurl = "sqlite:./db.db"\nenv = "production"\n',
    })
    expect(mig(p.dir, ['up', '--target', 'prod']).code).toBe(0)
    const up = mig(p.dir, ['up'])
    expect(up.code).toBe(2)
    expect(up.stderr).toContain('this database says it is production; your target says dev')
  })
})

describe('bad input: a clear message, exit 2, nothing written', () => {
  const cases: [string, Record<string, string>, string[], RegExp][] = [
    ['two migrations with one version', { 'migrations/1_a.sql': 'x', 'migrations/1_b.sql': 'y' }, ['up'], /1_b\.sql: version 1 is also used by .*1_a\.sql/],
    ['a .down without its .up', { 'migrations/1_a.down.sql': 'x' }, ['up'], /1_a\.down\.sql: down migration without its up/],
    ['a name that does not parse', { 'migrations/2024_.sql': 'x', 'migrations/create.sql': 'y' }, ['up'], /create\.sql: SQL file without a version/],
    ['invalid TOML', { 'mig.toml': 'migrations = [\n' }, ['up'], /mig\.toml:\d+:\d+: invalid TOML/],
    ['an unknown config key', { 'mig.toml': 'migrations = ["migrations"]\nhistory = "x"\n' }, ['up'], /mig\.toml:2: history: unknown key/],
    ['a URL with an unknown scheme', {}, ['up', '--database', 'oracle://scott:tiger@db/x'], /no driver for "oracle:" URLs \(oracle:\/\/scott:\*\*\*@db\/x\)/],
    [
      'an unreachable database',
      { 'migrations/1_a.sql': 'SELECT 1;' },
      ['up', '--database', 'postgres://app:s3cret@127.0.0.1:1/app'],
      /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app/,
    ],
    ['down --to a version that is not applied', { 'migrations/1_a.sql': 'SELECT 1;' }, ['down', '--to', '1'], /version 1 is not applied/],
    ['an unknown target', {}, ['up', '--target', 'staging'], /targets\.staging: no such target/],
    ['a missing migrations folder', {}, ['up'], /migrations: migrations folder does not exist \(run mig init/],
    ['a bad --lock-timeout', {}, ['up', '--lock-timeout', 'soon'], /--lock-timeout takes a duration/],
  ]
  for (const [what, files, args, message] of cases) {
    it(what, () => {
      const p = project(files)
      const r = mig(p.dir, args)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toContain('s3cret')
      expect(r.stderr).not.toContain('tiger')
      expect(r.code).toBe(2)
      if (readdirSync(p.dir).includes('dev.db')) {
        // down --to must read the history to refuse; opening SQLite creates the file, but no table is written
        const db = new Database(p.path('dev.db'), { readonly: true })
        expect(db.prepare('SELECT name FROM sqlite_master').all()).toEqual([])
        db.close()
      }
    })
  }

  it('broken migration files: status and up do not even create the SQLite database file', () => {
    const p = project({ 'migrations/1_a.sql': 'x', 'migrations/1_b.sql': 'y' })
    for (const command of ['status', 'up']) {
      const r = mig(p.dir, [command])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/version 1 is also used by/)
      expect(readdirSync(p.dir)).not.toContain('dev.db')
    }
  })

  it('unknown command and option are usage errors', () => {
    const p = project()
    expect(mig(p.dir, ['upp']).code).toBe(2)
    expect(mig(p.dir, ['up', '--bogus']).code).toBe(2)
  })
})

describe('locking', () => {
  it('a second runner waits for the lock and gives up after --lock-timeout with exit 3', async () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
    const { acquireSqliteLockForTest } = await import('./lock-holder.js')
    const release = await acquireSqliteLockForTest(p.path('dev.db'))
    try {
      const r = mig(p.dir, ['up', '--lock-timeout', '300ms'])
      expect(r.code).toBe(3)
      expect(r.stderr).toMatch(/could not acquire the migration lock within 300ms; held by pid \d+/)
      expect(r.stdout).not.toContain('Applying')
    } finally {
      await release()
    }
    expect(mig(p.dir, ['up']).code).toBe(0)
  })
})

describe('--version', () => {
  it('prints the version', () => {
    const r = mig(process.cwd(), ['--version'])
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})

describe('a reader that stops early', () => {
  it('mig status | head: no EPIPE trace, the exit code is the run’s', () => {
    const files: Record<string, string> = {}
    // ~120 KB of status lines: more than a pipe holds, so the writes meet the closed pipe
    for (let i = 1; i <= 2000; i++) files[`migrations/${String(i).padStart(6, '0')}_create_a_table_with_a_long_name_${i}.sql`] = `CREATE TABLE t${i} (x int);`
    const p = project(files)
    const r = spawnSync(
      'bash',
      ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} status 2>stderr.txt | head -c 100 >/dev/null; echo "exit \${PIPESTATUS[0]}"`],
      { cwd: p.dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
    )
    expect(r.stdout.trim()).toBe('exit 0')
    // only the line naming the database: no EPIPE trace
    expect(readFileSync(p.path('stderr.txt'), 'utf8')).toMatch(/^Database: sqlite:\S+dev\.db \(target dev has no url: the default\)\n$/)
  })
})

describe('the package import entry (dist/main.js)', () => {
  it('runs the CLI in-process: main(argv) returns the exit code', async () => {
    const { main } = (await import(new URL('../dist/main.js', import.meta.url).href)) as typeof import('../src/main.js')
    const chunks: string[] = []
    const stream = { write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream
    expect(await main(['--version'], { streams: { stdout: stream, stderr: stream } })).toBe(0)
    expect(chunks.join('')).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})
