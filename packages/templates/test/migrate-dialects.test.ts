/**
 * End to end on every dialect: a templated migration with components, tricky values and a secret,
 * applied by core through the real driver, read back from the database; then pinned and re-rendered.
 */
import { createMigrator, directory, type Driver } from '@mig/core'
import { mysql } from '@mig/driver-mysql'
import { postgres } from '@mig/driver-postgres'
import { sqlite } from '@mig/driver-sqlite'
import { type DialectName, randomName, type TempProject, tempProject, testDialects } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRenderer, pin } from '../src/index.js'

const VALUES = ["O'Brien", 'back\\slash\\', "\\'; DROP TABLE t; --", '$$ $x$ */ /* -- #', 'line\nbreak\r\ttab', '😀 ß 中文 \u2028', "'')", '']

const DRIVERS: Record<DialectName, (url: string) => Driver> = {
  sqlite: (url) => sqlite({ url }),
  postgres: (url) => postgres({ url }),
  mysql: (url) => mysql({ url }),
}

let project: TempProject
beforeAll(() => {
  project = tempProject({
    'components/table.sql.njk': 'CREATE TABLE {{ name | ident }} (id integer, v varchar(200), s varchar(200));\n',
    'components/rows.sql.njk':
      '{% for v in vars.values %}INSERT INTO {{ name | ident }} (id, v, s) VALUES ({{ loop.index0 | raw }}, {{ v }}, {{ secret("MIG_E2E_SECRET") }});\n{% endfor %}',
    'migrations/20240101000000_values/up.sql.njk': '{% set name = vars.table %}{% include "table.sql" %}{% include "rows.sql" %}',
    'migrations/20240101000000_values/down.sql.njk': 'DROP TABLE {{ vars.table | ident }};',
  })
})
afterAll(() => project.cleanup())

for (const d of testDialects()) {
  describe(`templated migration on ${d.name}`, () => {
    let url: string
    beforeAll(async () => {
      url = await d.createDatabase(randomName('mig_tpl_e2e'))
    })
    afterAll(() => d.dropDatabase(url))

    it('applies escaped values exactly, stores the secret masked, and renders pinned after an edit', async () => {
      const vars = { table: 'we"ird `t\'', values: VALUES }
      const environment = { MIG_E2E_SECRET: "s3cr'et\\" }
      const driver = DRIVERS[d.name](url)
      const renderer = createRenderer({
        root: project.dir,
        dialect: driver.dialect,
        vars,
        environment,
        backslashEscapes: () => driver.capabilities.backslashEscapes,
      })
      const migrator = createMigrator({
        driver,
        sources: [directory(project.path('migrations'))],
        render: renderer.render,
        redact: (t) => renderer.maskSecrets(t),
      })
      try {
        const result = await migrator.up()
        expect(result.error).toBeUndefined()
        const q = renderer.escaper.identifier([vars.table])
        const rows = await driver.query(`SELECT id, v, s FROM ${q} ORDER BY id`)
        expect(rows.map((r) => r.v)).toEqual(VALUES)
        expect(rows.every((r) => r.s === environment.MIG_E2E_SECRET)).toBe(true)
        const log = await driver.query('SELECT sql_text FROM schema_migrations_log')
        const text = log.map((r) => String(r.sql_text)).join('\n')
        expect(text).toContain('***')
        expect(text).not.toContain('s3cr')
        // pin, change a component: the pinned render (the default with a lock) is what ran
        const [m] = await migrator.discover()
        const before = await renderer.renderMigration(m!)
        await pin(renderer, m!)
        const after = createRenderer({ root: project.dir, dialect: driver.dialect, vars, environment })
        project.write({ 'components/table.sql.njk': 'CREATE TABLE {{ name | ident }} (id bigint);\n' })
        const fresh = (await createMigrator({ driver, sources: [directory(project.path('migrations'))] }).discover())[0]!
        expect(await after.renderMigration(fresh)).toBe(before)
        expect(await after.renderMigration(fresh, { pinned: 'never' })).toContain('(id bigint)')
        project.write({ 'components/table.sql.njk': 'CREATE TABLE {{ name | ident }} (id integer, v varchar(200), s varchar(200));\n' })
        expect((await migrator.down()).error).toBeUndefined()
      } finally {
        await migrator.close()
        project.write({ 'components/table.sql.njk': 'CREATE TABLE {{ name | ident }} (id integer, v varchar(200), s varchar(200));\n' })
        const { rmSync } = await import('node:fs')
        rmSync(project.path('migrations/20240101000000_values/lock.toml'), { force: true })
      }
    })
  })
}
