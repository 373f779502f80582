import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type TempProject, tempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, mig } from './helpers.js'

// An unreachable server: mig lint reads files only, so it must not matter
const PG_URL = 'postgres://nobody@127.0.0.1:1/none'
const MYSQL_URL = 'mysql://nobody@127.0.0.1:1/none'

const projects: TempProject[] = []
afterAll(() => {
  for (const p of projects) p.cleanup()
})
function project(url: string, files: Record<string, string>): TempProject {
  const p = tempProject({ 'mig.toml': `[targets.dev]\nurl = "${url}"\n`, ...files })
  projects.push(p)
  return p
}

const PG_FILES = {
  'migrations/20240101000000_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email ON users (email);\n',
  'migrations/20240102000000_index.sql': [
    '-- mig:lint-ignore require-lock-timeout the app role sets lock_timeout',
    '',
    'CREATE INDEX users_email2 ON users (email);',
    'ALTER TABLE users ADD COLUMN org bigint REFERENCES orgs (id);',
    '-- mig:lint-ignore ban-drop-column unused since release 12',
    'ALTER TABLE users DROP COLUMN legacy;',
    '',
  ].join('\n'),
  // rendered before linting: the raw template does not parse
  'migrations/20240103000000_concurrent.sql.njk':
    "SET lock_timeout = '2s';\n{% if true %}CREATE INDEX CONCURRENTLY users_email3 ON users (email);{% endif %}\n",
  // single file with sections: lines are the file's; the down script is not linted
  'migrations/20240104000000_rename.sql':
    "-- mig:up\nSET lock_timeout = '2s';\n\nALTER TABLE users RENAME COLUMN email TO mail;\n-- mig:down\nDROP TABLE users;\n",
  'migrations/20240105000000_code.ts': 'export async function up() {}\n',
}

