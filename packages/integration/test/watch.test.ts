import { writeFileSync } from 'node:fs'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, withDriver } from './cli.js'
import { DRIVERS } from './drivers.js'

/** How long a watch may take to react to a file write before the test fails. */
const DEADLINE_MS = 15_000

/** Poll `text()` until it matches `pattern` (after `from` characters), or fail at the deadline. */
async function waitFor(text: () => string, pattern: RegExp, from = 0): Promise<string> {
  const until = Date.now() + DEADLINE_MS
  for (;;) {
    const seen = text().slice(from)
    const m = pattern.exec(seen)
    if (m) return m[0]
    if (Date.now() > until) throw new Error(`no ${pattern} within ${DEADLINE_MS} ms in:\n${text()}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const BASE = (filterInclude: string, columns = 'id, name, score') =>
  `DROP VIEW IF EXISTS base;\nCREATE VIEW base AS SELECT ${columns} FROM users WHERE ${filterInclude};\n`

/**
 * `mig watch` driven by real file writes against a real database: an edited repeatable is
 * re-applied; an edited component re-applies the repeatable that includes it; a broken edit leaves
 * the previous state, names file:line and the watch goes on; SIGINT stops it (130).
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: mig watch`, () => {
    it('re-applies edited repeatables and components, keeps the state on a broken edit, stops on SIGINT', async () => {
      const url = await dialect.createDatabase()
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nenv = "dev"\n`,
        'migrations/001_users.sql':
          "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(20), score INTEGER);\nINSERT INTO users VALUES (1, 'ann', 5), (2, 'bob', 9);\n",
        'components/filter.sql': 'score > 1',
        'migrations/R__base.sql.njk': BASE('{% include "filter.sql" %}'),
        'migrations/R__top.sql': 'DROP VIEW IF EXISTS top;\nCREATE VIEW top AS SELECT id, name FROM base;\n',
      })
      const count = (view: string) => withDriver(dialect.name, url, async (d) => Number((await d.query(`SELECT COUNT(*) AS n FROM ${view}`))[0]!.n))
      const historyRows = () => withDriver(dialect.name, url, async (d) => Number((await d.query('SELECT COUNT(*) AS n FROM schema_migrations_log'))[0]!.n))
      const up = await runMig(['up'], p.dir)
      expect(up.code, up.stderr).toBe(0)
      const { transactionalDdl } = DRIVERS[dialect.name](url).capabilities
      const watch = startMig(['watch', '--debounce', '50'], p.dir)
      let out = ''
      watch.child.stdout!.on('data', (d) => {
        out += d
      })
      watch.child.stderr!.on('data', (d) => {
        out += d
      })
      try {
        await waitFor(() => out, /Watching migrations, components/)
        await waitFor(() => out, /Nothing to re-apply/)
        expect(await count('top')).toBe(2)

        // a repeatable edited
        let mark = out.length
        writeFileSync(p.path('migrations/R__top.sql'), 'DROP VIEW IF EXISTS top;\nCREATE VIEW top AS SELECT id, name FROM base WHERE id = 2;\n')
        await waitFor(() => out, /Re-applied R__top \(\d+ms\)/, mark)
        expect(await count('top')).toBe(1)

        // a component edited: the repeatable that includes it
        mark = out.length
        writeFileSync(p.path('components/filter.sql'), 'score > 6')
        await waitFor(() => out, /Re-applied R__base \(\d+ms\)/, mark)
        expect(await count('base')).toBe(1)

        // a broken edit: reported with file:line, the previous state kept, nothing recorded
        const logged = await historyRows()
        mark = out.length
        writeFileSync(p.path('migrations/R__base.sql.njk'), `${BASE('score > 0')}CREATE VIEW broken AS SELEC nothing;\n`)
        await waitFor(() => out, /Failed R__base: .* at migrations\/R__base\.sql\.njk:3/, mark)
        if (transactionalDdl) {
          await waitFor(() => out, /rolled back: the database is as it was/, mark)
          expect(await count('base')).toBe(1)
          expect(await historyRows()).toBe(logged)
        } else expect(out.slice(mark)).not.toMatch(/rolled back/)

        // a template error: file:line:col
        mark = out.length
        writeFileSync(p.path('migrations/R__base.sql.njk'), `${BASE('score > 0')}{{ nope( }}\n`)
        await waitFor(() => out, /Failed.*migrations\/R__base\.sql\.njk:3:\d+/, mark)

        // fixed: applied, and the watch went on
        mark = out.length
        writeFileSync(p.path('migrations/R__base.sql.njk'), BASE('score > 0'))
        await waitFor(() => out, /Re-applied R__base/, mark)
        expect(await count('base')).toBe(2)
        if (transactionalDdl) expect(await historyRows()).toBe(logged + 1)

        // a column change under a dependent view: the dependent is dropped and re-created with it
        if (typeof DRIVERS[dialect.name](url).dependentObjects === 'function') {
          mark = out.length
          writeFileSync(p.path('migrations/R__base.sql.njk'), BASE('score > 0', 'id, name, score * 10 AS points'))
          await waitFor(() => out, /re-created view public\.top \(uses public\.base\)/, mark)
          expect(await count('top')).toBe(1)
          const cols = await withDriver(dialect.name, url, (d) => d.query(`SELECT points FROM base ORDER BY id`))
          expect(cols.map((r) => Number(r.points))).toEqual([50, 90])

          // a function re-created under a view mig does not manage: the view's saved definition comes back
          const fn = (k: number) =>
            `DROP FUNCTION IF EXISTS score(integer);\nCREATE FUNCTION score(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x * ${k};\n`
          mark = out.length
          writeFileSync(p.path('migrations/R__score.sql'), fn(2))
          await waitFor(() => out, /Applied R__score \(\d+ms\)/, mark)
          await withDriver(dialect.name, url, (d) => d.query('CREATE VIEW scored AS SELECT id, score(id) AS s FROM users'))
          mark = out.length
          writeFileSync(p.path('migrations/R__score.sql'), fn(3))
          await waitFor(() => out, /re-created view public\.scored \(uses public\.score\)/, mark)
          const scored = await withDriver(dialect.name, url, (d) => d.query('SELECT s FROM scored ORDER BY id'))
          expect(scored.map((r) => Number(r.s))).toEqual([3, 6])
        }
      } finally {
        watch.child.kill('SIGINT')
        const done = await watch.done
        expect(done.code, out).toBe(130)
        expect(done.stderr).toMatch(/stopped/)
        await dialect.dropDatabase(url)
        p.cleanup()
      }
    })

    it('--once applies what is stale and exits; refused on production', async () => {
      const url = await dialect.createDatabase()
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nenv = "dev"\n[targets.live]\nurl = "${url}"\nenv = "production"\n`,
        'migrations/R__v.sql': 'CREATE VIEW v AS SELECT 1 AS one;\n',
      })
      try {
        const first = await runMig(['watch', '--once'], p.dir)
        expect(first.code, first.stderr).toBe(0)
        expect(first.stdout).toMatch(/^Applied R__v \(\d+ms\)$/m)
        const again = await runMig(['watch', '--once'], p.dir)
        expect(again.stdout).toMatch(/Nothing to re-apply/)
        const live = await runMig(['watch', '--target', 'live'], p.dir)
        expect(live.code).toBe(2)
        expect(live.stderr).toMatch(/refused on target live \(env production\)/)
        const missing = await runMig(['watch', '--target', 'nowhere'], p.dir)
        expect(missing.code).toBe(2)
        expect(missing.stderr).toMatch(/nowhere/)
      } finally {
        await dialect.dropDatabase(url)
        p.cleanup()
      }
    })
  })
}
