import { writeFileSync } from 'node:fs'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig } from './cli.js'

/**
 * `mig components status` names the database objects that use what a changed component creates:
 * a view built on the view a component defines (PostgreSQL through pg_depend, the others by name
 * in the view definitions).
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: components status with dependent objects`, () => {
    it('names the view that uses a view from a changed component', async () => {
      const url = await dialect.createDatabase()
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nenv = "dev"\n`,
        'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, score INTEGER);\n',
        'components/score.sql': 'CREATE VIEW scores AS SELECT id, score FROM users;\n',
        'migrations/002_scores.sql.njk': '{% include "score.sql" %}\n',
        'migrations/003_active.sql': 'CREATE VIEW active_users AS SELECT id FROM scores WHERE score > 1;\nCREATE VIEW unrelated AS SELECT id FROM users;\n',
      })
      try {
        expect((await runMig(['pin', '002'], p.dir)).code).toBe(0)
        const up = await runMig(['up'], p.dir)
        expect(up.code, up.stderr).toBe(0)
        const clean = await runMig(['components', 'status'], p.dir)
        expect(clean.stdout).toBe('All 1 components are pinned\n')

        writeFileSync(p.path('components/score.sql'), 'CREATE VIEW scores AS SELECT id, score * 2 AS score FROM users;\n')
        const status = await runMig(['components', 'status'], p.dir)
        expect(status.code, status.stderr).toBe(0)
        expect(status.stdout).toMatch(
          /^changed {3}components\/score\.sql\n {10}view (\w+\.)?active_users uses (\w+\.)?scores from components\/score\.sql, changed since it was pinned\n1 of 1 components not in any pin\n$/,
        )
        const json = await runMig(['components', 'status', '--json'], p.dir)
        const doc = JSON.parse(json.stdout.trim().split('\n').at(-1)!)
        expect(doc.components[0].dependents.map((d: { name: string }) => d.name.replace(/^\w+\./, ''))).toEqual(['active_users'])
      } finally {
        await dialect.dropDatabase(url)
        p.cleanup()
      }
    })
  })
}
