import type { Driver } from '@mig/core'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, tableNames, waitForOtherSessions, withDriver } from './cli.js'

const ROUNDS = Number(process.env.MIG_CRASH_ROUNDS ?? 20)
const MIGRATIONS = 12
// MySQL 8 caps recursive CTEs at 1000 rows by default
const ROWS = 1000

const version = (i: number) => String(i).padStart(3, '0')

/** A statement that keeps the server busy for a moment (none on SQLite: it runs in-process). */
const PAUSE: Record<string, string> = { postgres: 'SELECT pg_sleep(0.08);\n', mysql: 'SELECT SLEEP(0.08);\n', sqlite: '' }

/**
 * Every migration creates a table, fills it, indexes it and appends to a ledger: four statements
 * (and with `pause`, a fifth that keeps the server busy, so work is still queued there when mig dies).
 */
function project(pause = '') {
  const files: Record<string, string> = { 'migrations/000_ledger.sql': 'CREATE TABLE ledger (version VARCHAR(20) NOT NULL);\n' }
  for (let i = 1; i <= MIGRATIONS; i++) {
    files[`migrations/${version(i)}_t${i}.sql`] =
      `CREATE TABLE t${i} (id INTEGER NOT NULL);\n${pause}` +
      `INSERT INTO t${i} (id) SELECT n FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${ROWS}) SELECT n FROM c) AS s;\n` +
      `CREATE INDEX t${i}_id ON t${i} (id);\n` +
      `INSERT INTO ledger VALUES ('${version(i)}');\n`
  }
  return tempProject(files)
}

interface State {
  /** history rows by version: status */
  history: Map<string, string>
  tables: Set<string>
  ledger: Map<string, number>
  counts: Map<string, number>
}

async function readState(dialect: 'sqlite' | 'postgres' | 'mysql', d: Driver): Promise<State> {
  const tables = new Set(await tableNames(dialect, d))
  const history = new Map<string, string>()
  if (tables.has('schema_migrations'))
    for (const r of await d.query('SELECT version, status FROM schema_migrations')) history.set(String(r.version), String(r.status))
  const ledger = new Map<string, number>()
  if (tables.has('ledger'))
    for (const r of await d.query('SELECT version, COUNT(*) AS n FROM ledger GROUP BY version')) ledger.set(String(r.version), Number(r.n))
  const counts = new Map<string, number>()
  for (let i = 1; i <= MIGRATIONS; i++) {
    if (tables.has(`t${i}`)) counts.set(version(i), Number((await d.query(`SELECT COUNT(*) AS n FROM t${i}`))[0]!.n))
  }
  return { history, tables, ledger, counts }
}

