import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, withDriver } from './cli.js'
import { LEDGERS, readHistory, readTenant, tenantDatabase, tenantNames, tenantParts, tenantProject } from './tenant-helpers.js'

const PARTS = 5

/**
 * Four `mig up` processes at once over the same fleet: every tenant part runs exactly once (the
 * per-tenant lock, and the history read under it), no run fails, and the shared part runs once.
 * 100 tenants on the servers; SQLite, whose writers queue on one file, 20.
 */
for (const dialect of testDialects()) {
  const tenants = dialect.name === 'sqlite' ? 20 : 100
  describe(`${dialect.name}: concurrent fleet runs`, () => {
    it(`four mig up over ${tenants} tenants: no double applies, no errors`, async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const names = tenantNames(tenants)
      try {
        const created = await runMig(['tenant', 'create', ...names, '--database', db.url], p.dir)
        expect(created.code, created.stderr).toBe(0)
        p.write(tenantParts(PARTS))
        const runs = await Promise.all(Array.from({ length: 4 }, () => startMig(['up', '--concurrency', '4', '--database', db.url], p.dir).done))
        for (const run of runs) {
          expect(run.code, run.stderr).toBe(0)
          expect(run.stderr).not.toMatch(/error/i)
        }
        const applied = runs.map((r) => (r.stdout.match(/^\[t\d+\] Applying \S+\.\.\. done/gm) ?? []).length)
        // every part applied once in all: the runs shared the fleet between them
        expect(applied.reduce((a, b) => a + b, 0)).toBe(tenants * (PARTS + 1))
        await withDriver(dialect.name, db.url, async (d) => {
          expect((await d.query('SELECT v FROM ledger')).length, 'the shared part ran once').toBe(1)
          const history = await readHistory(d)
          for (const t of names) expect([...(history.get(`tenant:${t}`)?.values() ?? [])].filter((s) => s === 'applied').length, t).toBe(PARTS + 1)
        })
        for (const t of names) {
          const { ledger } = await readTenant(dialect.name, db, t)
          expect(ledger.size, t).toBe(PARTS + 1)
          for (const [v, n] of ledger) expect(n, `${t} ${v} ran once`).toBe(1)
        }
        console.log(`race ${dialect.name}: 4 runs over ${tenants} tenants applied ${applied.join(' + ')} tenant parts`)
      } finally {
        p.cleanup()
        await db.drop()
      }
    })

    it('shards are disjoint and complete through the CLI', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, { ...LEDGERS })
      const names = tenantNames(30, 's')
      try {
        expect((await runMig(['tenant', 'create', ...names, '--database', db.url], p.dir)).code).toBe(0)
        for (let n = 1; n <= 4; n++) {
          const seen: string[] = []
          for (let i = 1; i <= n; i++) {
            const run = await runMig(['status', '--shard', `${i}/${n}`, '--json', '--database', db.url], p.dir)
            expect(run.code, run.stderr).toBe(0)
            seen.push(...JSON.parse(run.stdout).tenants.map((r: { tenant: string }) => r.tenant))
          }
          expect(seen.sort(), `N = ${n}`).toEqual(names)
        }
      } finally {
        p.cleanup()
        await db.drop()
      }
    })
  })
}
