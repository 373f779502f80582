import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, waitForOtherSessions, withDriver } from './cli.js'
import { LEDGERS, readHistory, readTenant, tenantDatabase, tenantNames, tenantParts, tenantProject } from './tenant-helpers.js'

const ROUNDS = Number(process.env.MIG_TENANT_CRASH_ROUNDS ?? 4)
const TENANTS = 12
const PARTS = 6
const versions = ['001', ...Array.from({ length: PARTS }, (_, i) => String(i + 2).padStart(3, '0'))]

/**
 * SIGKILL a fleet run at a random moment, a few rounds per dialect. PostgreSQL and SQLite: in every
 * tenant, schema and history agree (a part's table and ledger row exist exactly when its history
 * row does), and a re-run completes every part exactly once. MySQL/MariaDB: a part recorded as
 * applied has its change; a part without a row left nothing; at most one part per tenant is left
 * `running`, and the re-run resumes it from its progress (each part's ledger row exactly once).
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: fleet crash`, () => {
    it(`SIGKILL during a fleet run over ${TENANTS} tenants, ${ROUNDS} rounds`, async () => {
      const files = { ...LEDGERS, ...tenantParts(PARTS) }
      const tally = { killedMidway: 0, finishedFirst: 0, interrupted: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const db = await tenantDatabase(dialect)
        const p = tenantProject(db, LEDGERS)
        const names = tenantNames(TENANTS)
        try {
          const created = await runMig(['tenant', 'create', ...names, '--database', db.url], p.dir)
          expect(created.code, created.stderr).toBe(0)
          expect((await runMig(['up', '--shared-only', '--database', db.url], p.dir)).code).toBe(0)
          p.write(files)
          const { child, done } = startMig(['up', '--concurrency', '4', '--database', db.url], p.dir)
          // kill after a random number of applied tenant parts
          const killAt = 1 + Math.floor(Math.random() * TENANTS * (PARTS + 1) * 0.9)
          let seen = 0
          child.stdout!.on('data', (d) => {
            seen += (String(d).match(/\.\.\. done/g) ?? []).length
            if (seen >= killAt) child.kill('SIGKILL')
          })
          const run = await done
          if (run.code === 0) tally.finishedFirst++
          else tally.killedMidway++
          const history = await withDriver(dialect.name, db.url, async (d) => {
            await waitForOtherSessions(dialect.name, d)
            return readHistory(d)
          })
          let running = 0
          for (const t of names) {
            const rows = history.get(`tenant:${t}`) ?? new Map<string, string>()
            const state = await readTenant(dialect.name, db, t)
            const unfinished = [...rows.values()].filter((s) => s !== 'applied').length
            running += unfinished
            if (dialect.name === 'mysql') expect(unfinished, `round ${round}: ${t} has at most one interrupted part`).toBeLessThanOrEqual(1)
            else expect(unfinished, `round ${round}: ${t}: transactional engines never leave a row unfinished`).toBe(0)
            for (const v of versions) {
              const row = rows.get(v)
              const table = v === '001' ? 'tledger' : `t${Number(v)}`
              const changed = state.tables.includes(table) && (state.ledger.get(v) ?? 0) === 1
              if (row === 'applied') expect(changed, `round ${round}: ${t} ${v} recorded but not changed`).toBe(true)
              if (row === undefined) expect(state.tables.includes(table), `round ${round}: ${t} ${v} changed without a row`).toBe(false)
              expect(state.ledger.get(v) ?? 0, `round ${round}: ${t} ${v} ran at most once`).toBeLessThanOrEqual(1)
            }
          }
          // MySQL: an interrupted part is resumed from its progress (which counts what committed)
          if (running) tally.interrupted++
          const again = await runMig(['up', '--database', db.url], p.dir)
          expect(again.code, again.stderr).toBe(0)
          if (running) expect(again.stdout, again.stdout).toMatch(/interrupted earlier with \d+ statements? committed/)
          for (const t of names) {
            const { ledger } = await readTenant(dialect.name, db, t)
            expect([...ledger.entries()].sort(), `round ${round}: ${t} complete, each part once`).toEqual(versions.map((v) => [v, 1]))
          }
        } finally {
          p.cleanup()
          await db.drop()
        }
      }
      console.log(
        `fleet crash ${dialect.name}: ${ROUNDS} rounds, ${tally.killedMidway} killed mid-run, ${tally.finishedFirst} finished first` +
          (dialect.name === 'mysql' ? `, ${tally.interrupted} left an interrupted part, resumed by the re-run` : ', schema and history agreed in every tenant'),
      )
    })

    it('Ctrl-C (SIGINT) lets the running tenant parts finish, starts no more, exits 130; a re-run completes', async () => {
      const db = await tenantDatabase(dialect)
      const p = tenantProject(db, LEDGERS)
      const names = tenantNames(TENANTS)
      try {
        expect((await runMig(['tenant', 'create', ...names, '--database', db.url], p.dir)).code).toBe(0)
        expect((await runMig(['up', '--shared-only', '--database', db.url], p.dir)).code).toBe(0)
        p.write(tenantParts(PARTS))
        const { child, done } = startMig(['up', '--concurrency', '2', '--database', db.url], p.dir)
        let sent = false
        child.stdout!.on('data', (d) => {
          // a tenant line: the shared parts (empty here) are done, the fleet runs
          if (!sent && /^\[t\d+\] Applying .*\.\.\. done/m.test(String(d))) {
            sent = true
            child.kill('SIGINT')
          }
        })
        const run = await done
        expect(run.code, run.stderr).toBe(130)
        expect(run.stderr).toContain('stopping: running tenant migrations finish')
        expect(run.stdout).toMatch(/not started \(the run stopped\): /)
        const history = await withDriver(dialect.name, db.url, (d) => readHistory(d))
        for (const t of names)
          expect(
            [...(history.get(`tenant:${t}`)?.values() ?? [])].every((s) => s === 'applied'),
            t,
          ).toBe(true)
        const again = await runMig(['up', '--database', db.url], p.dir)
        expect(again.code, again.stderr).toBe(0)
        for (const t of names) {
          const { ledger } = await readTenant(dialect.name, db, t)
          expect([...ledger.entries()].sort(), t).toEqual(versions.map((v) => [v, 1]))
        }
      } finally {
        p.cleanup()
        await db.drop()
      }
    })
  })
}
