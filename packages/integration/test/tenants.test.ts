import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'
import { LEDGERS, readHistory, readTenant, tenantDatabase, tenantParts, tenantProject } from './tenant-helpers.js'

/**
 * Schema per tenant through the built CLI, on every dialect: shared and tenant parts in every
 * form, `tenant create` catching up without ever re-running a shared part, fleet status, down for
 * one tenant, drop, bad input refused with nothing written, and `--continue-on-error`.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: tenants`, () => {
    it('runs shared parts once and tenant parts in every tenant; a new tenant catches up with tenant parts only', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, {
        ...LEDGERS,
        // folder form, templated: the tenant's name and schema reach the SQL
        'migrations/002_folder/up.sql': "INSERT INTO ledger (v) VALUES ('002');\n",
        'migrations/002_folder/tenant.up.sql.njk':
          'CREATE TABLE names (name VARCHAR(60), sch VARCHAR(200));\nINSERT INTO names VALUES ({{ tenant.name }}, {{ tenant.schema }});\n',
        'migrations/002_folder/tenant.down.sql': 'DROP TABLE names;\n',
        // flat form, tenant part only
        'migrations/003_flat.tenant.up.sql': "CREATE TABLE t3 (id INTEGER);\nINSERT INTO tledger (v) VALUES ('003');\n",
        'migrations/003_flat.tenant.down.sql': "DROP TABLE t3;\nDELETE FROM tledger WHERE v = '003';\n",
        // a whole plain file as a tenant part
        'migrations/004_scoped.sql':
          "-- mig:scope tenant\n-- mig:up\nCREATE TABLE t4 (id INTEGER);\nINSERT INTO tledger (v) VALUES ('004');\n-- mig:down\nDROP TABLE t4;\nDELETE FROM tledger WHERE v = '004';\n",
        // a shared migration without a tenant part
        'migrations/005_shared.sql': "INSERT INTO ledger (v) VALUES ('005');\n",
      })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      try {
        const created = await mig('tenant', 'create', 'acme', 'beta')
        expect(created.code, created.stderr).toBe(0)
        expect(created.stdout).toContain('Created tenant acme')
        const up = await mig('up')
        expect(up.code, up.stderr).toBe(0)
        expect(up.stdout).toMatch(/^Applying 001_ledgers\.\.\. done/m)
        expect(up.stdout).toMatch(/^\[acme\] Applying 001_ledgers\.\.\. done \(\d+ms\)$/m)
        expect(up.stdout).toMatch(/^\[beta\] Applying 004_scoped\.\.\. done/m)
        expect(up.stdout).toContain('2 tenants, 8 migrations applied, 0 failed')
        // a new tenant: tenant parts of every applied migration, in order; the shared ledger untouched
        const late = await mig('tenant', 'create', 'gamma')
        expect(late.code, late.stderr).toBe(0)
        expect(late.stdout).not.toMatch(/^Applying/m)
        expect(late.stdout.match(/^\[gamma\] Applying (\S+)\.\.\./gm)).toEqual([
          '[gamma] Applying 001_ledgers...',
          '[gamma] Applying 002_folder...',
          '[gamma] Applying 003_flat...',
          '[gamma] Applying 004_scoped...',
        ])
        await withDriver(dialect.name, db.url, async (d) => {
          const shared = (await d.query('SELECT v FROM ledger ORDER BY v')).map((r) => String(r.v))
          expect(shared, 'each shared part ran exactly once').toEqual(['001', '002', '005'])
          const history = await readHistory(d)
          expect([...history.get('shared')!.keys()].sort()).toEqual(['001', '002', '003', '004', '005'])
          for (const t of ['acme', 'beta', 'gamma'])
            expect([...history.get(`tenant:${t}`)!.entries()].sort()).toEqual(['001', '002', '003', '004'].map((v) => [v, 'applied']))
        })
        for (const t of ['acme', 'beta', 'gamma']) {
          const state = await readTenant(dialect.name, db, t)
          expect(state.tables).toEqual(expect.arrayContaining(['tledger', 'names', 't3', 't4']))
          expect([...state.ledger.entries()].sort()).toEqual([
            ['001', 1],
            ['003', 1],
            ['004', 1],
          ])
          const names = await withDriver(dialect.name, db.tenantUrl(t), (d) => d.query('SELECT name, sch FROM names'))
          expect(names).toEqual([{ name: t, sch: db.schemaPattern.replace('{name}', t) }])
        }
        // fleet status: a row per tenant, one JSON document
        const status = await mig('status', '--all-tenants', '--json')
        expect(status.code, status.stderr).toBe(0)
        const doc = JSON.parse(status.stdout)
        expect(
          doc.tenants.map((r: { tenant: string; applied: number; pending: number; failed: number; lastVersion: string }) => [
            r.tenant,
            r.applied,
            r.pending,
            r.failed,
            r.lastVersion,
          ]),
        ).toEqual([
          ['acme', 4, 0, 0, '004'],
          ['beta', 4, 0, 0, '004'],
          ['gamma', 4, 0, 0, '004'],
        ])
        // down for one tenant: its last tenant part, newest first
        const down = await mig('down', '--tenant', 'gamma', '2')
        expect(down.code, down.stderr).toBe(0)
        expect(down.stdout.match(/^\[gamma\] Rolling back (\S+)\.\.\. done/gm)).toEqual([
          '[gamma] Rolling back 004_scoped... done',
          '[gamma] Rolling back 003_flat... done',
        ])
        // one tenant at a time
        const refused = await mig('down', '--all-tenants')
        expect(refused.code).toBe(2)
        const again = await mig('up', '--tenant', 'gamma')
        expect(again.code, again.stderr).toBe(0)
        expect(again.stdout).toContain('1 tenant, 2 migrations applied, 0 failed')
        const list = await mig('tenant', 'list', '--json')
        expect(JSON.parse(list.stdout).tenants.map((t: { name: string }) => t.name)).toEqual(['acme', 'beta', 'gamma'])
        const dropped = await mig('tenant', 'drop', 'gamma', '--confirm')
        expect(dropped.code, dropped.stderr).toBe(0)
        await withDriver(dialect.name, db.url, async (d) => expect((await readHistory(d)).has('tenant:gamma')).toBe(false))
        const after = await mig('tenant', 'list', '--json')
        expect(JSON.parse(after.stdout).tenants.map((t: { name: string }) => t.name)).toEqual(['acme', 'beta'])
        // a no-op run over up-to-date tenants
        const noop = await mig('up')
        expect(noop.code, noop.stderr).toBe(0)
        expect(noop.stdout).toContain('2 tenants: no pending tenant migrations')
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('refuses bad input with exit 2 and writes nothing', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS, ...tenantParts(1) })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      try {
        const unsafe = await mig('tenant', 'create', 'ok_name', 'Bad-Name')
        expect(unsafe.code).toBe(2)
        expect(unsafe.stderr).toContain('not a safe tenant name: "Bad-Name"')
        for (const args of [
          ['up', '--shard', '0/3'],
          ['up', '--shard', '4/3'],
          ['up', '--tenant', 'nobody'],
          ['tenant', 'drop', 'nobody', '--confirm'],
          ['status', '--shard', '2/1'],
        ]) {
          const run = await mig(...args)
          expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2)
        }
        // nothing written: no history table, no registry, no tenant schema
        await withDriver(dialect.name, db.url, async (d) => {
          expect(d.tableExists ? await d.tableExists('schema_migrations') : false).toBe(false)
          expect(await d.tenancy!.existing([db.schemaPattern.replace('{name}', 'ok_name')])).toEqual(new Set())
        })
        // a schema that exists but is not registered
        const ok = await mig('tenant', 'create', 'first')
        expect(ok.code, ok.stderr).toBe(0)
        await withDriver(dialect.name, db.url, (d) => d.tenancy!.create(db.schemaPattern.replace('{name}', 'stray')))
        const stray = await mig('tenant', 'create', 'stray')
        expect(stray.code).toBe(2)
        expect(stray.stderr).toContain('already exists but is not a registered tenant')
        expect(stray.stderr).toContain('--adopt-existing')
        const adopted = await mig('tenant', 'create', 'stray', '--adopt-existing')
        expect(adopted.code, adopted.stderr).toBe(0)
        expect((await mig('up')).code).toBe(0)
        // a tenant part using a variable one tenant lacks: refused before any shared part runs
        p.write({ 'migrations/010_vars.sql.njk': "INSERT INTO ledger (v) VALUES ('010');\n-- mig:tenant-up\nCREATE TABLE v{{ vars.size }} (id INTEGER);\n" })
        p.write({ 'vars/tenants/first.toml': 'size = 1\n' })
        const undefinedVar = await mig('up')
        expect(undefinedVar.code).toBe(2)
        expect(undefinedVar.stderr).toMatch(/tenant stray: .*undefined variable vars\.size/)
        await withDriver(dialect.name, db.url, async (d) => {
          expect((await d.query(`SELECT v FROM ledger WHERE v = '010'`)).length, 'the shared part did not run').toBe(0)
        })
        p.write({ 'vars/tenants/stray.toml': 'size = 2\n' })
        const fixed = await mig('up')
        expect(fixed.code, fixed.stderr).toBe(0)
        expect((await readTenant(dialect.name, db, 'stray')).tables).toContain('v2')
        expect((await readTenant(dialect.name, db, 'first')).tables).toContain('v1')
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('refuses tenant parts in a project without [tenants]', async () => {
      const { tempProject } = await import('@mig/test-utils')
      const p = tempProject({ ...LEDGERS })
      try {
        const validate = await runMig(['validate', '--offline'], p.dir)
        expect(validate.code).toBe(2)
        expect(validate.stderr).toContain('has a tenant part, but this project has no [tenants]')
        const url = await dialect.createDatabase()
        try {
          const up = await runMig(['up', '--database', url], p.dir)
          expect(up.code).toBe(2)
          expect(up.stderr).toContain('has a tenant part, but this project has no [tenants]')
        } finally {
          await dialect.dropDatabase(url)
        }
      } finally {
        p.cleanup()
      }
    })

    it('stops at a failed tenant and at a failed canary; --continue-on-error lets the others go on and names the failed one with its error', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      const names = ['aaa', 'bad', 'ccc', 'ddd', 'eee']
      try {
        const created = await mig('tenant', 'create', ...names)
        expect(created.code, created.stderr).toBe(0)
        p.write({
          'migrations/002_risky.tenant.up.sql.njk':
            "{% if tenant.name == 'bad' %}SELECT * FROM no_such_table;{% endif %}\nINSERT INTO tledger (v) VALUES ('002');\n",
          'migrations/003_after.tenant.up.sql': "INSERT INTO tledger (v) VALUES ('003');\n",
        })
        const stopped = await mig('up', '--concurrency', '1')
        expect(stopped.code).toBe(1)
        expect(stopped.stdout).toMatch(/^5 tenants, 4 migrations applied, 1 failed$/m)
        expect(stopped.stdout).toMatch(/^not started \(the run stopped\): ccc, ddd, eee$/m)
        // a canary that fails stops the run before the others, even with --continue-on-error
        const canary = await mig('up', '--canary', '2', '--continue-on-error', '--concurrency', '2')
        expect(canary.code).toBe(1)
        expect(canary.stdout).toMatch(/^5 tenants, 0 migrations applied, 1 failed$/m)
        expect(canary.stdout).toMatch(/^not started \(the run stopped\): ccc, ddd, eee$/m)
        const run = await mig('up', '--continue-on-error', '--concurrency', '2')
        expect(run.code, run.stdout + run.stderr).toBe(1)
        expect(run.stdout).toMatch(/^5 tenants, 9 migrations applied, 1 failed$/m)
        expect(run.stdout).toMatch(/^ {2}bad: .*no_such_table/m)
        for (const t of names) {
          const ledger = (await readTenant(dialect.name, db, t)).ledger
          expect([...ledger.keys()].sort(), t).toEqual(t === 'bad' ? ['001'] : ['001', '002', '003'])
        }
      } finally {
        p.cleanup()
        await db.drop()
      }
    })
  })
}