/**
 * Crash: SIGKILL `mig up` at a random moment of a multi-migration apply, 20 rounds per dialect.
 * PostgreSQL and SQLite: schema and history always agree (no row without its change, no change
 * without its row), and a second `mig up` completes every migration exactly once.
 * MariaDB/MySQL: a migration caught halfway has a `running` row (`mig status`: failed) whose
 * progress counts exactly the statements that committed, and the next `mig up` resumes it there.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: crash`, () => {
    it(`SIGKILL during mig up, ${ROUNDS} rounds`, async () => {
      const p = project()
      const tally = { beforeAny: 0, partial: 0, complete: 0, interrupted: 0 }
      let applyMs = 0
      try {
        // how long the apply phase takes here (first "Applying" to exit), to spread the kills over it
        const probe = await dialect.createDatabase()
        const first = startMig(['up', '--database', probe], p.dir)
        let t0 = 0
        first.child.stdout!.on('data', (d) => {
          if (!t0 && String(d).includes('Applying')) t0 = Date.now()
        })
        const full = await first.done
        applyMs = Math.max(1, Date.now() - t0)
        await dialect.dropDatabase(probe)
        expect(full.code, full.stderr).toBe(0)
        for (let round = 0; round < ROUNDS; round++) {
          const url = await dialect.createDatabase()
          try {
            const { child, done } = startMig(['up', '--database', url], p.dir)
            // kill at a random moment of the apply phase (a few rounds just before or after it)
            const delay = Math.round(applyMs * (-0.1 + 1.2 * Math.random()))
            let timer: NodeJS.Timeout | undefined
            child.stdout!.on('data', (d) => {
              if (!timer && String(d).includes('Applying')) timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, delay))
            })
            const run = await done
            clearTimeout(timer)
            // what the killed process sent last may still be running on the server: read its outcome
            const state = await withDriver(dialect.name, url, async (d) => {
              await waitForOtherSessions(dialect.name, d)
              return readState(dialect.name, d)
            })
            const applied = [...state.history].filter(([, s]) => s === 'applied').map(([v]) => v)
            const unfinished = [...state.history].filter(([, s]) => s !== 'applied').map(([v]) => v)
            if (run.code === 0) tally.complete++
            else if (applied.length === 0 && unfinished.length === 0) tally.beforeAny++
            else tally.partial++
            for (let i = 1; i <= MIGRATIONS; i++) {
              const v = version(i)
              const row = state.history.get(v)
              const hasTable = state.tables.has(`t${i}`)
              const inLedger = state.ledger.get(v) ?? 0
              if (row === 'applied') {
                expect(hasTable && inLedger === 1 && state.counts.get(v) === ROWS, `round ${round}: ${v} recorded but its change is incomplete`).toBe(true)
              } else if (row === undefined) {
                expect(hasTable || inLedger > 0, `round ${round}: ${v} changed the schema without a history row`).toBe(false)
              }
            }
            if (dialect.name === 'mysql') {
              // DDL commits at once: a migration caught halfway keeps its `running` row, whose
              // progress counts exactly the statements that committed (they run before it, inside each packet)
              expect(unfinished.length, `round ${round}: at most one interrupted migration`).toBeLessThanOrEqual(1)
              if (unfinished.length) {
                tally.interrupted++
                const v = unfinished[0]!
                const i = Number(v)
                const progress = Number(
                  (await withDriver(dialect.name, url, (d) => d.query('SELECT statement_index AS n FROM schema_migrations WHERE version = ?', [v])))[0]?.n ?? 0,
                )
                if (i === 0) expect(state.tables.has('ledger'), `round ${round}: ${v} progress ${progress} and the ledger table`).toBe(progress >= 1)
                else {
                  // statements 1 (CREATE TABLE), 2 (INSERT), 3 (CREATE INDEX), 4 (the ledger INSERT)
                  expect(state.tables.has(`t${i}`), `round ${round}: ${v} progress ${progress} and its table`).toBe(progress >= 1)
                  if (progress >= 1) expect(state.counts.get(v), `round ${round}: ${v} progress ${progress} and its rows`).toBe(progress >= 2 ? ROWS : 0)
                  expect(state.ledger.get(v) ?? 0, `round ${round}: ${v} progress ${progress} and the ledger`).toBe(progress >= 4 ? 1 : 0)
                }
                const status = await runMig(['status', '--database', url], p.dir)
                expect(status.stdout).toMatch(new RegExp(`${v}\\s+\\S+\\s+failed`))
              }
            } else {
              expect(unfinished, `round ${round}: transactional dialects never leave a failed row`).toEqual([])
            }
            // a MySQL migration interrupted halfway is resumed from its progress
            const again = await runMig(['up', '--database', url], p.dir)
            expect(again.code, again.stderr).toBe(0)
            const final = await withDriver(dialect.name, url, (d) => readState(dialect.name, d))
            for (let i = 1; i <= MIGRATIONS; i++) {
              expect(final.history.get(version(i))).toBe('applied')
              expect(final.ledger.get(version(i)), `round ${round}: ${version(i)} ran exactly once`).toBe(1)
              expect(final.counts.get(version(i))).toBe(ROWS)
            }
          } finally {
            await dialect.dropDatabase(url)
          }
        }
      } finally {
        p.cleanup()
      }
      console.log(
        `crash ${dialect.name}: ${ROUNDS} rounds, SIGKILL spread over a ${applyMs}ms apply of ${MIGRATIONS} migrations: ${tally.partial} killed mid-apply, ${tally.beforeAny} before any migration committed, ${tally.complete} finished first` +
          (dialect.name === 'mysql'
            ? `, ${tally.interrupted} left an interrupted migration (reported as failed, its progress matching what committed, resumed by the next mig up)`
            : ', schema and history agreed every time'),
      )
    }, 600_000)

    it(`SIGKILL during mig up, then at once a second mig up: never a collision, exit 0, each migration applied exactly once, ${ROUNDS} rounds`, async () => {
      const p = project(PAUSE[dialect.name])
      const tally = { complete: 0, waited: 0, interrupted: 0 }
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const url = await dialect.createDatabase()
          try {
            const { child, done } = startMig(['up', '--database', url], p.dir)
            // killed at a random moment once the first migration is done: work is queued ahead on the server by then
            const delay = Math.round(Math.random() * MIGRATIONS * 80)
            let timer: NodeJS.Timeout | undefined
            child.stdout!.on('data', (d) => {
              if (!timer && String(d).includes('done (')) timer = setTimeout(() => child.kill('SIGKILL'), delay)
            })
            const run = await done
            clearTimeout(timer)
            if (run.code === 0) tally.complete++
            // a restarted pod, a retrying CI job: no pause, no cleanup
            const again = await runMig(['up', '--database', url], p.dir)
            expect(again.stderr, `round ${round}: the second run collided with the first one's work`).not.toMatch(/already exists|duplicate/i)
            if (/waiting for the migration lock/.test(again.stderr)) tally.waited++
            const state = await withDriver(dialect.name, url, async (d) => {
              await waitForOtherSessions(dialect.name, d)
              return readState(dialect.name, d)
            })
            const unfinished = [...state.history].filter(([, s]) => s !== 'applied').map(([v]) => v)
            // MySQL: an interrupted migration is resumed from its progress, never re-run from the start
            if (/interrupted earlier/.test(again.stdout)) tally.interrupted++
            expect(again.code, `round ${round}: ${again.stderr}`).toBe(0)
            expect(unfinished).toEqual([])
            for (let i = 1; i <= MIGRATIONS; i++) {
              const v = version(i)
              expect(state.history.get(v), `round ${round}: ${v} applied`).toBe('applied')
              expect(state.ledger.get(v), `round ${round}: ${v} applied exactly once`).toBe(1)
              expect(state.counts.get(v)).toBe(ROWS)
            }
          } finally {
            await dialect.dropDatabase(url)
          }
        }
      } finally {
        p.cleanup()
      }
      console.log(
        `crash ${dialect.name}, immediate re-run: ${ROUNDS} rounds: ${tally.complete} finished before the kill, ${tally.waited} re-runs waited for the lock` +
          (dialect.name === 'mysql' ? `, ${tally.interrupted} resumed an interrupted migration; every re-run exited 0` : ', every re-run exited 0'),
      )
    }, 600_000)
  })
}