describe('mig lint on a PostgreSQL project (no server)', () => {
  const p = project(PG_URL, PG_FILES)

  it('text: every finding with file:line:col, severity, rule, message, statement and fix; exit 1 on errors', () => {
    const r = mig(p.dir, ['lint'])
    expect(r.code, r.stderr).toBe(1)
    const findings = r.stdout.split('\n').filter((line) => /^\S+:\d+:\d+ {2}/.test(line))
    expect(findings).toEqual([
      'migrations/20240102000000_index.sql:3:1  error  require-concurrent-index  CREATE INDEX on users without CONCURRENTLY blocks writes to the table until the index is built',
      'migrations/20240102000000_index.sql:4:1  error  constraint-missing-not-valid  adding the foreign key on users without NOT VALID checks every row while holding a lock that blocks writes',
      'migrations/20240103000000_concurrent.sql.njk:2:1  error  concurrently-in-transaction  CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and this migration runs in one: add -- mig:no-transaction to its header',
      'migrations/20240104000000_rename.sql:4:1  error  ban-rename  renaming column users.email to mail breaks code that still uses the old name',
    ])
    expect(r.stdout).toContain('  CREATE INDEX users_email2 ON users (email)\n  fix: CREATE INDEX CONCURRENTLY')
    expect(r.stdout).toContain('4 errors, 0 warnings in 4 files (2 accepted by lint-ignore)')
  })

  it('json: one document with findings, accepted findings and their reasons, skipped code migrations', () => {
    const r = mig(p.dir, ['lint', '--format', 'json'])
    expect(r.code).toBe(1)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({ ok: false, engine: 'postgres', errors: 4, warnings: 0 })
    expect(doc.files.map((f: { file: string }) => f.file)).toEqual([
      'migrations/20240101000000_init.sql',
      'migrations/20240102000000_index.sql',
      'migrations/20240103000000_concurrent.sql.njk',
      'migrations/20240104000000_rename.sql',
    ])
    expect(doc.files[1].ignored.map((f: { rule: string; reason: string; line: number }) => [f.rule, f.line, f.reason])).toEqual([
      ['require-lock-timeout', 3, 'the app role sets lock_timeout'],
      ['ban-drop-column', 6, 'unused since release 12'],
    ])
    expect(doc.skipped).toEqual([{ file: 'migrations/20240105000000_code.ts', migration: '20240105000000_code', reason: 'code migration' }])
    // the global --json prints the same document
    expect(JSON.parse(mig(p.dir, ['lint', '--json']).stdout)).toEqual(doc)
  })

  it('github: ::error annotations with file, line, col and the rule as title (paths from GITHUB_WORKSPACE)', () => {
    const r = mig(p.dir, ['lint', '--format', 'github', 'migrations/20240104000000_rename.sql'], { GITHUB_WORKSPACE: p.path('..') })
    expect(r.code).toBe(1)
    const name = p.dir.split('/').pop()
    expect(r.stdout.split('\n')[0]).toBe(
      `::error file=${name}/migrations/20240104000000_rename.sql,line=4,col=1,title=ban-rename::renaming column users.email to mail breaks code that still uses the old name%0Afix: add the new name beside the old (a new column or a view), move code over, then drop the old one`,
    )
  })

  it('paths narrow to files and folders; a clean selection exits 0', () => {
    const clean = mig(p.dir, ['lint', 'migrations/20240101000000_init.sql'])
    expect(clean.code, clean.stdout).toBe(0)
    expect(clean.stdout).toBe('No problems in 1 file\n')
    p.write({ 'sql/extra.sql': '-- mig:no-transaction\nSET lock_timeout = 1000;\nCREATE INDEX CONCURRENTLY i ON t (a);\n' })
    expect(mig(p.dir, ['lint', 'sql/extra.sql']).stdout).toBe('No problems in 1 file\n')
    expect(mig(p.dir, ['lint', 'migrations']).code).toBe(1)
  })

  it('usage errors exit 2: a missing path, a folder without migrations, an unknown format', () => {
    expect(mig(p.dir, ['lint', 'nope.sql'])).toMatchObject({ code: 2, stderr: expect.stringContaining('nope.sql does not exist') })
    p.write({ 'empty/README.md': 'x' })
    expect(mig(p.dir, ['lint', 'empty'])).toMatchObject({ code: 2, stderr: expect.stringContaining('holds none of the project’s migrations') })
    expect(mig(p.dir, ['lint', '--format', 'xml'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--format takes text, json or github') })
  })

  it("needs no URL of the target: --database names the engine when the target's variable is unset", () => {
    const q = project(PG_URL, { 'migrations/1_a.sql': 'DROP TABLE old;\n' })
    q.write({ 'mig.toml': '[targets.dev]\nurl = "${LINT_TEST_UNSET_URL}"\n' })
    expect(mig(q.dir, ['lint']).code).toBe(2)
    const r = mig(q.dir, ['lint', '--database', 'postgres://ci/none', '--format', 'json'])
    expect(r.code, r.stderr).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({
      engine: 'postgres',
      errors: 1,
      files: [{ findings: [{ rule: 'ban-drop-table' }, { rule: 'require-lock-timeout' }] }],
    })
  })

  it('warnings alone exit 0', () => {
    const q = project(PG_URL, { 'migrations/1_a.sql': 'ALTER TABLE users ADD COLUMN note text;\n' })
    const r = mig(q.dir, ['lint'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('migrations/1_a.sql:1:1  warning  require-lock-timeout  ALTER TABLE on users waits for its lock with no lock_timeout set')
    expect(r.stdout).toContain('0 errors, 1 warning in 1 file')
  })

  it('secrets of templates never reach the report', () => {
    const q = project(PG_URL, {
      'migrations/1_a.sql.njk': 'SET lock_timeout = \'1s\';\nALTER TABLE users ADD CONSTRAINT c CHECK (note <> {{ secret("LINT_SECRET") }});\n',
    })
    const r = mig(q.dir, ['lint'], { LINT_SECRET: 'hunter2' })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('constraint-missing-not-valid')
    expect(r.stdout).toContain("CHECK (note <> '***')")
    expect(r.stdout).not.toContain('hunter2')
  })

  it('a template that cannot render (a secret missing in CI) is reported as not linted; the rest is linted', () => {
    const q = project(PG_URL, {
      'migrations/1_a.sql.njk': 'SELECT {{ secret("LINT_UNSET_SECRET") }};\n',
      'migrations/2_b.sql': 'DROP TABLE old;\n',
    })
    const r = mig(q.dir, ['lint'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^migrations\/1_a\.sql\.njk {2}not linted {2}not rendered: .*LINT_UNSET_SECRET/m)
    expect(r.stdout).toContain('1 error, 1 warning in 1 file; 1 not rendered, not linted')
    const doc = JSON.parse(mig(q.dir, ['lint', '--json']).stdout)
    expect(doc.skipped).toMatchObject([{ file: 'migrations/1_a.sql.njk', unrendered: true, reason: expect.stringContaining('not rendered') }])
    expect(mig(q.dir, ['lint', '--format', 'github']).stdout).toContain('::warning file=migrations/1_a.sql.njk,title=not linted::not rendered: ')
  })

  it('a lint-ignore without a reason is an error', () => {
    const q = project(PG_URL, { 'migrations/1_a.sql': "SET lock_timeout = '1s';\n-- mig:lint-ignore ban-drop-table\nDROP TABLE old;\n" })
    const r = mig(q.dir, ['lint', '--format', 'json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).files[0].findings).toMatchObject([{ rule: 'invalid-lint-ignore', line: 2, message: expect.stringContaining('needs a reason') }])
  })
})

describe('mig lint on a MySQL project (no server)', () => {
  const p = project(MYSQL_URL, {
    'migrations/1_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, email varchar(100));\nALTER TABLE users MODIFY email varchar(200);\n',
    'migrations/2_widen.sql':
      'SET SESSION lock_wait_timeout = 5;\n# a comment\nALTER TABLE users MODIFY email varchar(300) NOT NULL;\nALTER TABLE users ADD COLUMN note text, ALGORITHM=INSTANT;\n',
    'migrations/3_rename.sql': 'RENAME TABLE `users` TO `people`;\nCREATE INDEX people_email ON people (email);\n',
  })

  it('mysql-copy-alter, lock_wait_timeout and renames; PostgreSQL rules stay off', () => {
    const r = mig(p.dir, ['lint', '--format', 'json'])
    expect(r.code, r.stderr).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.engine).toBe('mysql')
    const found = doc.files.flatMap((f: { file: string; findings: { rule: string; line: number; severity: string }[] }) =>
      f.findings.map((finding) => `${f.file}:${finding.line} ${finding.severity} ${finding.rule}`),
    )
    expect(found).toEqual([
      'migrations/2_widen.sql:3 error mysql-copy-alter',
      'migrations/3_rename.sql:1 error ban-rename',
      'migrations/3_rename.sql:1 warning require-lock-timeout',
    ])
  })

  it('text and github formats', () => {
    expect(mig(p.dir, ['lint', 'migrations/2_widen.sql']).stdout).toContain(
      'migrations/2_widen.sql:3:1  error  mysql-copy-alter  ALTER TABLE users: MODIFY COLUMN email copies the table when it changes the column',
    )
    const gh = mig(p.dir, ['lint', '--format', 'github', 'migrations/3_rename.sql'], { GITHUB_WORKSPACE: undefined })
    expect(gh.stdout).toContain('::error file=migrations/3_rename.sql,line=1,col=1,title=ban-rename::')
    expect(gh.stdout).toContain('::warning file=migrations/3_rename.sql,line=1,col=1,title=require-lock-timeout::')
  })
})

const TRACE = fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url))
const traced = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } })

describe("PostgreSQL's parser loads only for mig lint on a PostgreSQL project", () => {
  it('the tracer sees it there (test/lazy-ui.test.ts checks that --version, status and up never load it)', () => {
    const r = traced(project(PG_URL, { 'migrations/1_a.sql': 'SELECT 1;\n' }).dir, ['lint'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('LOADED libpg-query')
  })
  it('not for SQLite', () => {
    const r = traced(project('sqlite:./dev.db', { 'migrations/1_a.sql': 'SELECT 1;\n' }).dir, ['lint'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('LOADED')
  })
})

// What lint accepts runs, with its lint-ignore comments; what concurrently-in-transaction reports fails
const LINT_CLEAN: Record<string, Record<string, string>> = {
  postgres: {
    'migrations/1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email ON users (email);\n',
    'migrations/2_index.sql':
      "-- mig:no-transaction\n-- mig:lint-ignore ban-drop-column never read since release 3\n\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email2 ON users (email);\n-- mig:lint-ignore ban-rename nothing reads it yet\nALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users DROP COLUMN mail;\n",
  },
  mysql: {
    'migrations/1_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, email varchar(100));\n',
    'migrations/2_widen.sql':
      '-- mig:lint-ignore ban-drop-column never read since release 3\n\nSET SESSION lock_wait_timeout = 5;\nALTER TABLE users MODIFY email varchar(200), ALGORITHM=INPLACE;\n-- mig:lint-ignore ban-rename nothing reads it yet\nALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users DROP COLUMN mail;\n',
  },
}

for (const dialect of testDialects().filter((d) => d.name in LINT_CLEAN)) {
  describe(`on ${dialect.name}: what mig lint accepts, mig up applies`, () => {
    it('lint exits 0, then up applies the migrations with their lint-ignore comments', async () => {
      const url = await dialect.createDatabase()
      try {
        const p = project(url, LINT_CLEAN[dialect.name]!)
        const lint = mig(p.dir, ['lint'])
        expect(lint.code, lint.stdout).toBe(0)
        expect(lint.stdout).toBe('No problems in 2 files (2 accepted by lint-ignore)\n')
        const up = mig(p.dir, ['up'])
        expect(up.code, up.stderr).toBe(0)
        if (dialect.name !== 'postgres') return
        // the statement concurrently-in-transaction reports is one PostgreSQL refuses
        p.write({ 'migrations/3_bad.sql': "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n" })
        expect(JSON.parse(mig(p.dir, ['lint', '--json', 'migrations/3_bad.sql']).stdout).files[0].findings[0].rule).toBe('concurrently-in-transaction')
        const bad = mig(p.dir, ['up'])
        expect(bad.code).toBe(1)
        expect(bad.stderr).toContain('cannot run inside a transaction block')
      } finally {
        await dialect.dropDatabase(url)
      }
    })
  })
}
