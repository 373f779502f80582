// What a new user meets first, through the built binary: init --database, the database each
// command names, hints (vars., config keys, SQL errors), NO_COLOR, and the run's total time.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { type TempProject, type TestDialect, tempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDriver } from '../src/driver-loader.js'
import { BIN, mig } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

function project(files: Record<string, string> = {}): TempProject {
  const p = tempProject(files)
  cleanups.push(() => p.cleanup())
  return p
}

async function database(dialect: TestDialect): Promise<string> {
  const url = await dialect.createDatabase()
  cleanups.push(() => dialect.dropDatabase(url))
  return url
}

/** A URL as the driver shows it: SQLite as given, servers with the password masked. */
const shown = (url: string) => url.replace(/:\/\/([^:/@]+):[^@]+@/, '://$1:***@')

/** The lines of NDJSON output, parsed. */
const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

for (const dialect of testDialects()) {
  describe(`first steps on ${dialect.name}`, () => {
    it('init --database keeps the URL in mig.toml; status and up then use it and name it', async () => {
      const url = await database(dialect)
      const p = project()
      const init = mig(p.dir, ['init', '--database', url])
      expect(init.code, init.stderr).toBe(0)
      expect(readFileSync(p.path('mig.toml'), 'utf8')).toContain(`url = ${JSON.stringify(url)}`)
      expect(init.stdout).toContain(`History tables ready in ${shown(url)}`)
      expect(init.stderr).not.toContain('warning')

      p.write({ 'migrations/1_users.sql': 'CREATE TABLE users (id int);\n', 'migrations/2_orders.sql': 'CREATE TABLE orders (id int);\n' })
      const status = mig(p.dir, ['status'])
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toMatch(/^VERSION\s+NAME\s+STATUS\s+APPLIED AT\n1\s+users\s+pending\n/)
      expect(status.stderr).toBe(`Database: ${shown(url)} (target dev)\n`)

      const up = mig(p.dir, ['up'])
      expect(up.code, up.stderr).toBe(0)
      expect(up.stdout).toMatch(/^Applying 1_users\.\.\. done \(\d+ms\)\nApplying 2_orders\.\.\. done \(\d+ms\)\nApplied 2 migrations\n$/)
      // first the database, last the total time (MySQL warns about DDL in between)
      expect(up.stderr).toMatch(new RegExp(`^Database: ${escapeRegExp(shown(url))} \\(target dev\\)\\n(warning: .*\\n)*Total: \\d+(ms|\\.\\d\\ds)\\n$`))

      // --json: no Database line, the database is a field of the documents
      const statusJson = mig(p.dir, ['status', '--json'])
      expect(statusJson.stderr).toBe('')
      expect(JSON.parse(statusJson.stdout)).toMatchObject({ target: 'dev', database: shown(url), migrations: [{ status: 'applied' }, { status: 'applied' }] })
      p.write({ 'migrations/3_items.sql': 'CREATE TABLE items (id int);\n' })
      const upJson = mig(p.dir, ['up', '--json'])
      expect(upJson.stderr).toBe('')
      const lines = events(upJson.stdout)
      expect(lines.find((e) => e.event === 'result')).toMatchObject({ ok: true, database: shown(url), target: 'dev' })
      expect(lines.find((e) => e.event === 'done')).toMatchObject({ applied: 1, durationMs: expect.any(Number) })

      // --quiet: nothing at all
      expect(mig(p.dir, ['status', '--quiet'])).toMatchObject({ code: 0, stdout: '', stderr: '' })
      // the URL's origin is named when it is not the target's url
      expect(mig(p.dir, ['status', '--database', url]).stderr).toBe(`Database: ${shown(url)} (target dev, from --database)\n`)
    })
  })
}

