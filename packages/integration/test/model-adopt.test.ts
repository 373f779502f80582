import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { withDriver } from './cli.js'
import { errors, logOf, mig, modelProjects, stable, statusOf } from './model-helpers.js'
import { TOOL_TABLES, withToolHistory } from './tool-tables.js'

/** The history tables of the tools this suite imports from (as each tool creates them). */
const TOOLS = Object.fromEntries(['dbmate', 'golang-migrate', 'flyway', 'sqitch', 'knex'].map((tool) => [tool, TOOL_TABLES[tool]!]))

/** Rows each tool leaves after applying 20240101000001_users and 20240101000002_email, plus one unknown entry. */
const ROWS: Record<string, string[]> = {
  dbmate: ["INSERT INTO schema_migrations (version) VALUES ('20240101000001'), ('20240101000002'), ('20231231000000')"],
  'golang-migrate': ['INSERT INTO schema_migrations (version, dirty) VALUES (20240101000002, false)'],
  flyway: [
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '20240101000001', 'users', 'SQL', 'V20240101000001__users.sql', 123, 'me', 5, true)",
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (2, '1.5', 'email', 'SQL', 'V1_5__email.sql', 456, 'me', 5, true)",
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (3, '7', 'gone', 'SQL', 'V7__gone.sql', 789, 'me', 5, true)",
    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (4, NULL, 'views', 'SQL', 'R__views.sql', 1, 'me', 5, true)",
  ],
  sqitch: [
    "INSERT INTO {s}.projects (project, created_at, creator_name, creator_email) VALUES ('app', '2024-01-01 00:00:00', 'me', 'me@x')",
    "INSERT INTO {s}.changes (change_id, script_hash, {change}, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email) VALUES ('a1', 'h1', 'users', 'app', '', '2024-01-01 00:00:01', 'me', 'me@x', '2024-01-01 00:00:00', 'me', 'me@x')",
    "INSERT INTO {s}.changes (change_id, script_hash, {change}, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email) VALUES ('a2', 'h2', 'email', 'app', '', '2024-01-01 00:00:02', 'me', 'me@x', '2024-01-01 00:00:00', 'me', 'me@x')",
    "INSERT INTO {s}.changes (change_id, script_hash, {change}, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email) VALUES ('a3', 'h3', 'legacy_thing', 'app', '', '2024-01-01 00:00:03', 'me', 'me@x', '2024-01-01 00:00:00', 'me', 'me@x')",
  ],
  knex: [
    "INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101000001_users.js', 1, '2024-01-01 00:00:00'), ('20240101000002_email.ts', 1, '2024-01-01 00:00:00'), ('20230101000000_old.js', 1, '2024-01-01 00:00:00')",
  ],
}

const UNMATCHED: Record<string, string> = {
  dbmate: 'Not matched: 20231231000000: no migration has version 20231231000000',
  'golang-migrate': '',
  flyway: 'Not matched: V7__gone.sql: no migration has version 7 or name gone',
  sqitch: 'Not matched: legacy_thing: no migration is named legacy_thing',
  knex: 'Not matched: 20230101000000_old.js: no migration has version 20230101000000 or name old',
}

const PROJECT = {
  'mig.toml': 'history_table = "mig_history"\n',
  'migrations/20240101000001_users.sql': 'CREATE TABLE users (id int);\n-- mig:down\nDROP TABLE users;',
  'migrations/20240101000002_email.sql': 'CREATE TABLE emails (id int);\n-- mig:down\nDROP TABLE emails;',
  'migrations/20240101000003_orders.sql': 'CREATE TABLE orders (id int);\n-- mig:down\nDROP TABLE orders;',
}

