import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { mysqlAdmin, pgAdmin, testDialects } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMig } from './cli.js'
import { DRIVERS } from './drivers.js'
import { leftoverCopies, type SqlTestProject, sqlTestProject } from './sql-tests-helpers.js'

// Capability-gated cases are not registered at all on dialects they do not apply to (never reported as skipped).
const notForThisDialect = (() => {}) as unknown as typeof it
const itOn = (applies: boolean): typeof it => (applies ? it : notForThisDialect)

// Session b waits for the main script's row lock, and the main script waits for b: the run hangs
// (until --session-timeout) with both sessions connected to the copy.
const HANG = `BEGIN;
UPDATE users SET name = 'main' WHERE id = 1;
{% session "b" %}
UPDATE users SET name = 'b' WHERE id = 1;
{% endsession %}
{% wait "b" %}
`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Copies made by `mig test` and `mig test migrations` on every dialect: always dropped, `--keep` keeps them. */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: mig test copies`, () => {
    let url: string
    let project: SqlTestProject
    beforeAll(async () => {
      url = await dialect.createDatabase()
      project = await sqlTestProject(url, { 'tests/hang/test.sql': HANG, 'tests/one/test.sql': 'SELECT COUNT(*) AS n FROM users;\n' })
    })
    afterAll(async () => {
      project?.cleanup()
      await dialect.dropDatabase(url)
    })

    it('Ctrl-C drops the copy and exits 130', async () => {
      const { child, done } = startMig(['test', 'run', 'hang'], project.dir, { TMPDIR: project.tmp })
      const until = Date.now() + 20_000
      while ((await leftoverCopies(dialect, project)).length === 0) {
        if (Date.now() > until) throw new Error('no copy appeared')
        await sleep(50)
      }
      // let the script reach its wait
      await sleep(500)
      child.kill('SIGINT')
      const r = await done
      expect(r.code).toBe(130)
      expect(r.stderr).toContain('Interrupted: dropping the test databases...')
      expect(await leftoverCopies(dialect, project)).toEqual([])
    })

    it('a session that never finishes fails the test after --session-timeout, and the copy is dropped', async () => {
      const r = await project.mig(['test', 'run', 'hang', '--session-timeout', '1s'])
      expect(r.code).toBe(1)
      expect(r.stdout).toContain('-- session b did not finish within 1 s')
      expect(r.stdout).toMatch(/^FAIL hang \(\d+ms\): session b did not finish within 1 s$/m)
      expect(await leftoverCopies(dialect, project)).toEqual([])
    })

    it('--keep leaves the copy and prints its name', async () => {
      const r = await project.mig(['test', 'run', 'one', '--keep'])
      expect(r.code).toBe(0)
      const kept = /^Kept: (.+)$/m.exec(r.stdout)?.[1]
      expect(kept).toBeTruthy()
      const left = await leftoverCopies(dialect, project)
      expect(left.map((n) => join(project.tmp, n)).concat(left)).toContain(kept)
      if (dialect.name === 'postgres') await pgAdmin(`DROP DATABASE "${kept}" WITH (FORCE)`)
      else if (dialect.name === 'mysql') await mysqlAdmin(`DROP DATABASE \`${kept}\``)
      else rmSync(kept!, { force: true })
    })

    itOn(dialect.name === 'postgres')('a busy template is a clear error naming its sessions (exit 2); --from-migrations builds the copy instead', async () => {
      const holder = DRIVERS.postgres(url, { applicationName: 'holder_app' })
      await holder.connect()
      try {
        const pid = (await holder.query('SELECT pg_backend_pid() AS pid'))[0]!.pid
        const busy = await project.mig(['test', 'run', 'one'])
        expect(busy.code).toBe(2)
        expect(busy.stderr).toMatch(new RegExp(`cannot copy database ".+": 1 session is connected to it: pid ${pid} \\(application holder_app, user postgres`))
        expect(busy.stderr).toContain('pass --from-migrations')
        const built = await project.mig(['test', 'run', 'one', '--from-migrations'])
        expect(built.code).toBe(0)
        expect(built.stdout).toContain(' n\n---\n 1\n(1 row)\n')
      } finally {
        await holder.close()
      }
      expect(await leftoverCopies(dialect, project)).toEqual([])
    })

    it('mig test migrations reports each down that does not restore the schema, and goes on', async () => {
      const bad = await sqlTestProject(await dialect.createDatabase(), {
        'migrations/20240102000000_orders.up.sql': 'CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n',
        'migrations/20240102000000_orders.down.sql': 'SELECT 1;\n',
        'migrations/20240103000000_tags.up.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);\n',
        'migrations/20240103000000_tags.down.sql': 'DROP TABLE tags;\n',
        'migrations/20240104000000_notes.sql': 'CREATE TABLE notes (id INTEGER);\n',
      })
      try {
        const r = await bad.mig(['test', 'migrations'])
        expect(r.stderr).toBe('')
        expect(r.code).toBe(1)
        expect(r.stdout).toMatch(/^ok {3}20240101000000_users$/m)
        expect(r.stdout).toMatch(
          /^FAIL 20240102000000_orders: down does not restore the schema\n {2}after up and down, compared with before up:\n {4}.*orders/m,
        )
        expect(r.stdout).toMatch(/^ok {3}20240103000000_tags$/m)
        expect(r.stdout).toMatch(/^skip 20240104000000_notes \(no down\)$/m)
        expect(r.stdout).toMatch(/^2 passed, 1 failed, 1 without a down$/m)
        expect(await leftoverCopies(dialect, bad)).toEqual([])
        const good = await project.mig(['test', 'migrations'])
        expect(good.code).toBe(0)
        expect(good.stdout).toMatch(/^1 passed, 0 failed$/m)
      } finally {
        bad.cleanup()
        await dialect.dropDatabase(bad.url)
      }
    })

    itOn(dialect.name === 'postgres')('pgTAP: each assertion is reported, a not ok fails the test without an expected file', async () => {
      project.write({
        'tests/tap/test.sql': `CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(3);
SELECT ok(true, 'truth');
SELECT is((SELECT COUNT(*)::int FROM users), 1, 'one user');
SELECT is(2, 3, 'two is three');
SELECT * FROM finish();
`,
      })
      try {
        const r = await project.mig(['test', 'compare', 'tap'])
        expect(r.code).toBe(1)
        expect(r.stdout).toMatch(/^FAIL tap \(\d+ms\): not ok 3 - two is three$/m)
        expect(r.stdout).toContain('  ok 1 - truth\n  ok 2 - one user\n  not ok 3 - two is three\n')
        project.write({ 'tests/tap/test.sql': "CREATE EXTENSION IF NOT EXISTS pgtap;\nSELECT plan(1);\nSELECT ok(true, 'truth');\nSELECT * FROM finish();\n" })
        const ok = await project.mig(['test', 'compare', 'tap'])
        expect(ok.code).toBe(0)
        expect(ok.stdout).toMatch(/^ok {3}tap \(\d+ms\)\n {2}ok 1 - truth$/m)
      } finally {
        rmSync(project.path('tests/tap'), { recursive: true, force: true })
      }
    })
  })
}