describe('init and passwords', () => {
  it.each(testDialects().filter((d) => d.name === 'postgres'))(
    'on $name: the URL is kept as given, a warning says the file holds a password, and no output shows it',
    async (dialect) => {
      // the test server trusts local connections, so any password connects
      const url = dialect.urlWithCredentials(await database(dialect), 'postgres', 'hunter2')
      const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n' })
      const init = mig(p.dir, ['init', '--database', url])
      expect(init.code, init.stderr).toBe(0)
      expect(readFileSync(p.path('mig.toml'), 'utf8')).toContain(`url = ${JSON.stringify(url)}`)
      expect(init.stderr).toContain(
        `warning: mig.toml now holds the password of ${shown(url)}: keep it out of version control, or write url = "\${DATABASE_URL}" and set DATABASE_URL`,
      )
      const runs = [init, mig(p.dir, ['up']), mig(p.dir, ['status']), mig(p.dir, ['up', '--json']), mig(p.dir, ['status', '--json'])]
      for (const r of runs) expect(r.stdout + r.stderr).not.toContain('hunter2')
      expect(runs[2]!.stderr).toBe(`Database: ${shown(url)} (target dev)\n`)
    },
  )

  it('DATABASE_URL: mig.toml refers to the variable instead of copying it', () => {
    const p = project()
    const r = mig(p.dir, ['init'], { DATABASE_URL: `sqlite:${p.path('env.db')}` })
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(p.path('mig.toml'), 'utf8')).toContain('url = "${DATABASE_URL}"')
    expect(r.stderr).toBe(`Database: sqlite:${p.path('env.db')} (target dev, from DATABASE_URL)\n`)
  })

  it('without --database: the SQLite default, as before', () => {
    const p = project()
    expect(mig(p.dir, ['init']).code).toBe(0)
    expect(readFileSync(p.path('mig.toml'), 'utf8')).toContain('url = "sqlite:./dev.db"')
  })
})

describe('hints', () => {
  it('{{ tenant }} with --var tenant=acme: write {{ vars.tenant }}', () => {
    const p = project({ 'migrations/1_t.sql.njk': 'CREATE TABLE t (name text DEFAULT {{ tenant | literal }});\n' })
    const r = mig(p.dir, ['up', '--var', 'tenant=acme'])
    // a template that does not render is an invalid project, found before anything runs
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('undefined variable tenant')
    expect(r.stderr).toContain('hint: variables live under vars.: write {{ vars.tenant }}\n')
    p.write({ 'migrations/1_t.sql.njk': 'CREATE TABLE t (name text DEFAULT {{ vars.tenant | literal }});\n' })
    expect(mig(p.dir, ['up', '--var', 'tenant=acme']).code).toBe(0)
  })

  it('an unknown config key: did you mean', () => {
    const p = project({ 'mig.toml': 'histroy_table = "x"\n[targets.dev]\nurll = "sqlite:./dev.db"\n' })
    const r = mig(p.dir, ['status'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/mig\.toml:1: histroy_table: unknown key \(known: [^)]*\); did you mean "history_table"\?/)
    expect(r.stderr).toMatch(/mig\.toml:3: targets\.dev\.urll: unknown key \(known: [^)]*\); did you mean "url"\?/)
  })

  for (const dialect of testDialects()) {
    it(`a missing table on ${dialect.name}: ${dialect.name === 'sqlite' ? 'no hint is made up' : 'check the order (and search_path)'}`, async () => {
      const url = await database(dialect)
      const p = project({ 'migrations/1_a.sql': 'INSERT INTO missing VALUES (1);\n' })
      const r = mig(p.dir, ['up', '--database', url])
      expect(r.code).toBe(1)
      const hint = /^hint: (.*)$/m.exec(r.stderr)?.[1]
      if (dialect.name === 'sqlite') expect(hint).toBeUndefined()
      else expect(hint).toMatch(dialect.name === 'postgres' ? /migration order \(mig status\) and search_path/ : /migration order \(mig status\)/)
    })
  }

  it.each(testDialects().filter((d) => d.name === 'postgres'))("the server's own hint on $name", async (dialect) => {
    const p = project({ 'migrations/1_a.sql': 'SELECT no_such_function(1);\n' })
    const r = mig(p.dir, ['up', '--database', await database(dialect)])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('hint: No function matches the given name and argument types. You might need to add explicit type casts.\n')
    const json = events(mig(p.dir, ['up', '--json', '--database', await database(dialect)]).stdout)
    expect(json.find((e) => e.event === 'error')).toMatchObject({ error: { hint: expect.stringContaining('No function matches') } })
  })

  it.each(testDialects().filter((d) => d.name === 'mysql'))('a duplicate column on $name: MySQL commits DDL at once, mig resolve', async (dialect) => {
    const url = await database(dialect)
    const p = project({
      'migrations/1_t.sql': 'CREATE TABLE t (id int);\n',
      'migrations/2_c.sql': 'ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ADD COLUMN c int;\n',
    })
    const r = mig(p.dir, ['up', '--database', url])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("Duplicate column name 'c'")
    expect(r.stderr).toMatch(/^hint: MySQL commits each DDL statement at once.*mig resolve 2 --applied.*mig resolve 2 --rolled-back and mig up$/m)
  })

  // A lock held by another session: the migration's own lock timeout gives up
  const lockCases = testDialects()
    .filter((d) => d.name !== 'sqlite')
    .map((d) => ({
      dialect: d,
      hold: d.name === 'postgres' ? ['BEGIN', 'LOCK TABLE t IN ACCESS EXCLUSIVE MODE'] : ['LOCK TABLES t WRITE'],
      migration:
        d.name === 'postgres'
          ? "SET lock_timeout = '300ms';\nALTER TABLE t ADD COLUMN y int;\n"
          : 'SET SESSION lock_wait_timeout = 1;\nALTER TABLE t ADD COLUMN y int;\n',
      hint:
        d.name === 'postgres'
          ? /^hint: another session holds a lock on that table: .*pg_locks/m
          : /^hint: another session holds a lock on that table.*SHOW PROCESSLIST/m,
    }))
  it.each(lockCases)('a lock timeout on $dialect.name says who to look for', async ({ dialect, hold, migration, hint }) => {
    const url = await database(dialect)
    const p = project({ 'migrations/1_t.sql': 'CREATE TABLE t (id int);\n' })
    expect(mig(p.dir, ['up', '--database', url]).code).toBe(0)
    p.write({ 'migrations/2_y.sql': migration })
    const holder = await loadDriver(url, p.dir)
    await holder.connect()
    try {
      for (const sql of hold) await holder.query(sql)
      const r = mig(p.dir, ['up', '--database', url])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/lock/i)
      expect(r.stderr).toMatch(hint)
    } finally {
      await holder.close()
    }
  })
})