for (const dialect of testDialects()) {
  describe(`adopt, import, env and log on ${dialect.name}`, () => {
    const projects = modelProjects(dialect)
    const setup = (files: Record<string, string> = PROJECT) => projects(files)

    it('adopt <version...> records without running, with who and why; up then applies the rest', async () => {
      const { url, run } = await setup()
      const r = run(['adopt', '20240101000001', '20240101000002', '--description', 'created by hand in 2023'], { MIG_ACTOR: 'ci-bot' })
      expect(r.code).toBe(0)
      expect(r.stdout).toBe('Adopted 20240101000001_users\nAdopted 20240101000002_email\nAdopted 2 migrations\n')
      expect(statusOf(run)).toEqual({ '20240101000001': 'adopted', '20240101000002': 'adopted', '20240101000003': 'pending' })
      // nothing ran: the tables do not exist
      await expect(withDriver(dialect.name, url, (d) => d.query('SELECT * FROM users'))).rejects.toThrow()
      const log = logOf(run)
      expect(log).toHaveLength(2)
      expect(log[0]).toMatchObject({ action: 'adopt', version: '20240101000001', status: 'ok', note: 'created by hand in 2023', sql: null })
      expect(log[0]!.appliedBy).toMatch(/^ci-bot \(.+\)$/)
      expect(stable(run(['up']).stdout)).toBe('Applying 20240101000003_orders... done (Xms)\nApplied 1 migration\n')
      expect(run(['adopt', '20240101000001']).stdout).toBe('Already applied: 20240101000001_users\nAdopted 0 migrations\n')
      const bad = run(['adopt', '20990101000000'])
      expect(bad.code).toBe(2)
      expect(errors(bad)).toContain('no migration has version 20990101000000')
      expect(run(['adopt']).code).toBe(2)
    })

    it('adopt --all adopts every pending migration', async () => {
      const { run } = await setup()
      expect(run(['adopt', '--all']).stdout).toContain('Adopted 3 migrations')
      expect(new Set(Object.values(statusOf(run)))).toEqual(new Set(['adopted']))
      expect(run(['up']).stdout).toBe('No pending migrations\n')
    })

    for (const tool of Object.keys(TOOLS)) {
      it(`adopt --from ${tool} imports the history that ${tool} left`, async () => {
        const { p, url, run } = await setup()
        await withToolHistory(tool, dialect.name, { url, path: p.path }, { tables: TOOLS[tool]![dialect.name]!, rows: ROWS[tool]! }, async (extra) => {
          const r = run(['adopt', '--from', tool, ...extra])
          expect(r.stdout).toContain('Adopted 20240101000001_users\nAdopted 20240101000002_email\n')
          expect(r.stdout).toContain(`Adopted 2 migrations from ${tool}`)
          if (UNMATCHED[tool]) {
            expect(errors(r)).toContain(UNMATCHED[tool])
            expect(r.code).toBe(1)
          } else expect(r.code).toBe(0)
          if (tool === 'flyway') expect(r.stdout).toContain('Skipped R__views.sql: repeatable: mig up applies it again')
          expect(statusOf(run)).toEqual({ '20240101000001': 'adopted', '20240101000002': 'adopted', '20240101000003': 'pending' })
          expect(logOf(run)[0]).toMatchObject({ action: 'adopt', note: `imported from ${tool}` })
          expect(stable(run(['up']).stdout)).toBe('Applying 20240101000003_orders... done (Xms)\nApplied 1 migration\n')
        })
      })
    }

    it('golang-migrate: a dirty version is reported, not adopted; a tool table sharing mig’s name is refused', async () => {
      const { p, url, run } = await setup()
      await withDriver(dialect.name, url, async (d) => {
        for (const sql of TOOLS['golang-migrate']![dialect.name]!) await d.query(sql)
        await d.query('INSERT INTO schema_migrations (version, dirty) VALUES (20240101000002, true)')
      })
      const r = run(['adopt', '--from', 'golang-migrate'])
      expect(r.code).toBe(1)
      expect(errors(r)).toContain('golang-migrate left version 20240101000002 dirty')
      p.write({ 'plain.toml': '' })
      const clash = mig(p.dir, ['adopt', '--from', 'dbmate', '--database', url, '--config', p.path('plain.toml')])
      expect(clash.code).toBe(2)
      expect(errors(clash)).toContain("dbmate keeps its history in schema_migrations, which is also mig's history table")
    })

    it('a missing tool table is a clear error, exit 2', async () => {
      const { run } = await setup()
      const r = run(['adopt', '--from', 'flyway'])
      expect(r.code).toBe(2)
      expect(errors(r)).toContain('cannot read the flyway history table flyway_schema_history')
    })

    it('the log records SQL, variable names or encrypted values, who, host, duration; --decrypt needs the right key', async () => {
      const { run } = await setup({ ...PROJECT, 'vars.toml': 'api_key = "s3cret-value"\nregion = "eu"\n' })
      expect(run(['up', '--vars', 'vars.toml', '1'], { MIG_ENCRYPTION_KEY: undefined }).code).toBe(0)
      expect(run(['up', '--vars', 'vars.toml'], { MIG_ENCRYPTION_KEY: 'correct horse' }).code).toBe(0)
      const plain = logOf(run)
      expect(plain.map((e) => e.action)).toEqual(['apply', 'apply', 'apply'])
      expect(plain[0]).toMatchObject({
        sql: 'CREATE TABLE users (id int);',
        variables: { names: ['api_key', 'region'], encrypted: false },
        error: null,
        status: 'ok',
      })
      expect(plain[0]!.host.length).toBeGreaterThan(0)
      expect(typeof plain[0]!.durationMs).toBe('number')
      expect(plain[1]!.variables).toEqual({ names: ['api_key', 'region'], encrypted: true })
      expect(JSON.stringify(plain)).not.toContain('s3cret-value')
      const decrypted = logOf(run, ['20240101000002', '--decrypt'], { MIG_ENCRYPTION_KEY: 'correct horse' })
      expect(decrypted[0]!.variables!.values).toEqual({ api_key: 's3cret-value', region: 'eu' })
      const wrong = run(['log', '--decrypt'], { MIG_ENCRYPTION_KEY: 'wrong' })
      expect(wrong.code).toBe(2)
      expect(errors(wrong)).toContain('wrong MIG_ENCRYPTION_KEY: cannot decrypt the variables of log entry')
      const none = run(['log', '--decrypt'], { MIG_ENCRYPTION_KEY: undefined })
      expect(none.code).toBe(2)
      expect(errors(none)).toContain('--decrypt needs MIG_ENCRYPTION_KEY')
      const table = run(['log']).stdout.split('\n')
      expect(table[0]).toMatch(/^ID\s+AT\s+ACTION\s+VERSION\s+NAME\s+STATUS\s+BY\s+HOST\s+DURATION\s+VARS$/)
      expect(table[2]).toMatch(/apply\s+20240101000002\s+email\s+ok\s+.*api_key, region \(encrypted\)$/)
      const one = run(['log', '20240101000001']).stdout
      expect(one).toContain('#1 apply 20240101000001_users (ok)\nCREATE TABLE users (id int);')
      expect(run(['down'], { MIG_ENCRYPTION_KEY: undefined }).code).toBe(0)
      expect(logOf(run).at(-1)).toMatchObject({ action: 'revert', version: '20240101000003', sql: 'DROP TABLE orders;' })
    })

    it('env guard: every writing command refuses a mismatch; env set needs --confirm', async () => {
      const files = { ...PROJECT, 'mig.toml': 'history_table = "mig_history"\n[targets.dev]\nenv = "dev"\n[targets.prod]\nenv = "production"\n' }
      const { run } = await setup(files)
      expect(run(['up', '1', '--target', 'prod']).code).toBe(0)
      for (const args of [['up'], ['down'], ['adopt', '20240101000002'], ['adopt', '--from', 'dbmate'], ['fresh', '--confirm']]) {
        const r = run(args)
        expect(r.code, args.join(' ')).toBe(2)
        expect(errors(r), args.join(' ')).toContain('this database says it is production; your target says dev')
      }
      expect(statusOf((a) => run([...a, '--target', 'prod']))).toMatchObject({ '20240101000001': 'applied', '20240101000002': 'pending' })
      const noConfirm = run(['env', 'set', 'dev'])
      expect(noConfirm.code).toBe(2)
      expect(errors(noConfirm)).toContain('from production to dev needs --confirm')
      expect(errors(noConfirm)).toContain('hint: mig env set dev --confirm')
      expect(run(['env', 'set', 'dev', '--confirm']).stdout).toBe('Database env changed from production to dev\n')
      expect(run(['env']).stdout).toContain('env dev')
      expect(JSON.parse(run(['env', '--json']).stdout)).toEqual({ target: 'dev', targetEnv: 'dev', databaseEnv: 'dev' })
      expect(run(['up']).code).toBe(0)
      expect(logOf(run).find((e) => e.action === 'env')).toMatchObject({ note: 'env production -> dev' })
    })
  })
}
