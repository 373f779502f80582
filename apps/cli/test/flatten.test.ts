import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type DialectName, tempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDriver } from '../src/driver-loader.js'
import { mig } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

const VARS = 'table = "orders"\nregion = "eu"\nschema = "sales"\n'
const INIT = `CREATE TABLE {{ vars.table | ident }} (id integer NOT NULL PRIMARY KEY, region varchar(20) NOT NULL DEFAULT {{ vars.region }}, note varchar(50));
CREATE VIEW {{ (vars.table ~ "_eu") | ident }} AS SELECT id, region FROM {{ vars.table | ident }} WHERE region = {{ vars.region }};
CREATE TABLE plain_t (id integer NOT NULL PRIMARY KEY, label varchar(20) DEFAULT '{x}');
`
/** A variable naming a schema, on the engines that have schemas inside a database. */
const SCHEMA_SQL: Partial<Record<DialectName, string>> = {
  postgres: `CREATE SCHEMA {{ vars.schema | ident }};
CREATE TABLE {{ vars.schema | ident }}.customers (id integer NOT NULL PRIMARY KEY, region text NOT NULL DEFAULT {{ "region " ~ vars.region }});
COMMENT ON TABLE {{ vars.schema | ident }}.customers IS {{ "customers of " ~ vars.schema }};
CREATE FUNCTION {{ vars.schema | ident }}.customer_count() RETURNS bigint LANGUAGE sql
AS $$ SELECT count(*) FROM {{ vars.schema | ident }}.customers WHERE region = {{ vars.region }} $$;
`,
}

for (const dialect of testDialects()) {
  describe(`mig flatten on ${dialect.name}`, () => {
    it('flattened files rendered with the original values deploy the same schema; the scratch database is dropped', async () => {
      const url = await dialect.createDatabase()
      const url2 = await dialect.createDatabase()
      cleanups.push(
        () => dialect.dropDatabase(url),
        () => dialect.dropDatabase(url2),
      )
      const extra = SCHEMA_SQL[dialect.name]
      const flattenVars = ['table', 'region', ...(extra ? ['schema'] : [])]
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nvars = "vars.toml"\n\n[flatten]\nvars = ${JSON.stringify(flattenVars)}\n`,
        'vars.toml': VARS,
        'migrations/20240101000000_init.sql.njk': INIT + (extra ?? ''),
      })
      cleanups.push(() => p.cleanup())
      const admin = await loadDriver(url, p.dir)
      await admin.connect()
      cleanups.push(() => admin.close())
      const shadowsBefore = await dialect.shadowDatabases(admin)

      expect(mig(p.dir, ['up']).code).toBe(0)
      const original = mig(p.dir, ['dump'])
      expect(original.code, original.stderr).toBe(0)

      const r = mig(p.dir, ['flatten', '--out', 'flat', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
      const order = readFileSync(join(p.dir, 'flat/order.txt'), 'utf8').trim().split('\n')
      expect(doc.files).toEqual(order)
      expect(order).toContain('default/table/orders.sql.njk')
      expect(order).toContain('default/view/orders_eu.sql.njk')
      expect(order).toContain('default/table/plain_t.sql')
      const table = readFileSync(join(p.dir, 'flat/default/table/orders.sql.njk'), 'utf8')
      expect(table).toContain('{{ vars.table | ident }}')
      expect(table).toContain('{{ vars.region }}')
      expect(table).not.toMatch(/\bmig[0-9a-f]{16}\b/)
      expect(readFileSync(join(p.dir, 'flat/default/view/orders_eu.sql.njk'), 'utf8')).toContain('{{ (vars.table ~ "_eu") | ident }}')
      if (extra) {
        const customers = readFileSync(join(p.dir, 'flat/sales/table/customers.sql.njk'), 'utf8')
        expect(customers).toContain('{{ vars.schema | ident }}')
        expect(customers).toContain('{{ "region " ~ vars.region }}')
        expect(customers).toContain('{{ "customers of " ~ vars.schema }}')
        expect(order).toContain('sales/schema/sales.sql.njk')
        const fn = readFileSync(join(p.dir, 'flat/sales/function/customer_count.sql.njk'), 'utf8')
        expect(fn).toContain('FROM {{ vars.schema | ident }}.customers WHERE region = {{ vars.region }}')
      }

      // the flattened files, included in dependency order by one migration of a second project
      const q = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url2}"\nvars = "vars.toml"\n`,
        'vars.toml': VARS,
        'migrations/20240101000000_all.sql.njk': order.map((f) => `{% include "flat/${f}" %}\n`).join(''),
      })
      cleanups.push(() => q.cleanup())
      cpSync(join(p.dir, 'flat'), join(q.dir, 'components/flat'), { recursive: true })
      const up = mig(q.dir, ['up'])
      expect(up.code, up.stderr).toBe(0)
      const again = mig(q.dir, ['dump'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toBe(original.stdout)

      // every scratch database made meanwhile is gone (other suites' come and go)
      const leaked = async () => (await dialect.shadowDatabases(admin)).filter((d) => !shadowsBefore.includes(d))
      for (let i = 0; i < 50 && (await leaked()).length; i++) await new Promise((f) => setTimeout(f, 200))
      expect(await leaked()).toEqual([])
    })

    it('refuses a variable that does not appear, a folder that is not empty; drops the scratch database when a migration fails', async () => {
      const url = await dialect.createDatabase()
      cleanups.push(() => dialect.dropDatabase(url))
      const p = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\nvars = "vars.toml"\n\n[flatten]\nvars = ["table", "unused_var"]\n`,
        'vars.toml': VARS,
        'migrations/20240101000000_init.sql.njk': 'CREATE TABLE {{ vars.table | ident }} (id integer);\n',
        'taken/keep.txt': 'mine',
      })
      cleanups.push(() => p.cleanup())
      const missing = mig(p.dir, ['flatten', '--out', 'flat'])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain('vars.unused_var does not appear in the deployed schema')
      expect(existsSync(join(p.dir, 'flat'))).toBe(false)

      const taken = mig(p.dir, ['flatten', '--out', 'taken'])
      expect(taken.code).toBe(2)
      expect(taken.stderr).toContain('taken is not empty')
      expect(readdirSync(join(p.dir, 'taken'))).toEqual(['keep.txt'])

      const bad = tempProject({
        'mig.toml': `[targets.dev]\nurl = "${url}"\n`,
        'migrations/20240101000000_init.sql': 'CREATE TABLE t (id integer);\nSELECT * FROM nowhere;\n',
      })
      cleanups.push(() => bad.cleanup())
      const admin = await loadDriver(url, bad.dir)
      await admin.connect()
      cleanups.push(() => admin.close())
      const before = await dialect.shadowDatabases(admin)
      const failed = mig(bad.dir, ['flatten', '--out', 'flat'])
      expect(failed.code).not.toBe(0)
      expect(failed.stderr).toContain('nowhere')
      const leaked = async () => (await dialect.shadowDatabases(admin)).filter((d) => !before.includes(d))
      for (let i = 0; i < 50 && (await leaked()).length; i++) await new Promise((f) => setTimeout(f, 200))
      expect(await leaked()).toEqual([])
    })
  })
}
