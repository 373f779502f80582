import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'
import { LEDGERS, readHistory, readTenant, tenantDatabase, tenantParts, tenantProject } from './tenant-helpers.js'

/** `mig up --dry-run` in a project with tenants, through the built CLI on every dialect. */
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
  })
}
