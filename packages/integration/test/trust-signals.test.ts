import type { ChildProcess } from 'node:child_process'
import { type DialectName, tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, tableNames, withDriver } from './cli.js'

/** A statement that keeps the server busy for about `s` seconds. */
const BUSY: Record<DialectName, (s: number) => string> = {
  postgres: (s) => `SELECT pg_sleep(${s})`,
  mysql: (s) => `SELECT SLEEP(${s})`,
  // SQLite runs in-process: a recursive count long enough to be caught running
  sqlite: (s) =>
    `SELECT COUNT(*) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${Math.round(s * 3_000_000)}) SELECT n FROM c)`,
}

const MIGRATIONS = 4
const version = (i: number) => String(i).padStart(3, '0')

/** Four migrations: each creates its table, keeps the server busy, appends to a ledger. */
function project(dialect: DialectName, seconds: number) {
  const files: Record<string, string> = {}
  for (let i = 1; i <= MIGRATIONS; i++) {
    files[`migrations/${version(i)}_m${i}.sql`] =
      (i === 1 ? 'CREATE TABLE ledger (version VARCHAR(20) NOT NULL);\n' : '') +
      `CREATE TABLE t${i} (id INTEGER);\n${BUSY[dialect](seconds)};\nINSERT INTO ledger VALUES ('${version(i)}');\n`
  }
  return tempProject(files)
}

/** Send `signal` once `mig` prints that it started migration `index` (plus `afterMs`). */
function signalWhenApplying(child: ChildProcess, index: number, signals: { signal: NodeJS.Signals; afterMs: number }[]): void {
  let text = ''
  let armed = false
  child.stdout!.on('data', (d) => {
    text += String(d)
    if (!armed && text.includes(`Applying ${version(index)}_`)) {
      armed = true
      for (const s of signals) setTimeout(() => child.kill(s.signal), s.afterMs)
    }
  })
}

async function ledgerAndHistory(dialect: DialectName, url: string) {
  return withDriver(dialect, url, async (d) => {
    const tables = await tableNames(dialect, d)
    const ledger = tables.includes('ledger') ? (await d.query('SELECT version FROM ledger ORDER BY version')).map((r) => String(r.version)) : []
    const history = tables.includes('schema_migrations')
      ? (await d.query('SELECT version, status FROM schema_migrations ORDER BY version')).map((r) => `${r.version}:${r.status}`)
      : []
    return { tables, ledger, history }
  })
}

/**
 * Signals: the first SIGINT/SIGTERM lets the running migration finish, runs nothing after it, says
 * so and exits 130; a second one cancels the running statement on the server and waits for its
 * rollback. Either way the lock is held until the server is done, so a runner started right after
 * never collides with the interrupted run.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: signals`, () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`first ${signal}: the running migration finishes, nothing after it runs, exit 130`, async () => {
        const p = project(dialect.name, 1)
        const url = await dialect.createDatabase()
        try {
          const { child, done } = startMig(['up', '--database', url], p.dir)
          signalWhenApplying(child, 2, [{ signal, afterMs: 300 }])
          const run = await done
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(130)
          // SQLite runs a statement in-process: the signal is seen once it is done, before the next migration
          expect(run.stderr).toMatch(new RegExp(`${signal}: (finishing ${dialect.name === 'sqlite' ? '|stopping before' : ''})`))
          expect(run.stderr).toMatch(/stopped/i)
          const state = await ledgerAndHistory(dialect.name, url)
          expect(state.ledger).toEqual(['001', '002'])
          expect(state.history).toEqual(['001:applied', '002:applied'])
          expect(state.tables).not.toContain('t3')
          // the rest applies normally afterwards
          const again = await runMig(['up', '--database', url], p.dir)
          expect(again.code, again.stderr).toBe(0)
          expect((await ledgerAndHistory(dialect.name, url)).ledger).toEqual(['001', '002', '003', '004'])
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      })
    }

    if (dialect.name !== 'sqlite') {
      it('second SIGINT: the running statement is cancelled on the server and rolled back before mig exits', async () => {
        const p = project(dialect.name, 4)
        const url = await dialect.createDatabase()
        try {
          const started = Date.now()
          const { child, done } = startMig(['up', '--database', url], p.dir)
          signalWhenApplying(child, 2, [
            { signal: 'SIGINT', afterMs: 300 },
            { signal: 'SIGINT', afterMs: 600 },
          ])
          const run = await done
          expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(130)
          expect(run.stderr).toMatch(/cancel/i)
          // cancelled, not waited for: 001 (4 s) and a fraction of 002
          expect(Date.now() - started).toBeLessThan(4000 + 3500)
          const after = await ledgerAndHistory(dialect.name, url)
          expect(after.ledger).toEqual(['001'])
          // an immediate second run waits for nothing and collides with nothing
          const again = await runMig(['up', '--database', url], p.dir)
          const state = await ledgerAndHistory(dialect.name, url)
          if (dialect.name === 'postgres') {
            expect(after.history).toEqual(['001:applied'])
            // rolled back whole: the re-run applies 002..004 once each
            expect(again.code, again.stderr).toBe(0)
            expect(state.ledger).toEqual(['001', '002', '003', '004'])
          } else {
            // MySQL: 002's CREATE TABLE committed; it is left failed, named, not re-run
            expect(again.code).toBe(1)
            expect(again.stderr).toMatch(/002_m2.*failed/)
            expect(state.history).toEqual(['001:applied', '002:failed'])
          }
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      })
    }

    it('Ctrl-C then an immediate mig up: the second run never re-sends what the first one is finishing', async () => {
      const p = project(dialect.name, 1.5)
      const url = await dialect.createDatabase()
      try {
        const { child, done } = startMig(['up', '--database', url], p.dir)
        let second: ReturnType<typeof runMig> | undefined
        let text = ''
        child.stdout!.on('data', (d) => {
          text += String(d)
          if (!second && text.includes('Applying 002_')) {
            second = new Promise((r) => setTimeout(r, 200)).then(() => {
              child.kill('SIGINT')
              return runMig(['up', '--database', url], p.dir)
            })
          }
        })
        const first = await done
        const again = await second!
        expect(first.code).toBe(130)
        expect(again.code, again.stderr).toBe(0)
        expect(again.stderr).not.toMatch(/duplicate|already exists/i)
        const state = await ledgerAndHistory(dialect.name, url)
        expect(state.ledger).toEqual(['001', '002', '003', '004'])
        expect(state.history).toEqual(['001:applied', '002:applied', '003:applied', '004:applied'])
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })
  })
}
