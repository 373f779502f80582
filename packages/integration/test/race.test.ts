import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'

const ROUNDS = Number(process.env.MIG_RACE_ROUNDS ?? 20)
const PROCESSES = 8
const MIGRATIONS = 5

/**
 * Race: 8 `mig up` processes started together against one fresh database, 20 rounds per dialect.
 * Every process must exit 0, every migration must run exactly once (each appends its version to a
 * ledger table), and history must hold one row and one `apply` log entry per migration.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: race`, () => {
    it(`${PROCESSES} concurrent mig up, ${ROUNDS} rounds`, async () => {
      const files: Record<string, string> = {
        'migrations/001_ledger.sql': "CREATE TABLE ledger (version VARCHAR(20) NOT NULL);\nINSERT INTO ledger VALUES ('001');\n",
      }
      for (let i = 2; i <= MIGRATIONS; i++) {
        const v = String(i).padStart(3, '0')
        files[`migrations/${v}_t${i}.sql`] = `CREATE TABLE t${i} (id INTEGER);\nINSERT INTO t${i} VALUES (1);\nINSERT INTO ledger VALUES ('${v}');\n`
      }
      const project = tempProject(files)
      const started = Date.now()
      let exits0 = 0
      let waited = 0
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const url = await dialect.createDatabase()
          try {
            const runs = await Promise.all(Array.from({ length: PROCESSES }, () => runMig(['up', '--database', url], project.dir)))
            for (const r of runs) {
              expect(r.code, `round ${round}: ${r.stderr}`).toBe(0)
              expect(r.stderr).not.toMatch(/error/i)
            }
            exits0 += runs.length
            // exactly one process applied the migrations; the others found nothing pending
            const appliers = runs.filter((r) => /Applied \d+ migration/.test(r.stdout))
            expect(appliers.map((r) => r.stdout.match(/Applied (\d+)/)?.[1])).toEqual([String(MIGRATIONS)])
            waited += runs.length - 1
            await withDriver(dialect.name, url, async (d) => {
              const ledger = await d.query('SELECT version, COUNT(*) AS n FROM ledger GROUP BY version ORDER BY version')
              expect(ledger.map((r) => [String(r.version), Number(r.n)])).toEqual(
                Array.from({ length: MIGRATIONS }, (_, k) => [String(k + 1).padStart(3, '0'), 1]),
              )
              const history = await d.query('SELECT version, status FROM schema_migrations ORDER BY version')
              expect(history.map((r) => `${r.version}:${r.status}`)).toEqual(
                Array.from({ length: MIGRATIONS }, (_, k) => `${String(k + 1).padStart(3, '0')}:applied`),
              )
              const log = await d.query(`SELECT version, COUNT(*) AS n FROM schema_migrations_log WHERE action = 'apply' GROUP BY version`)
              expect(log.every((r) => Number(r.n) === 1) && log.length === MIGRATIONS).toBe(true)
            })
          } finally {
            await dialect.dropDatabase(url)
          }
        }
      } finally {
        project.cleanup()
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      console.log(
        `race ${dialect.name}: ${ROUNDS} rounds x ${PROCESSES} processes: ${exits0}/${ROUNDS * PROCESSES} exited 0, ${ROUNDS * MIGRATIONS} migrations applied exactly once, ${waited} runs found nothing pending, ${seconds}s`,
      )
      expect(exits0).toBe(ROUNDS * PROCESSES)
    }, 600_000)
  })
}
