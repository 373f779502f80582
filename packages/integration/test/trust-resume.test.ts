import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { capabilitiesOf } from './drivers.js'
import { runMig, tableNames, withDriver } from './cli.js'

const COMMITTED = "CREATE TABLE ledger (step VARCHAR(10));\nINSERT INTO ledger VALUES ('s2');\nCREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
/** Statement 4 fails: the table it fills does not exist yet. */
const BROKEN = `${COMMITTED}INSERT INTO customers VALUES (1);\nINSERT INTO ledger VALUES ('s5');\n`
/** The fix: statements 1..3 unchanged, the table created at statement 4. */
const FIXED = `${COMMITTED}CREATE TABLE customers (id INTEGER PRIMARY KEY);\nINSERT INTO customers VALUES (1);\nINSERT INTO ledger VALUES ('s6');\n`

/**
 * `mig up --resume`: a migration that failed at statement k with statements 1..k-1 committed
 * (MySQL DDL; `-- mig:no-transaction` migrations anywhere) runs again from statement k once the
 * file is fixed, when statements 1..k-1 are unchanged; otherwise it is refused, naming the
 * committed statement that changed.
 */
for (const dialect of testDialects()) {
  // where DDL is transactional, a failed migration rolls back whole unless it runs outside a transaction
  const header = capabilitiesOf(dialect.name).transactionalDdl ? '-- mig:no-transaction\n' : ''
  const lineOf = (n: number) => n + (header ? 1 : 0)
  // MySQL writes each statement's progress inside the packet that runs it (see DriverCapabilities.progressInBatch)
  const progressIsExact = capabilitiesOf(dialect.name).progressInBatch === true
  describe(`${dialect.name}: up --resume${header ? ' (no-transaction migration)' : ''}`, () => {
    it('runs a fixed migration from the statement that failed', async () => {
      const p = tempProject({ 'migrations/001_orders.sql': header + BROKEN })
      const url = await dialect.createDatabase()
      try {
        const failed = await runMig(['up', '--database', url], p.dir)
        expect(failed.code).toBe(1)
        expect(failed.stderr).toMatch(/statement 4/)
        writeFileSync(join(p.dir, 'migrations/001_orders.sql'), header + FIXED)

        const plain = await runMig(['up', '--database', url], p.dir)
        expect(plain.code).toBe(1)
        expect(plain.stderr).toMatch(/--resume/)

        const resumed = await runMig(['up', '--resume', '--database', url], p.dir)
        expect(resumed.code, resumed.stderr).toBe(0)
        expect(resumed.stdout).toMatch(/statement 4/)
        const state = await withDriver(dialect.name, url, async (d) => ({
          ledger: (await d.query('SELECT step FROM ledger ORDER BY step')).map((r) => String(r.step)),
          customers: Number((await d.query('SELECT COUNT(*) AS n FROM customers'))[0]!.n),
          history: (await d.query('SELECT version, status FROM schema_migrations')).map((r) => `${r.version}:${r.status}`),
        }))
        expect(state).toEqual({ ledger: ['s2', 's6'], customers: 1, history: ['001:applied'] })
        const status = await runMig(['status', '--database', url], p.dir)
        expect(status.stdout).toMatch(/001\s+orders\s+applied/)
        const validate = await runMig(['validate', '--database', url], p.dir)
        expect(validate.code, validate.stdout + validate.stderr).toBe(0)
        const log = JSON.parse((await runMig(['log', '--json', '--database', url], p.dir)).stdout) as {
          entries: { action: string; status: string; note: string | null }[]
        }
        expect(log.entries.map((e) => `${e.action}:${e.status}`)).toEqual(['apply:failed', 'apply:ok'])
        expect(log.entries[1]!.note).toMatch(/resumed at statement 4/)
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })

    it('refuses when a statement that committed has changed, and names it', async () => {
      const p = tempProject({ 'migrations/001_orders.sql': header + BROKEN })
      const url = await dialect.createDatabase()
      try {
        expect((await runMig(['up', '--database', url], p.dir)).code).toBe(1)
        writeFileSync(join(p.dir, 'migrations/001_orders.sql'), header + FIXED.replace("VALUES ('s2')", "VALUES ('s2b')"))
        const refused = await runMig(['up', '--resume', '--database', url], p.dir)
        expect(refused.code).toBe(1)
        expect(refused.stderr).toMatch(new RegExp(`statement 2 \\(line ${lineOf(2)}\\)`))
        expect(refused.stderr).toMatch(/changed/)
        const tables = await withDriver(dialect.name, url, (d) => tableNames(dialect.name, d))
        expect(tables).not.toContain('customers')
        const history = await withDriver(dialect.name, url, (d) => d.query('SELECT status FROM schema_migrations'))
        expect(history.map((r) => r.status)).toEqual(['failed'])
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })

    // a run killed while this migration ran leaves its `running` row with the progress of what committed
    const interrupt = async (url: string, progress: number) =>
      withDriver(dialect.name, url, async (d) => {
        await d.query('DROP TABLE customers')
        await d.query("DELETE FROM ledger WHERE step = 's6'")
        await d.query(`UPDATE schema_migrations SET status = 'running', statement_index = ${progress} WHERE version = '001'`)
      })

    it(
      progressIsExact
        ? 'resumes an interrupted migration (a running row) from its progress, by itself'
        : 'refuses an interrupted migration (a running row): what committed after its progress is not known',
      async () => {
        const p = tempProject({ 'migrations/001_orders.sql': header + FIXED, 'migrations/002_more.sql': 'CREATE TABLE more_t (id INTEGER);\n' })
        const url = await dialect.createDatabase()
        try {
          expect((await runMig(['up', '--to', '001', '--database', url], p.dir)).code).toBe(0)
          await interrupt(url, 3)
          const again = await runMig(['up', '--database', url], p.dir)
          const history = await withDriver(dialect.name, url, (d) => d.query('SELECT version, status FROM schema_migrations ORDER BY version'))
          if (!progressIsExact) {
            expect(again.code).toBe(1)
            expect(again.stderr).toMatch(/001_orders failed earlier/)
            expect(history.map((r) => `${r.version}:${r.status}`)).toEqual(['001:running'])
            return
          }
          expect(again.code, again.stderr).toBe(0)
          expect(again.stdout).toMatch(/interrupted earlier with 3 statements committed: resuming at statement 4/)
          expect(history.map((r) => `${r.version}:${r.status}`)).toEqual(['001:applied', '002:applied'])
          const ledger = await withDriver(dialect.name, url, (d) => d.query('SELECT step FROM ledger ORDER BY step'))
          expect(ledger.map((r) => String(r.step))).toEqual(['s2', 's6'])
          const log = JSON.parse((await runMig(['log', '--json', '--database', url], p.dir)).stdout) as { entries: { version: string; note: string | null }[] }
          expect(log.entries.find((e) => e.version === '001' && e.note)?.note).toMatch(/resumed at statement 4 after an interrupted run/)
          expect((await runMig(['validate', '--database', url], p.dir)).code).toBe(0)
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      },
    )

    if (progressIsExact) {
      it('refuses an interrupted csv_insert migration (what ran is the streamed render, not its text)', async () => {
        const p = tempProject({
          'mig.toml': 'migrations = ["migrations"]\n',
          'migrations/001_load.sql.njk': 'CREATE TABLE big (id INTEGER, name VARCHAR(20));\n{{ csv_insert("data/x.csv", "big") }}\n',
          'data/x.csv': 'id,name\n1,a\n2,b\n',
        })
        const url = await dialect.createDatabase()
        try {
          expect((await runMig(['up', '--database', url], p.dir)).code).toBe(0)
          await withDriver(dialect.name, url, (d) => d.query("UPDATE schema_migrations SET status = 'running', statement_index = 1 WHERE version = '001'"))
          const again = await runMig(['up', '--database', url], p.dir)
          expect(again.code).toBe(1)
          expect(again.stderr).toMatch(/cannot resume 001_load: only a plain SQL migration/)
          const rows = await withDriver(dialect.name, url, (d) => d.query('SELECT COUNT(*) AS n FROM big'))
          expect(Number(rows[0]!.n)).toBe(2)
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      })

      it('refuses an interrupted migration whose file changed since it ran, and a down that was interrupted', async () => {
        const p = tempProject({ 'migrations/001_orders.sql': header + FIXED })
        const url = await dialect.createDatabase()
        try {
          expect((await runMig(['up', '--database', url], p.dir)).code).toBe(0)
          await interrupt(url, 3)
          writeFileSync(join(p.dir, 'migrations/001_orders.sql'), `${header + FIXED}-- a comment\n`)
          const changed = await runMig(['up', '--database', url], p.dir)
          expect(changed.code).toBe(1)
          expect(changed.stderr).toMatch(/001_orders failed earlier/)
          writeFileSync(join(p.dir, 'migrations/001_orders.sql'), header + FIXED)
          await withDriver(dialect.name, url, (d) => d.query("UPDATE schema_migrations SET error = 'rolling back' WHERE version = '001'"))
          const down = await runMig(['up', '--database', url], p.dir)
          expect(down.code).toBe(1)
          const tables = await withDriver(dialect.name, url, (d) => tableNames(dialect.name, d))
          expect(tables).not.toContain('customers')
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      })
    }
  })
}
