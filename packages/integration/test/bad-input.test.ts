import { pgAdmin, mysqlAdmin, tempProject, testDialects } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DRIVERS } from './drivers.js'
import { runMig, startMig, tableNames, withDriver } from './cli.js'

// Capability-gated cases are not registered at all on dialects they do not apply to (never reported as skipped).
const notForThisDialect = (() => {}) as unknown as typeof it
const itOn = (applies: boolean): typeof it => (applies ? it : notForThisDialect)

/** Bad input through the CLI: what a user sees, and what is left in the database. */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: bad input`, () => {
    let url: string
    beforeAll(async () => {
      url = await dialect.createDatabase()
    })
    afterAll(async () => {
      await dialect.dropDatabase(url)
    })

    it('a syntax error shows file:line and records nothing where DDL is transactional', async () => {
      const p = tempProject({
        'migrations/001_ok.sql': 'CREATE TABLE ok1 (id INTEGER);\n',
        'migrations/002_bad.sql': 'CREATE TABLE bad1 (id INTEGER);\n\nCREATE TABLE bad2 (\n  id INTEGER,,\n  x INTEGER\n);\n',
      })
      try {
        const r = await runMig(['up', '--database', url], p.dir)
        expect(r.code).toBe(1)
        expect(r.stdout).toMatch(/Applying 001_ok\.\.\. done/)
        const line = dialect.name === 'sqlite' ? 3 : 4
        expect(r.stderr).toContain(`002_bad.sql:${line}`)
        expect(r.stderr).toMatch(/syntax/i)
        const rows = await withDriver(dialect.name, url, (d) => d.query('SELECT version, status FROM schema_migrations ORDER BY version'))
        const transactional = DRIVERS[dialect.name](url).capabilities.transactionalDdl
        expect(rows.map((r) => `${r.version}:${r.status}`)).toEqual(transactional ? ['001:applied'] : ['001:applied', '002:failed'])
      } finally {
        p.cleanup()
      }
    })

    itOn(dialect.passwords)('a wrong password exits 2 with a message that does not contain it', async () => {
      const p = tempProject({ 'migrations/001_a.sql': 'CREATE TABLE a (id INTEGER);\n' })
      try {
        const bad = dialect.urlWithCredentials(url, 'mig_nobody', 'Sup3rS3cret')
        for (const args of [
          ['up', '--database', bad],
          ['status', '--database', bad],
        ]) {
          const r = await runMig(args, p.dir)
          expect(r.code).toBe(2)
          expect(r.stderr + r.stdout).not.toContain('Sup3rS3cret')
          expect(r.stderr).toContain('mig_nobody:***@')
          expect(r.stderr).toMatch(/cannot connect/)
        }
        const env = await runMig(['up'], p.dir, { DATABASE_URL: bad })
        expect(env.code).toBe(2)
        expect(env.stderr).not.toContain('Sup3rS3cret')
      } finally {
        p.cleanup()
      }
    })

    it('a lock held by another runner past --lock-timeout exits 3 naming the holder', async () => {
      const p = tempProject({ 'migrations/101_a.sql': 'CREATE TABLE locked_a (id INTEGER);\n' })
      const holder = DRIVERS[dialect.name](url, { applicationName: 'other-mig' })
      await holder.connect()
      const lock = await holder.acquireLock({ key: 'mig:schema_migrations' })
      try {
        const started = Date.now()
        const r = await runMig(['up', '--database', url, '--lock-timeout', '1'], p.dir)
        expect(r.code).toBe(3)
        expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
        expect(r.stderr).toMatch(/could not acquire the migration lock within 1000ms; held by pid/)
        if (dialect.name === 'postgres') expect(r.stderr).toContain('other-mig')
      } finally {
        await lock.release()
        await holder.close()
        p.cleanup()
      }
      const after = await withDriver(dialect.name, url, (d) =>
        d.query(`SELECT COUNT(*) AS n FROM schema_migrations WHERE version = '101'`).catch(() => [{ n: 0 }]),
      )
      expect(Number(after[0]!.n)).toBe(0)
    })

    itOn(dialect.name !== 'sqlite')('the server going away mid-run is reported, and the state stays honest', async () => {
      const db = await dialect.createDatabase()
      // long the first time; once the flag is set (before the re-run), at once
      const sleep =
        dialect.name === 'postgres'
          ? 'SELECT pg_sleep(CASE WHEN EXISTS (SELECT 1 FROM gone_a) THEN 0 ELSE 30 END);'
          : 'SELECT SLEEP(IF(EXISTS (SELECT 1 FROM gone_a), 0, 30));'
      const p = tempProject({
        'migrations/001_a.sql': 'CREATE TABLE gone_a (id INTEGER);\n',
        'migrations/002_slow.sql': `CREATE TABLE gone_b (id INTEGER);\n${sleep}\nCREATE TABLE gone_c (id INTEGER);\n`,
      })
      try {
        const { child, done } = startMig(['up', '--database', db], p.dir)
        await new Promise<void>((resolve) => {
          child.stdout!.on('data', (d) => {
            if (String(d).includes('Applying 002_slow')) resolve()
          })
        })
        await new Promise((r) => setTimeout(r, 300))
        const name = new URL(db).pathname.slice(1)
        // every session of mig is killed, as when the server restarts
        if (dialect.name === 'postgres')
          await pgAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
        else {
          const rows: { ID: number }[] = []
          await withDriver('mysql', db, async (d) => {
            for (const r of await d.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()`, [name]))
              rows.push(r as { ID: number })
          })
          await mysqlAdmin(...rows.map((r) => `KILL ${r.ID}`))
        }
        const r = await done
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(/^error: /m)
        expect(r.stderr).toContain('002_slow')
        expect(r.stderr).not.toMatch(/Unhandled|at .*\.js:\d+/)
        const status = await runMig(['status', '--database', db], p.dir)
        await withDriver(dialect.name, db, (d) => d.query('INSERT INTO gone_a VALUES (1)'))
        const again = await runMig(['up', '--database', db], p.dir)
        expect(again.code, again.stderr).toBe(0)
        if (dialect.name === 'postgres') {
          // the migration's transaction died with its session: nothing of it remains
          expect(status.stdout).toMatch(/002\s+slow\s+pending/)
        } else {
          // statement 1 committed before the kill and its progress with it: the row says the
          // migration was interrupted, and the re-run resumes it after that statement
          expect(status.stdout).toMatch(/002\s+slow\s+failed/)
          expect(again.stdout).toMatch(/002_slow \(interrupted earlier with 1 statement committed: resuming at statement 2\)/)
        }
        const tables = await withDriver(dialect.name, db, (d) => tableNames(dialect.name, d))
        expect(tables).toEqual(expect.arrayContaining(['gone_a', 'gone_b', 'gone_c']))
      } finally {
        p.cleanup()
        await dialect.dropDatabase(db)
      }
    })
  })
}
