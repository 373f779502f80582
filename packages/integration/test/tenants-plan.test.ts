import { advisoryKey } from '@mig/driver-postgres'
import { lockName } from '@mig/driver-mysql'
import type { Driver } from '@mig/core'
import { type DialectName, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'
import { LEDGERS, readHistory, readTenant, type TenantDatabase, tenantDatabase, tenantParts, tenantProject } from './tenant-helpers.js'

/**
 * Fleet safety rules through the built CLI on every dialect: `mig up --dry-run` lists the tenant
 * parts; a tenant part changed after it was applied is reported and stops `up`; a shared down waits
 * for the tenants to roll back their parts; `tenant drop` waits for the tenant's lock.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: tenant plans`, () => {
    it('up --dry-run lists the tenant parts each tenant would run and writes nothing', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      try {
        const created = await mig('tenant', 'create', 'acme', 'beta')
        expect(created.code, created.stderr).toBe(0)
        // 001 applied everywhere; 002 and 003 pending: 002's shared part would apply first
        expect((await mig('up')).code).toBe(0)
        p.write({ ...tenantParts(2) })
        const dry = await mig('up', '--dry-run')
        expect(dry.code, dry.stderr).toBe(0)
        expect(dry.stdout.match(/^Would apply: .*$/gm)).toEqual([
          'Would apply: 002_part2',
          'Would apply: 003_part3',
          'Would apply: [acme] 002_part2',
          'Would apply: [acme] 003_part3',
          'Would apply: [beta] 002_part2',
          'Would apply: [beta] 003_part3',
        ])
        expect(dry.stdout).toContain('2 tenants: 4 tenant migrations would be applied')
        // selectors narrow the plan; --json gives one event per tenant part
        const one = await mig('up', '--dry-run', '--tenant', 'beta', '--json')
        expect(one.code, one.stderr).toBe(0)
        const events = one.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
          .filter((e) => e.event === 'tenant-planned')
        expect(events.map((e) => [e.tenant, e.migration])).toEqual([
          ['beta', '002_part2'],
          ['beta', '003_part3'],
        ])
        // nothing written: no shared row, no tenant row, no tenant table
        await withDriver(dialect.name, db.url, async (d) => {
          const history = await readHistory(d)
          expect([...history.get('shared')!.keys()]).toEqual(['001'])
          expect([...history.get('tenant:acme')!.keys()]).toEqual(['001'])
        })
        for (const t of ['acme', 'beta']) expect((await readTenant(dialect.name, db, t)).tables).not.toContain('t2')
        // up to date: the dry run says so
        expect((await mig('up')).code).toBe(0)
        const none = await mig('up', '--dry-run')
        expect(none.code, none.stderr).toBe(0)
        expect(none.stdout).not.toMatch(/^Would apply/m)
        expect(none.stdout).toContain('2 tenants: no pending tenant migrations')
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('reports a tenant part changed after it was applied and refuses to run up for that tenant', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, {
        ...LEDGERS,
        ...tenantParts(1),
        'migrations/003_sized.tenant.up.sql.njk': 'CREATE TABLE s{{ vars.size }} (id INTEGER);\n',
        'vars/tenants/acme.toml': 'size = 1\n',
        'vars/tenants/beta.toml': 'size = 1\n',
      })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      const modified = async () => {
        const status = await mig('status', '--all-tenants', '--json')
        expect(status.code, status.stderr).toBe(0)
        return JSON.parse(status.stdout).tenants.map((r: { tenant: string; modified: number }) => [r.tenant, r.modified])
      }
      try {
        expect((await mig('tenant', 'create', 'acme', 'beta')).code).toBe(0)
        expect((await mig('up')).code).toBe(0)
        expect(await modified()).toEqual([
          ['acme', 0],
          ['beta', 0],
        ])
        // a templated part renders differently for beta only: beta's 003 is modified
        p.write({ 'vars/tenants/beta.toml': 'size = 2\n', 'migrations/004_next.tenant.up.sql': 'CREATE TABLE t4 (id INTEGER);\n' })
        expect(await modified()).toEqual([
          ['acme', 0],
          ['beta', 1],
        ])
        const table = await mig('status', '--all-tenants')
        expect(table.stdout).toMatch(/MODIFIED/)
        const refused = await mig('up')
        expect(refused.code, refused.stderr).toBe(1)
        expect(refused.stderr).toContain('tenant parts changed after being applied: 003_sized in tenant beta')
        expect(refused.stderr).not.toContain('in tenant acme')
        // nothing ran, not even the shared part of 004
        await withDriver(dialect.name, db.url, async (d) => expect((await readHistory(d)).get('shared')!.has('004')).toBe(false))
        // another tenant is not held back
        const acme = await mig('up', '--tenant', 'acme')
        expect(acme.code, acme.stderr).toBe(0)
        expect((await readTenant(dialect.name, db, 'acme')).tables).toContain('t4')
        // a plain part edited: every tenant that applied it
        p.write({ 'vars/tenants/beta.toml': 'size = 1\n', 'migrations/002_part2.tenant.up.sql': 'CREATE TABLE t2 (id INTEGER NOT NULL, x INTEGER);\n' })
        expect(await modified()).toEqual([
          ['acme', 1],
          ['beta', 1],
        ])
        const both = await mig('up')
        expect(both.code).toBe(1)
        expect(both.stderr).toContain('002_part2 in tenant acme; 002_part2 in tenant beta')
        expect((await readTenant(dialect.name, db, 'beta')).tables).not.toContain('t4')
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('refuses a shared down while the tenant part of that migration is applied in some tenant', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, {
        ...LEDGERS,
        'migrations/002_both.sql':
          "-- mig:up\nINSERT INTO ledger (v) VALUES ('002');\n-- mig:down\nDELETE FROM ledger WHERE v = '002';\n" +
          '-- mig:tenant-up\nCREATE TABLE t2 (id INTEGER);\n-- mig:tenant-down\nDROP TABLE t2;\n',
        'migrations/003_shared.sql': "-- mig:up\nINSERT INTO ledger (v) VALUES ('003');\n-- mig:down\nDELETE FROM ledger WHERE v = '003';\n",
      })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      const shared = () => withDriver(dialect.name, db.url, async (d) => [...(await readHistory(d)).get('shared')!.keys()].sort())
      try {
        expect((await mig('tenant', 'create', 'acme', 'beta')).code).toBe(0)
        expect((await mig('up')).code).toBe(0)
        // 003 has no tenant part: its shared down runs
        const one = await mig('down')
        expect(one.code, one.stderr).toBe(0)
        expect(await shared()).toEqual(['001', '002'])
        // 002's tenant part is applied in both tenants: refused, nothing rolled back
        const refused = await mig('down')
        expect(refused.code).toBe(2)
        expect(refused.stderr).toContain('tenant part is still applied in tenants: 002_both (acme, beta)')
        expect((await mig('down', '--dry-run')).code).toBe(2)
        expect(await shared()).toEqual(['001', '002'])
        expect((await mig('down', '--tenant', 'acme')).code).toBe(0)
        const still = await mig('down')
        expect(still.code).toBe(2)
        expect(still.stderr).toContain('002_both (beta)')
        expect((await mig('down', '--tenant', 'beta')).code).toBe(0)
        const done = await mig('down')
        expect(done.code, done.stderr).toBe(0)
        expect(await shared()).toEqual(['001'])
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('tenant drop waits for the tenant lock a fleet run holds', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      const schema = db.schemaPattern.replace('{name}', 'acme')
      const exists = () => withDriver(dialect.name, db.url, async (d) => (await d.tenancy!.existing([schema])).has(schema))
      try {
        expect((await mig('tenant', 'create', 'acme')).code).toBe(0)
        // hold the tenant's lock as a runner applying a tenant part does
        await holdTenantLock(dialect.name, db, 'acme', async () => {
          let finished = false
          const drop = mig('tenant', 'drop', 'acme', '--confirm').then((r) => {
            finished = true
            return r
          })
          await new Promise((r) => setTimeout(r, 1500))
          expect(finished, 'drop waits for the lock').toBe(false)
          expect(await exists()).toBe(true)
          return async () => {
            const dropped = await drop
            expect(dropped.code, dropped.stderr).toBe(0)
          }
        })
        expect(await exists()).toBe(false)
        const list = await mig('tenant', 'list', '--json')
        expect(JSON.parse(list.stdout).tenants).toEqual([])
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('--lock-timeout bounds the wait for a tenant lock: exit 3 naming the tenant', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const mig = (...args: string[]) => runMig([...args, '--database', db.url], p.dir)
      try {
        expect((await mig('tenant', 'create', 'acme', 'beta')).code).toBe(0)
        p.write(tenantParts(1))
        await holdTenantLock(dialect.name, db, 'acme', async () => {
          const started = Date.now()
          const up = await mig('up', '--lock-timeout', '1s')
          expect(up.code, up.stderr).toBe(3)
          expect(up.stderr).toMatch(/could not acquire the migration lock within 1000ms/)
          expect(up.stdout).toMatch(/acme/)
          expect(Date.now() - started).toBeLessThan(20_000)
          return async () => {}
        })
        // the lock released: the run completes
        const again = await mig('up', '--lock-timeout', '1s')
        expect(again.code, again.stderr).toBe(0)
        expect((await readTenant(dialect.name, db, 'acme')).tables).toContain('t2')
      } finally {
        p.cleanup()
        await db.drop()
      }
    })
  })
}

/**
 * Hold a tenant's lock from another connection (as a runner applying a tenant part does) while
 * `fn` runs; release it, then run what `fn` returned.
 */
async function holdTenantLock(dialect: DialectName, db: TenantDatabase, tenant: string, fn: () => Promise<() => Promise<void>>): Promise<void> {
  const key = `mig:schema_migrations:tenant:${tenant}`
  const mysqlLock = () => lockName(decodeURIComponent(new URL(db.url).pathname.slice(1)), key)
  await withDriver(dialect, db.tenantUrl(tenant), async (d: Driver) => {
    let release: () => void = () => {}
    const released = new Promise<void>((r) => {
      release = r
    })
    let holding: Promise<unknown> = Promise.resolve()
    if (dialect === 'postgres') await d.query(`SELECT pg_advisory_lock(${advisoryKey(key)})`)
    else if (dialect === 'mysql') expect(Number((await d.query('SELECT GET_LOCK(?, 0) AS ok', [mysqlLock()]))[0]?.ok)).toBe(1)
    else holding = d.transaction(() => released)
    let after: () => Promise<void>
    try {
      after = await fn()
    } finally {
      if (dialect === 'postgres') await d.query(`SELECT pg_advisory_unlock(${advisoryKey(key)})`)
      else if (dialect === 'mysql') await d.query('SELECT RELEASE_LOCK(?)', [mysqlLock()])
      release()
      await holding
    }
    await after()
  })
}
