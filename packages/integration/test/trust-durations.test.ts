import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, startMig, withDriver } from './cli.js'

/** Seconds each migration sleeps on the server: not in order, so a cumulative figure cannot pass. */
const SLEEPS = [0.2, 0.6, 0.3, 0.8, 0.4]
/** How much longer than its sleep a migration may be reported (a shared machine; the bug reports seconds). */
const SLACK_MS = 350

const SLEEP_SQL: Partial<Record<string, (s: number) => string>> = {
  postgres: (s) => `SELECT pg_sleep(${s});`,
  mysql: (s) => `SELECT SLEEP(${s});`,
}

const version = (i: number) => String(i + 1).padStart(3, '0')

/**
 * Durations: each migration's own time on screen, in the history, in the log and in `--json`,
 * however the driver queues migrations on the connection (PostgreSQL sends the ones that are
 * ready together in one round trip). SQLite is left out: it runs each migration in-process, one
 * at a time, and has no server-side sleep to measure against.
 */
for (const dialect of testDialects().filter((d) => SLEEP_SQL[d.name])) {
  const sleep = SLEEP_SQL[dialect.name]!
  describe(`${dialect.name}: true durations`, () => {
    const files: Record<string, string> = {}
    SLEEPS.forEach((s, i) => {
      files[`migrations/${version(i)}_sleep.sql`] = `${sleep(s)}\n`
    })

    const expectOwnTime = (what: string, ms: number[]) => {
      expect(ms, what).toHaveLength(SLEEPS.length)
      ms.forEach((m, i) => {
        expect(m, `${what}: ${version(i)} slept ${SLEEPS[i]! * 1000}ms, reported ${m}ms (all: ${ms.join(', ')})`).toBeGreaterThanOrEqual(SLEEPS[i]! * 1000 - 5)
        expect(m, `${what}: ${version(i)} slept ${SLEEPS[i]! * 1000}ms, reported ${m}ms (all: ${ms.join(', ')})`).toBeLessThanOrEqual(
          SLEEPS[i]! * 1000 + SLACK_MS,
        )
      })
    }

    it('on screen, in the history and in the log, each migration reports its own time', async () => {
      const p = tempProject(files)
      const url = await dialect.createDatabase()
      try {
        const run = await runMig(['up', '--database', url], p.dir)
        expect(run.code, run.stderr).toBe(0)
        const printed = [...run.stdout.matchAll(/done \((\d+)ms\)/g)].map((m) => Number(m[1]))
        expectOwnTime('printed', printed)
        const history = await withDriver(dialect.name, url, (d) => d.query('SELECT version, duration_ms FROM schema_migrations ORDER BY version'))
        expectOwnTime(
          'schema_migrations.duration_ms',
          history.map((r) => Number(r.duration_ms)),
        )
        const log = await runMig(['log', '--json', '--database', url], p.dir)
        expect(log.code, log.stderr).toBe(0)
        const entries = (JSON.parse(log.stdout) as { entries: { action: string; durationMs: number }[] }).entries.filter((e) => e.action === 'apply')
        expectOwnTime(
          'mig log',
          entries.map((e) => e.durationMs),
        )
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })

    it('--json events carry each migration its own time', async () => {
      const p = tempProject(files)
      const url = await dialect.createDatabase()
      try {
        const run = await runMig(['up', '--json', '--database', url], p.dir)
        expect(run.code, run.stderr).toBe(0)
        const events = run.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { event: string; durationMs?: number })
        expectOwnTime(
          'migration:applied events',
          events.filter((e) => e.event === 'migration:applied').map((e) => e.durationMs!),
        )
        const result = events.find((e) => e.event === 'result') as unknown as { results: { durationMs: number }[] }
        expectOwnTime(
          'result',
          result.results.map((r) => r.durationMs),
        )
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })

    it('a migration is shown as running while the server runs it, not before, not after', async () => {
      const p = tempProject(files)
      const url = await dialect.createDatabase()
      try {
        const { child, done } = startMig(['up', '--database', url], p.dir)
        const seen = new Map<string, number>()
        let t0 = 0
        let text = ''
        child.stdout!.on('data', (d) => {
          text += String(d)
          for (const m of text.matchAll(/Applying (\d{3})_sleep/g)) {
            if (!seen.has(m[1]!)) {
              if (!t0) t0 = Date.now()
              seen.set(m[1]!, Date.now() - t0)
            }
          }
        })
        const run = await done
        expect(run.code, run.stderr).toBe(0)
        let startsAt = 0
        SLEEPS.forEach((s, i) => {
          const at = seen.get(version(i))
          expect(at, `${version(i)} announced`).toBeDefined()
          // announced once the one before it finished on the server, and before its own sleep ends
          expect(at!, `${version(i)} announced at ${at}ms; the server started it at ~${startsAt}ms`).toBeGreaterThanOrEqual(startsAt - 50)
          expect(at!, `${version(i)} announced at ${at}ms; the server started it at ~${startsAt}ms`).toBeLessThan(startsAt + s * 1000)
          startsAt += s * 1000
        })
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })
  })
}