/** Run `mig up` on a pseudo-terminal (util-linux `script`) with `env`; the raw screen bytes. */
function upOnTerminal(cwd: string, env: Record<string, string>): string {
  const base: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...env }
  delete base.CI
  for (const k of ['NO_COLOR', 'FORCE_COLOR']) if (!(k in env)) delete base[k]
  const cmd = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} up`
  return spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd, encoding: 'utf8', env: base }).stdout
}

/** An SGR sequence that sets a foreground colour (30-37, 90-97, 38;...). */
const COLOUR = /\x1b\[(3[0-8]|9[0-7])[;m]/

describe('colour and the total time on a terminal', () => {
  const files = { 'migrations/1_a.sql': 'CREATE TABLE a (x int);', 'migrations/2_b.sql': 'CREATE TABLE b (x int);' }
  it('colour by default; NO_COLOR turns it off; FORCE_COLOR wins over NO_COLOR', () => {
    const coloured = upOnTerminal(project(files).dir, {})
    expect(coloured).toMatch(COLOUR)
    const plain = upOnTerminal(project(files).dir, { NO_COLOR: '1' })
    expect(plain).toContain('Applied 2 migrations')
    expect(plain).not.toMatch(COLOUR)
    expect(upOnTerminal(project(files).dir, { NO_COLOR: '1', FORCE_COLOR: '1' })).toMatch(COLOUR)
    // an empty NO_COLOR is not set
    expect(upOnTerminal(project(files).dir, { NO_COLOR: '' })).toMatch(COLOUR)
  })

  it('the summary carries the total time', () => {
    const screen = upOnTerminal(project(files).dir, { NO_COLOR: '1' }).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '')
    expect(screen).toMatch(/Applied 2 migrations \(\d+(ms|\.\d\ds)\)/)
    expect(screen).toMatch(/Database: sqlite:\S+dev\.db \(target dev has no url: the default\)/)
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
