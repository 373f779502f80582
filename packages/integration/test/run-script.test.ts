import { writeFileSync } from 'node:fs'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'

/**
 * `mig run <script>` on every dialect: a templated ad-hoc script's results printed as SQL tests
 * print them, logged with action `run`, never in the history; a failure rolls the script back
 * unless it says `-- mig:no-transaction`; bad input exits 2.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: mig run`, () => {
    it('runs, prints, logs, rolls back on failure, honours -- mig:no-transaction', async () => {
      const url = await dialect.createDatabase()
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nenv = "dev"\n`,
        'migrations/001_t.sql': 'CREATE TABLE t (n INTEGER NOT NULL);\n',
        'components/pick.sql': 'n >= {{ vars.min }}',
        'scripts/fill.sql.njk': 'INSERT INTO t (n) VALUES (1), (2), (3);\nSELECT n FROM t WHERE {% include "pick.sql" %} ORDER BY n;\n',
        'scripts/broken.sql': 'INSERT INTO t (n) VALUES (10);\nSELEC nothing;\n',
        'scripts/loose.sql': '-- mig:no-transaction\nINSERT INTO t (n) VALUES (20);\nSELEC nothing;\n',
      })
      const values = () => withDriver(dialect.name, url, async (d) => (await d.query('SELECT n FROM t ORDER BY n')).map((r) => Number(r.n)))
      const history = () => withDriver(dialect.name, url, async (d) => (await d.query('SELECT version FROM schema_migrations')).map((r) => String(r.version)))
      const log = () =>
        withDriver(dialect.name, url, async (d) =>
          (await d.query("SELECT name, status FROM schema_migrations_log WHERE action = 'run' ORDER BY id")).map((r) => `${r.name} ${r.status}`),
        )
      try {
        expect((await runMig(['up'], p.dir)).code).toBe(0)

        const ok = await runMig(['run', 'scripts/fill.sql.njk', '--var', 'min=2'], p.dir)
        expect(ok.code, ok.stderr).toBe(0)
        expect(ok.stdout).toMatch(/^INSERT INTO t \(n\) VALUES \(1\), \(2\), \(3\);\nINSERT (0 )?3\n\n/)
        expect(ok.stdout).toMatch(/SELECT n FROM t WHERE n >= '?2'? ORDER BY n;\n n\n---\n 2\n 3\n\(2 rows\)\n\n$/)
        expect(ok.stderr).toMatch(/Ran scripts\/fill\.sql\.njk: 2 statements \(\d+ms\), committed/)
        expect(await values()).toEqual([1, 2, 3])

        const broken = await runMig(['run', 'scripts/broken.sql'], p.dir)
        expect(broken.code).toBe(1)
        expect(broken.stdout).toMatch(/SELEC nothing;\nERROR: {2}\S/)
        expect(broken.stderr).toMatch(/Failed scripts\/broken\.sql:2: .*\n {2}rolled back/)
        expect(await values()).toEqual([1, 2, 3])

        const loose = await runMig(['run', 'scripts/loose.sql'], p.dir)
        expect(loose.code).toBe(1)
        expect(loose.stderr).toMatch(/no transaction: the statements before it were kept/)
        expect(await values()).toEqual([1, 2, 3, 20])

        expect(await history()).toEqual(['001'])
        expect(await log()).toEqual(['scripts/fill.sql.njk ok', 'scripts/broken.sql failed', 'scripts/loose.sql failed'])
        const shown = await runMig(['log'], p.dir)
        expect(shown.stdout).toMatch(/ run +run +scripts\/fill\.sql\.njk +ok/)

        const missing = await runMig(['run', 'scripts/nope.sql'], p.dir)
        expect(missing.code).toBe(2)
        expect(missing.stderr).toMatch(/script not found: scripts\/nope\.sql/)
        writeFileSync(p.path('scripts/bad-template.sql.njk'), 'SELECT 1;\nSELECT {{ nope( }};\n')
        const template = await runMig(['run', 'scripts/bad-template.sql.njk'], p.dir)
        expect(template.code).toBe(2)
        expect(template.stderr).toMatch(/scripts\/bad-template\.sql\.njk:2:\d+/)
        expect(await log()).toHaveLength(3)
      } finally {
        await dialect.dropDatabase(url)
        p.cleanup()
      }
    })
  })
}
