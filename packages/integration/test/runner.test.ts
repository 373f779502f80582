import {
  type Driver,
  type HistoryRow,
  HistoryStore,
  LockTimeoutError,
  type LockHolder,
  createCoreContext,
  createMigrator,
  directory,
  MigrationError,
  PlanError,
  ConnectionError,
  type Migrator,
  runMigration,
} from '@mig/core'
import { tempProject, testDialects, type TempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capabilitiesOf, DRIVERS } from './drivers.js'

// Capability-gated cases are not registered at all on dialects they do not apply to (never reported as skipped).
const notForThisDialect = (() => {}) as unknown as typeof it
const itOn = (applies: boolean): typeof it => (applies ? it : notForThisDialect)

for (const dialect of testDialects()) {
  describe(dialect.name, () => {
    let url: string
    let counter = 0
    const open: { migrator?: Migrator; driver?: Driver }[] = []
    const projects: TempProject[] = []

    beforeAll(async () => {
      url = await dialect.createDatabase()
    })
    afterAll(async () => {
      for (const o of open) await (o.migrator ? o.migrator.close() : o.driver?.close())
      for (const p of projects) p.cleanup()
      await dialect.dropDatabase(url)
    })

    /** A project with its own history table and table-name prefix, so cases share one database. */
    function setup(files: (p: string) => Record<string, string>, options: { historyTable?: string; lockTimeoutMs?: number; url?: string } = {}) {
      const p = `c${++counter}_`
      const project = tempProject(Object.fromEntries(Object.entries(files(p)).map(([k, v]) => [`migrations/${k}`, v])))
      projects.push(project)
      const make = () => {
        const driver = DRIVERS[dialect.name](options.url ?? url, { applicationName: 'mig-test' })
        const migrator = createMigrator({
          driver,
          sources: [directory(project.path('migrations'))],
          historyTable: options.historyTable ?? `${p}history`,
          lockTimeoutMs: options.lockTimeoutMs,
        })
        open.push({ migrator })
        return migrator
      }
      return { p, project, migrator: make(), make }
    }

    const tables = async (m: Migrator, p: string) => {
      const all =
        dialect.name === 'sqlite'
          ? await m.driver.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
          : dialect.name === 'postgres'
            ? await m.driver.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)
            : await m.driver.query(`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)
      return all
        .map((r) => String(r.name))
        .filter((n) => n.startsWith(p) && !n.startsWith(`${p}history`))
        .sort()
    }

    it('applies and reverts, writing history rows and the log (UTC timestamps)', async () => {
      const { p, migrator } = setup((p) => ({
        '001_users.up.sql': `CREATE TABLE ${p}users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nINSERT INTO ${p}users VALUES (1, 'a;b');`,
        '001_users.down.sql': `DROP TABLE ${p}users;`,
        '002_orders.sql': `-- mig:up\nCREATE TABLE ${p}orders (id INTEGER PRIMARY KEY);\n-- mig:down\nDROP TABLE ${p}orders;\n`,
      }))
      const before = Date.now()
      const up = await migrator.up()
      expect(up.ok).toBe(true)
      expect(up.results.map((r) => r.status)).toEqual(['applied', 'applied'])
      expect(await tables(migrator, p)).toEqual([`${p}orders`, `${p}users`])
      const rows = await migrator.history.rows()
      expect(rows.map((r) => [r.version, r.status, r.kind])).toEqual([
        ['001', 'applied', 'versioned'],
        ['002', 'applied', 'versioned'],
      ])
      expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/)
      for (const r of rows) {
        expect(Math.abs(r.appliedAt.getTime() - before)).toBeLessThan(60_000)
      }
      const users = await migrator.driver.query(`SELECT name FROM ${p}users`)
      expect(users).toEqual([{ name: 'a;b' }])
      const down = await migrator.down()
      expect(down.ok).toBe(true)
      expect(await tables(migrator, p)).toEqual([`${p}users`])
      const log = await migrator.history.readLog()
      expect(log.map((l) => `${l.version}:${l.action}:${l.status}`)).toEqual(['001:apply:ok', '002:apply:ok', '002:revert:ok'])
      expect(log[0]!.sql).toContain(`CREATE TABLE ${p}users`)
      expect(Math.abs(log[0]!.at.getTime() - before)).toBeLessThan(60_000)
      expect((await migrator.status()).map((s) => s.status)).toEqual(['applied', 'pending'])
    })

    it('history rows read back exactly as written: every field, millisecond timestamps, nulls', async () => {
      const { migrator } = setup(() => ({ '001_a.sql': 'SELECT 1;' }))
      await migrator.init()
      // PostgreSQL: a session time zone that is not UTC (history is read as JSON text with an offset)
      if (dialect.name === 'postgres') await migrator.driver.query(`SET TimeZone = 'Asia/Kolkata'`)
      const written: HistoryRow[] = [
        {
          version: '001',
          name: 'a',
          kind: 'versioned',
          checksum: 'c'.repeat(64),
          appliedAt: new Date('2026-03-04T05:06:07.089Z'),
          durationMs: 1234,
          appliedBy: 'ann (ci)',
          scope: 'shared',
          status: 'applied',
          error: null,
          statementIndex: null,
          statementLine: null,
        },
        {
          version: '002',
          name: 'b "quoted" \\ ü',
          kind: 'repeatable',
          checksum: 'd'.repeat(64),
          appliedAt: new Date('1999-12-31T23:59:59.999Z'),
          durationMs: 0,
          appliedBy: 'bob',
          scope: 'tenant',
          status: 'failed',
          error: 'line 1\nline 2: "x"',
          statementIndex: 3,
          statementLine: 17,
        },
      ]
      for (const row of written) await migrator.recorder.writeRow(migrator.driver, row, { exists: false })
      expect(await migrator.history.rows()).toEqual(written)
      // a server that refuses the one-row JSON read (too old for the aggregate) is read row by row
      const driver = migrator.driver
      const refusing = Object.assign(Object.create(driver) as Driver, { dialect: { ...driver.dialect, jsonRows: () => 'SELECT no_such_aggregate()' } })
      expect(await new HistoryStore(refusing, migrator.history.table).rows()).toEqual(written)
    })

    itOn(dialect.name === 'mysql')('a history longer than MariaDB lets JSON_ARRAYAGG be is read row by row', async () => {
      const { p, migrator } = setup(() => ({ '001_a.sql': 'SELECT 1;' }))
      await migrator.init()
      const written: HistoryRow[] = Array.from({ length: 20 }, (_, i) => ({
        version: String(100 + i),
        name: `migration_${i}`,
        kind: 'versioned',
        checksum: String(i % 10).repeat(64),
        appliedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 5)),
        durationMs: i,
        appliedBy: 'ann',
        scope: 'shared',
        status: 'applied',
        error: null,
        statementIndex: null,
        statementLine: null,
      }))
      for (const row of written) await migrator.recorder.writeRow(migrator.driver, row, { exists: false })
      // 20 rows of JSON are ~5 KB: more than this session lets an aggregate be
      await migrator.driver.query('SET SESSION group_concat_max_len = 1024')
      const [{ v }] = (await migrator.driver.query('SELECT VERSION() AS v')) as [{ v: string }]
      if (/mariadb/i.test(v)) {
        // the case is real: the aggregate comes back cut (MySQL 8 does not cut JSON_ARRAYAGG)
        const raw = Object.values(
          (await migrator.driver.query(migrator.driver.dialect.jsonRows!(`\`${p}history\``, ['version', 'name', 'checksum', 'applied_at'])))[0]!,
        )[0]
        expect(() => JSON.parse(String(raw))).toThrow()
      }
      expect(await migrator.history.rows()).toEqual(written)
      // cut between two rows, MariaDB's array is still valid JSON (rows missing): never taken for the history
      await migrator.driver.query('SET SESSION group_concat_max_len = 1048576')
      const driver = migrator.driver
      const sent: string[] = []
      const spying = Object.assign(Object.create(driver) as Driver, {
        query: (sql: string, params?: readonly unknown[]) => {
          sent.push(sql)
          return driver.query(sql, params)
        },
      })
      await new HistoryStore(spying, migrator.history.table).rows()
      const whole = String(Object.values((await driver.query(sent.find((sql) => /JSON_ARRAYAGG/.test(sql))!))[0]!)[0])
      // the length of the array's first row: a cut there leaves `[{...}]`
      const boundary = whole.indexOf('},') + 1
      expect(boundary).toBeGreaterThan(1)
      for (let n = boundary - 3; n <= boundary + 3; n++) {
        await migrator.driver.query(`SET SESSION group_concat_max_len = ${n}`)
        expect(await migrator.history.rows()).toEqual(written)
      }
    })

    it('status on a database without history shows everything pending and creates no table', async () => {
      const { p, migrator } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);`, '002_b.sql': `CREATE TABLE ${p}b (id INTEGER);` }))
      expect((await migrator.status()).map((s) => `${s.version}:${s.status}`)).toEqual(['001:pending', '002:pending'])
      const missing = await migrator.driver.query(`SELECT 1 FROM ${p}history`).then(
        () => 'exists',
        () => 'missing',
      )
      expect(missing).toBe('missing')
    })

    it('a history that exists but cannot be read is an error, never "everything pending"', async () => {
      const { p, migrator, project } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);`, '002_b.sql': `INSERT INTO ${p}a VALUES (1);` }))
      expect((await migrator.up()).ok).toBe(true)
      // a driver on which every read of the history table fails (a lost privilege, a timeout)
      const driver = DRIVERS[dialect.name](url)
      // connected first: the connection lives on the driver, the wrapper only filters its queries
      await driver.connect()
      const failing = Object.assign(Object.create(driver) as Driver, {
        query: (sql: string, params?: readonly unknown[]) =>
          new RegExp(`\\bFROM\\s+\\S*${p}history\\b`, 'i').test(sql)
            ? Promise.reject(new Error('permission denied for table history'))
            : driver.query(sql, params),
      })
      const blind = createMigrator({ driver: failing, sources: [directory(project.path('migrations'))], historyTable: `${p}history` })
      open.push({ migrator: blind })
      await expect(blind.status()).rejects.toThrow(/permission denied/)
      const up = await blind.up().then(
        (r) => r,
        (e: unknown) => e,
      )
      expect(up instanceof Error ? up.message : (up as { error?: Error }).error?.message).toMatch(/permission denied/)
      // nothing ran again
      const [{ n }] = (await migrator.driver.query(`SELECT COUNT(*) AS n FROM ${p}a`)) as [{ n: unknown }]
      expect(Number(n)).toBe(1)
    })

    itOn(dialect.name !== 'sqlite')('a run whose files are broken closes the connection it opened while reading them', async () => {
      const admin = DRIVERS[dialect.name](url)
      open.push({ driver: admin })
      await admin.connect()
      const sessions = async () => {
        const rows = await admin.query(
          dialect.name === 'postgres'
            ? 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()'
            : 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE()',
        )
        return Number(rows[0]!.n)
      }
      const before = await sessions()
      const { migrator } = setup(() => ({ '001.sql': 'SELECT 1;' }))
      for (const run of [() => migrator.status(), () => migrator.up()]) {
        await expect(run()).rejects.toThrow(/missing a name after the version/)
        // the server notices a closed connection a moment later
        const deadline = Date.now() + 5000
        while ((await sessions()) > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        expect(await sessions()).toBe(before)
      }
    })

    it('a failing migration names file and line; rolled back atomically or left failed by capability', async () => {
      const { p, migrator } = setup((p) => ({
        '001_ok.sql': `CREATE TABLE ${p}ok (id INTEGER);`,
        '002_bad.sql': `CREATE TABLE ${p}half (id INTEGER);\nINSERT INTO ${p}half VALUES (1);\n\nINSERT INTO ${p}missing_table VALUES (1);\nCREATE TABLE ${p}never (id INTEGER);\n`,
      }))
      const r = await migrator.up()
      expect(r.ok).toBe(false)
      expect(r.results.map((x) => x.status)).toEqual(['applied', 'failed'])
      const err = r.error!
      expect(err).toBeInstanceOf(MigrationError)
      expect(err.file).toMatch(/002_bad\.sql$/)
      expect(err.line).toBe(4)
      expect(err.statementIndex).toBe(3)
      expect(err.statement).toContain(`${p}missing_table`)
      const rows = await migrator.history.rows()
      if (migrator.driver.capabilities.transactionalDdl) {
        expect(await tables(migrator, p)).toEqual([`${p}ok`])
        expect(rows.map((x) => x.version)).toEqual(['001'])
      } else {
        expect(await tables(migrator, p)).toEqual([`${p}half`, `${p}ok`])
        const failed = rows.find((x) => x.version === '002')!
        expect(failed.status).toBe('failed')
        expect(failed.statementIndex).toBe(3)
        expect(failed.statementLine).toBe(4)
        expect(failed.error).toMatch(/statement 3 \(line 4\)/)
        await expect(migrator.up()).rejects.toMatchObject({ reason: 'failed' })
      }
      const log = await migrator.history.readLog('002')
      expect(log.map((l) => l.status)).toEqual(['failed'])
    })

    // SQLite returns NULL for a division by zero instead of raising an error
    itOn(dialect.name !== 'sqlite')('an error the server gives no position for names the statement that failed', async () => {
      // division by zero is raised while the statement runs: only the count of completed statements tells which
      const { migrator } = setup((p) => ({
        '001_ok.sql': `CREATE TABLE ${p}ok (id INTEGER);\nINSERT INTO ${p}ok VALUES (1);\n`,
        '002_bad.sql': `CREATE TABLE ${p}t (id INTEGER);\n-- a comment\nINSERT INTO ${p}t VALUES (1);\nINSERT INTO ${p}t SELECT 1 / (SELECT COUNT(*) - 1 FROM ${p}t);\nINSERT INTO ${p}t VALUES (3);\n`,
      }))
      const r = await migrator.up()
      expect(r.results.map((x) => x.status)).toEqual(['applied', 'failed'])
      expect(r.error!.message).toMatch(/division by (zero|0)/i)
      expect(r.error!.statementIndex).toBe(3)
      expect(r.error!.line).toBe(4)
      expect(r.error!.statement).toContain('1 / (SELECT')
    })

    itOn(capabilitiesOf(dialect.name).transactionalDdl)('--single-transaction: a failure names its own migration and undoes the batch', async () => {
      const { p, migrator } = setup((p) => ({
        '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);\nINSERT INTO ${p}a VALUES (1);\n`,
        '002_b.sql': `CREATE TABLE ${p}b (id INTEGER);\nINSERT INTO ${p}missing VALUES (1);\n`,
        '003_c.sql': `CREATE TABLE ${p}c (id INTEGER);\n`,
      }))
      const r = await migrator.up({ singleTransaction: true })
      expect(r.ok).toBe(false)
      expect(r.results.map((x) => `${x.migration.version}:${x.status}`)).toEqual(['001:rolled-back', '002:failed'])
      expect(r.error!.migration).toBe('002_b')
      expect(r.error!.line).toBe(2)
      expect(await tables(migrator, p)).toEqual([])
      expect(await migrator.history.rows()).toEqual([])
      const ok = await migrator.up({ to: '001', singleTransaction: true })
      expect(ok.results.map((x) => `${x.migration.version}:${x.status}`)).toEqual(['001:applied'])
      expect(await tables(migrator, p)).toEqual([`${p}a`])
    })

    itOn(Boolean(capabilitiesOf(dialect.name).queuedTransactions))('migrations queued behind one that fails never apply; events stay in order', async () => {
      const { p, migrator } = setup((p) => ({
        '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);\n`,
        '002_slow_fail.sql': `CREATE TABLE ${p}b (id INTEGER);\nSELECT pg_sleep(0.2);\nINSERT INTO ${p}missing VALUES (1);\n`,
        '003_c.sql': `CREATE TABLE ${p}c (id INTEGER);\n`,
        '004_d.sql': `CREATE TABLE ${p}d (id INTEGER);\n`,
      }))
      const events: string[] = []
      migrator.on('migration:start', ({ migration }) => events.push(`start ${migration.version}`))
      migrator.on('migration:applied', ({ migration }) => events.push(`applied ${migration.version}`))
      migrator.on('migration:failed', ({ migration }) => events.push(`failed ${migration.version}`))
      const r = await migrator.up()
      expect(r.results.map((x) => `${x.migration.version}:${x.status}`)).toEqual(['001:applied', '002:failed'])
      expect(events).toEqual(['start 001', 'applied 001', 'start 002', 'failed 002'])
      expect(await tables(migrator, p)).toEqual([`${p}a`])
      expect((await migrator.history.rows()).map((x) => x.version)).toEqual(['001'])
      expect((await migrator.history.readLog()).map((l) => `${l.version}:${l.status}`)).toEqual(['001:ok', '002:failed'])
      // fixed, the rest applies in order
      await migrator.driver.query(`CREATE TABLE ${p}missing (id INTEGER)`)
      const again = await migrator.up()
      expect(again.results.map((x) => `${x.migration.version}:${x.status}`)).toEqual(['002:applied', '003:applied', '004:applied'])
      expect(await tables(migrator, p)).toEqual([`${p}a`, `${p}b`, `${p}c`, `${p}d`, `${p}missing`])
    })

    itOn(dialect.name !== 'sqlite')('history and log record how long the migration ran on the server', async () => {
      const sleep = dialect.name === 'postgres' ? 'SELECT pg_sleep(0.2)' : 'SELECT SLEEP(0.2)'
      const { migrator } = setup(() => ({ '001_slow.sql': `${sleep};\n` }))
      const r = await migrator.up()
      expect(r.ok).toBe(true)
      const [row] = await migrator.history.rows()
      expect(row!.durationMs).toBeGreaterThanOrEqual(195)
      expect(row!.durationMs).toBeLessThan(10_000)
      const [entry] = await migrator.history.readLog('001')
      expect(entry!.durationMs).toBeGreaterThanOrEqual(195)
    })

    it('a no-transaction migration that fails leaves a failed row; resolve and repair clear it', async () => {
      const { p, project, migrator } = setup((p) => ({
        '001_a.sql': `-- mig:no-transaction\nCREATE TABLE ${p}a (id INTEGER);\nINSERT INTO ${p}nope VALUES (1);\n`,
        '002_b.sql': `-- mig:no-transaction\nCREATE TABLE ${p}b (id INTEGER);\nINSERT INTO ${p}nope VALUES (1);\n`,
      }))
      const r = await migrator.up()
      expect(r.ok).toBe(false)
      let rows = await migrator.history.rows()
      expect(rows.map((x) => [x.version, x.status, x.statementIndex, x.statementLine])).toEqual([['001', 'failed', 2, 3]])
      expect((await migrator.status()).map((s) => s.status)).toEqual(['failed', 'pending'])
      await expect(migrator.up()).rejects.toBeInstanceOf(PlanError)
      await expect(migrator.resolve('002', 'applied')).rejects.toBeInstanceOf(PlanError)
      // fixed by hand: the table exists, so record it applied
      const resolved = await migrator.resolve('001', 'applied')
      expect(resolved).toMatchObject({ version: '001', previousStatus: 'failed', resolvedAs: 'applied' })
      rows = await migrator.history.rows()
      expect(rows.map((x) => [x.version, x.status, x.error])).toEqual([['001', 'applied', null]])
      // 002 fails next; repair clears it, the fixed file then applies
      expect((await migrator.up()).ok).toBe(false)
      expect((await migrator.history.rows()).find((x) => x.version === '002')?.status).toBe('failed')
      const repaired = await migrator.repair()
      expect(repaired.map((x) => x.version)).toEqual(['002'])
      expect(await migrator.repair()).toEqual([])
      await migrator.driver.query(`DROP TABLE ${p}b`)
      project.write({ 'migrations/002_b.sql': `-- mig:no-transaction\nCREATE TABLE ${p}b (id INTEGER);\n` })
      const fresh = setup(() => ({}))
      void fresh
      const again = createMigrator({ driver: DRIVERS[dialect.name](url), sources: [directory(project.path('migrations'))], historyTable: `${p}history` })
      open.push({ migrator: again })
      expect((await again.up()).ok).toBe(true)
      const log = await again.history.readLog()
      expect(log.map((l) => `${l.version}:${l.action}:${l.status}`)).toEqual([
        '001:apply:failed',
        '001:resolve:ok',
        '002:apply:failed',
        '002:repair:ok',
        '002:apply:ok',
      ])
      expect(log[1]!.error).toMatch(/resolved as applied \(was failed/)
    })

    itOn(!capabilitiesOf(dialect.name).transactionalDdl)('a script with its own transaction keeps it (non-transactional DDL)', async () => {
      const { p, migrator } = setup((p) => ({
        '001_tx.sql': `CREATE TABLE ${p}x (id INTEGER);\nSTART TRANSACTION;\nINSERT INTO ${p}x VALUES (1);\nINSERT INTO ${p}x VALUES (2);\nROLLBACK;\nBEGIN;\nINSERT INTO ${p}x VALUES (3);\nCOMMIT;\nINSERT INTO ${p}x VALUES (4);\n`,
        '002_after.sql': `CREATE TABLE ${p}y (id INTEGER);\nINSERT INTO ${p}y VALUES (1);\n`,
      }))
      const r = await migrator.up()
      expect(r.error?.message).toBeUndefined()
      // the script's ROLLBACK undid its own inserts, nothing mig did committed them early
      expect((await migrator.driver.query(`SELECT id FROM ${p}x ORDER BY id`)).map((x) => Number(x.id))).toEqual([3, 4])
      const rows = await migrator.history.rows()
      expect(rows.map((x) => `${x.version}:${x.status}:${x.statementIndex}`)).toEqual(['001:applied:null', '002:applied:null'])
      const log = await migrator.history.readLog()
      expect(log.map((l) => `${l.version}:${l.action}:${l.status}`)).toEqual(['001:apply:ok', '002:apply:ok'])
    })

    it('code migrations run on the same connection, through ctx.query and the driver client', async () => {
      const viaClient: Record<string, string> = {
        sqlite: 'ctx.client.exec(`INSERT INTO ${t} VALUES (2)`)',
        postgres: 'await ctx.client.query(`INSERT INTO ${t} VALUES (2)`)',
        mysql: 'await ctx.client.query(`INSERT INTO ${t} VALUES (2)`)',
      }
      const { p, migrator } = setup((p) => ({
        '001_code.mjs': `const t = '${p}code'\nexport async function up(ctx) {\n  await ctx.query(\`CREATE TABLE \${t} (id INTEGER)\`)\n  await ctx.query(\`INSERT INTO \${t} VALUES (?)\`, [1])\n  ${viaClient[dialect.name]}\n}\nexport async function down(ctx) {\n  await ctx.query(\`DROP TABLE \${t}\`)\n}\n`,
        '002_after.sql': `INSERT INTO ${p}code VALUES (3);\n`,
      }))
      const r = await migrator.up()
      expect(r.error?.message).toBeUndefined()
      expect((await migrator.driver.query(`SELECT id FROM ${p}code ORDER BY id`)).map((x) => Number(x.id))).toEqual([1, 2, 3])
      expect((await migrator.history.rows()).map((x) => `${x.version}:${x.status}`)).toEqual(['001:applied', '002:applied'])
    })

    it("a code migration's INSERT is sent when it is made, not held back: the driver's own client sees it at once", async () => {
      // Only core's history writes may wait for the next round trip (QueryExecutor.defer); a statement
      // given to query() is on the server when the call returns, inside the migration's transaction.
      const count: Record<string, string> = {
        sqlite: 'ctx.client.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get().n',
        postgres: '(await ctx.client.query(`SELECT COUNT(*) AS n FROM ${t}`)).rows[0].n',
        mysql: '(await ctx.client.query(`SELECT COUNT(*) AS n FROM ${t}`))[0][0].n',
      }
      const { p, migrator } = setup((p) => ({
        '001_table.sql': `CREATE TABLE ${p}sent (id INTEGER);\n`,
        '002_code.mjs': [
          `const t = '${p}sent'`,
          'export async function up(ctx) {',
          '  await ctx.query(`INSERT INTO ${t} VALUES (1)`)',
          '  await ctx.query(`INSERT INTO ${t} VALUES (?)`, [2])',
          `  ctx.log(\`seen \${${count[dialect.name]}}\`)`,
          '}',
          '',
        ].join('\n'),
      }))
      const seen: string[] = []
      migrator.on('log', (e) => seen.push(e.message))
      const r = await migrator.up()
      expect(r.error?.message).toBeUndefined()
      expect(seen).toEqual(['seen 2'])
      expect((await migrator.driver.query(`SELECT id FROM ${p}sent ORDER BY id`)).map((x) => Number(x.id))).toEqual([1, 2])
    })

    it('runMigration executes and records one migration on another connection, in the scope it is given', async () => {
      const { p, project, migrator } = setup((p) => ({
        '001_a.sql': `CREATE TABLE ${p}scoped (id INTEGER);\n`,
        '002_b.sql': `INSERT INTO ${p}scoped VALUES (1);\n`,
      }))
      expect((await migrator.up({ steps: 1 })).ok).toBe(true)
      const other = DRIVERS[dialect.name](url, { applicationName: 'mig-test' })
      open.push({ driver: other })
      await other.connect()
      const events: string[] = []
      const options = { driver: other, sources: [directory(project.path('migrations'))], historyTable: `${p}history` }
      const ctx = createCoreContext(options, (event) => {
        events.push(event)
      })
      const second = (await ctx.session.discover())[1]!
      const task = { migration: second, direction: 'up' as const, index: 0, total: 1, hadRow: false }
      const result = await runMigration(ctx, { driver: other, scope: 'tenant_a' }, task)
      // what rides with the connection's next round trip (MySQL) is committed now
      await other.sync?.()
      expect(result.error?.message).toBeUndefined()
      expect(result.status).toBe('applied')
      expect(events.filter((e) => e.startsWith('migration:'))).toEqual(['migration:start', 'migration:applied'])
      expect((await migrator.history.rows()).map((r) => `${r.scope}:${r.version}:${r.status}`)).toEqual(['shared:001:applied', 'tenant_a:002:applied'])
      expect((await migrator.history.readLog('002')).map((l) => `${l.scope}:${l.action}:${l.status}`)).toEqual(['tenant_a:apply:ok'])
      expect((await migrator.driver.query(`SELECT id FROM ${p}scoped`)).map((x) => Number(x.id))).toEqual([1])
      // the migrator's own scope still has 002 pending
      expect((await migrator.status()).map((s) => `${s.version}:${s.status}`)).toEqual(['001:applied', '002:pending'])
    })

    it('a migration modified after it was applied stops up', async () => {
      const { p, project, migrator } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);` }))
      expect((await migrator.up()).ok).toBe(true)
      project.write({ 'migrations/001_a.sql': `CREATE TABLE ${p}a (id INTEGER, x INTEGER);`, 'migrations/002_b.sql': `CREATE TABLE ${p}b (id INTEGER);` })
      const m2 = createMigrator({ driver: DRIVERS[dialect.name](url), sources: [directory(project.path('migrations'))], historyTable: `${p}history` })
      open.push({ migrator: m2 })
      await expect(m2.up()).rejects.toMatchObject({ reason: 'modified', versions: ['001'] })
      expect((await m2.status()).map((s) => s.status)).toEqual(['modified', 'pending'])
      expect(await tables(m2, p)).toEqual([`${p}a`])
    })

    it('reports a syntax error at the file line the server points to', async () => {
      const { migrator } = setup((p) => ({
        '001_syntax.sql': `CREATE TABLE ${p}x (id INTEGER);\n\nCREATE TABLE ${p}y (\n  id INTEGER,,\n  z INTEGER\n);\n`,
      }))
      const r = await migrator.up()
      expect(r.ok).toBe(false)
      expect(r.error!.file).toMatch(/001_syntax\.sql$/)
      expect(r.error!.message).toMatch(/001_syntax\.sql:\d+/)
      // PostgreSQL gives a position and MySQL a line inside the statement: both land on line 4.
      // SQLite gives neither: the statement's first line.
      expect(r.error!.line).toBe(dialect.name === 'sqlite' ? 3 : 4)
      if (migrator.driver.capabilities.transactionalDdl) expect(await migrator.history.rows()).toEqual([])
    })

    it("a syntax error in a migration's last statement quotes that statement only, none of mig's own writes", async () => {
      const { migrator } = setup((p) => ({
        '001_last.sql': `CREATE TABLE ${p}x (id INTEGER);
SELEC nothing;
`,
      }))
      const r = await migrator.up()
      expect(r.ok).toBe(false)
      expect(r.error!.message).not.toMatch(/schema_migrations|\n/)
      if (dialect.name === 'mysql') expect(r.error!.message).toMatch(/near 'SELEC nothing' at line 1/)
    })

    it('runs engine-specific bodies: functions, routines, triggers with BEGIN ... END', async () => {
      const bodies: Record<string, (p: string) => string> = {
        postgres: (p) =>
          `CREATE TABLE ${p}t (id int, note text);\nCREATE FUNCTION ${p}f() RETURNS trigger AS $$\nBEGIN\n  NEW.note := 'set; by trigger';\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nCREATE TRIGGER ${p}trg BEFORE INSERT ON ${p}t FOR EACH ROW EXECUTE FUNCTION ${p}f();\nDO $do$ BEGIN INSERT INTO ${p}t (id) VALUES (1); END $do$;\nCREATE FUNCTION ${p}g(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT i + 1; END;\n`,
        mysql: (p) =>
          `CREATE TABLE ${p}t (id INT, note VARCHAR(50));\nDELIMITER $$\nCREATE TRIGGER ${p}trg BEFORE INSERT ON ${p}t FOR EACH ROW\nBEGIN\n  SET NEW.note = 'set; by trigger';\nEND$$\nDELIMITER ;\nCREATE PROCEDURE ${p}p() BEGIN INSERT INTO ${p}t (id) VALUES (1); END;\nCALL ${p}p();\n`,
        sqlite: (p) =>
          `CREATE TABLE ${p}t (id INTEGER, note TEXT);\nCREATE TRIGGER ${p}trg AFTER INSERT ON ${p}t BEGIN\n  UPDATE ${p}t SET note = 'set; by trigger' WHERE id = NEW.id;\nEND;\nINSERT INTO ${p}t (id) VALUES (1);\n`,
      }
      const { p, migrator } = setup((p) => ({ '001_body.sql': bodies[dialect.name]!(p) }))
      const r = await migrator.up()
      expect(r.error?.message).toBeUndefined()
      expect(await migrator.driver.query(`SELECT id, note FROM ${p}t`)).toEqual([{ id: 1, note: 'set; by trigger' }])
    })

    it('second runner waits for the lock, reports the holder, then proceeds', async () => {
      const { p, make } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);` }))
      const holderDriver = DRIVERS[dialect.name](url, { applicationName: 'mig-holder' })
      open.push({ driver: holderDriver })
      await holderDriver.connect()
      const lock = await holderDriver.acquireLock({ key: `mig:${p}history` })
      const waiter = make()
      const seen: (LockHolder | undefined)[] = []
      waiter.on('lock:waiting', (e) => seen.push(e.holder))
      const started = Date.now()
      const running = waiter.up()
      await new Promise((r) => setTimeout(r, 1500))
      await lock.release()
      const result = await running
      expect(result.ok).toBe(true)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
      expect(seen.length).toBeGreaterThanOrEqual(1)
      expect(seen[0]?.pid).toBeDefined()
      if (dialect.name === 'postgres') expect(seen[0]?.application).toBe('mig-holder')
      expect((await waiter.history.rows()).map((r) => r.version)).toEqual(['001'])
    })

    it('gives up with LockTimeoutError naming the holder after --lock-timeout', async () => {
      const { p, make } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);` }), { lockTimeoutMs: 800 })
      const holderDriver = DRIVERS[dialect.name](url, { applicationName: 'mig-holder' })
      open.push({ driver: holderDriver })
      await holderDriver.connect()
      const lock = await holderDriver.acquireLock({ key: `mig:${p}history` })
      try {
        const waiter = make()
        const started = Date.now()
        const err = await waiter.up().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err).toBeInstanceOf(LockTimeoutError)
        expect((err as LockTimeoutError).holder?.pid).toBeDefined()
        expect(Date.now() - started).toBeGreaterThanOrEqual(750)
        expect(Date.now() - started).toBeLessThan(5000)
      } finally {
        await lock.release()
      }
    })

    it('an up with nothing to apply does not wait for the lock; one with work does', async () => {
      const { p, project, migrator, make } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);` }), { lockTimeoutMs: 500 })
      expect((await migrator.up()).ok).toBe(true)
      const holderDriver = DRIVERS[dialect.name](url, { applicationName: 'mig-holder' })
      open.push({ driver: holderDriver })
      await holderDriver.connect()
      const lock = await holderDriver.acquireLock({ key: `mig:${p}history` })
      try {
        const idle = await make().up()
        expect(idle.ok).toBe(true)
        expect(idle.results).toEqual([])
        project.write({ 'migrations/002_b.sql': `CREATE TABLE ${p}b (id INTEGER);` })
        await expect(make().up()).rejects.toBeInstanceOf(LockTimeoutError)
      } finally {
        await lock.release()
      }
      expect((await make().up()).results.map((r) => `${r.migration.version}:${r.status}`)).toEqual(['002:applied'])
    })

    it('keeps history in a schema-qualified table, creating the schema', async () => {
      const schema = dialect.name === 'sqlite' ? 'main' : `${new URL(url.replace(/^sqlite:/, 'file:')).pathname.split('/').pop()}_audit`
      const { p, migrator } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);` }), { historyTable: `${schema}.qualified_history` })
      try {
        expect((await migrator.up()).ok).toBe(true)
        expect(await tables(migrator, p)).toEqual([`${p}a`])
        const rows = await migrator.driver.query(
          `SELECT version FROM ${migrator.driver.dialect.quoteIdent(schema)}.${migrator.driver.dialect.quoteIdent('qualified_history')}`,
        )
        expect(rows.map((r) => String(r.version))).toEqual(['001'])
        expect((await migrator.status()).map((s) => s.status)).toEqual(['applied'])
      } finally {
        if (dialect.name === 'postgres') await migrator.driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        if (dialect.name === 'mysql') await migrator.driver.query(`DROP DATABASE IF EXISTS \`${schema}\``)
      }
    })

    it('a wrong password or an unreachable server is a ConnectionError without the password', async () => {
      const urls = [dialect.unreachableUrl()]
      if (dialect.passwords) urls.push(dialect.urlWithCredentials(url, 'mig_no_such_user', 'hunter2'))
      for (const bad of urls) {
        const driver = DRIVERS[dialect.name](bad)
        const err = await driver.connect().then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(err, bad).toBeInstanceOf(ConnectionError)
        expect((err as Error).message).not.toContain('hunter2')
        expect(driver.displayUrl).not.toContain('hunter2')
        if (dialect.passwords) expect((err as Error).message).toContain('***')
      }
    })

    itOn(dialect.name === 'postgres')(
      'CREATE INDEX CONCURRENTLY in a no-transaction migration does not deadlock with a waiting runner',
      async () => {
        const { p, make } = setup((p) => ({
          '001_t.sql': `CREATE TABLE ${p}t (id int);\nINSERT INTO ${p}t SELECT generate_series(1, 1000);`,
          '002_idx.sql': `-- mig:no-transaction\nSELECT pg_sleep(1.5);\nCREATE INDEX CONCURRENTLY ${p}idx ON ${p}t (id);\nALTER TABLE ${p}t ADD COLUMN done boolean;\n`,
        }))
        const first = make()
        const second = make()
        let waited = false
        second.on('lock:waiting', () => {
          waited = true
        })
        const acquired = new Promise<void>((resolve) => first.on('lock:acquired', () => resolve()))
        const a = first.up()
        await acquired
        const b = second.up()
        const [ra, rb] = await Promise.all([a, b])
        expect(ra.ok).toBe(true)
        expect(ra.results.map((r) => r.status)).toEqual(['applied', 'applied'])
        expect(rb.ok).toBe(true)
        expect(rb.results).toEqual([])
        expect(waited).toBe(true)
        const idx = await first.driver.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = '${p}idx'::regclass`)
        expect(idx).toEqual([{ indisvalid: true }])
      },
      30_000,
    )

    itOn(dialect.name === 'postgres')('respects search_path given in the URL', async () => {
      const admin = DRIVERS.postgres(url)
      open.push({ driver: admin })
      await admin.connect()
      await admin.query('CREATE SCHEMA IF NOT EXISTS app')
      const { p, migrator } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id int);` }), { url: `${url}?search_path=app` })
      expect((await migrator.up()).ok).toBe(true)
      const where = await admin.query(`SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_name LIKE '${p}%' ORDER BY 2`)
      expect(where.map((r) => `${r.s}.${r.t}`)).toEqual([`app.${p}a`, `app.${p}history`, `app.${p}history_log`, `app.${p}history_meta`])
    })

    it('fresh drops every object and applies everything again', async () => {
      const db = await dialect.createDatabase()
      try {
        const { p, project } = setup((p) => ({ '001_a.sql': `CREATE TABLE ${p}a (id INTEGER);\nCREATE VIEW ${p}v AS SELECT id FROM ${p}a;` }))
        const m = createMigrator({ driver: DRIVERS[dialect.name](db), sources: [directory(project.path('migrations'))], env: 'dev' })
        open.push({ migrator: m })
        expect((await m.up()).ok).toBe(true)
        await m.driver.query(`CREATE TABLE ${p}stray (id INTEGER)`)
        const r = await m.fresh()
        expect(r.ok).toBe(true)
        expect(await tables(m, p)).toEqual(dialect.name === 'sqlite' ? [`${p}a`] : [`${p}a`, `${p}v`])
        expect(await m.storedEnv()).toBe('dev')
        await m.close()
      } finally {
        await dialect.dropDatabase(db)
      }
    })
  })
}
