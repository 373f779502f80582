import { existsSync, readFileSync } from 'node:fs'
import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { withDriver } from './cli.js'
import { errors, logOf, mig, modelProjects, stable, statusOf } from './model-helpers.js'

/** CLI end to end: repeatables, dependencies, drafts, code migrations, sources, hooks — on every dialect. */
for (const dialect of testDialects()) {
  describe(`migration model on ${dialect.name}`, () => {
    const setup = modelProjects(dialect)
    const transactional = dialect.name !== 'mysql'
    const count = async (url: string, table: string) =>
      withDriver(dialect.name, url, async (d) => Number((await d.query(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n))

    describe('repeatables', () => {
      it('run after versioned migrations, in dependency order then by name; re-applied when their SQL changes', async () => {
        const { p, run } = await setup({
          'migrations/1_items.sql': 'CREATE TABLE items (id int, price int);',
          'migrations/R__a_totals.sql': '-- mig:depends R__c_base\nDROP VIEW IF EXISTS a_totals;\nCREATE VIEW a_totals AS SELECT COUNT(*) AS n FROM c_base;\n',
          'migrations/R__b_other.sql': 'DROP VIEW IF EXISTS b_other;\nCREATE VIEW b_other AS SELECT id FROM items;\n',
          'migrations/R__c_base.sql': 'DROP VIEW IF EXISTS c_base;\nCREATE VIEW c_base AS SELECT id, price FROM items;\n',
        })
        const up = run(['up'])
        expect(up.code).toBe(0)
        expect(stable(up.stdout)).toBe(
          'Applying 1_items... done (Xms)\nApplying R__b_other... done (Xms)\nApplying R__c_base... done (Xms)\nApplying R__a_totals... done (Xms)\nApplied 4 migrations\n',
        )
        expect(run(['up']).stdout).toBe('No pending migrations\n')
        p.write({
          'migrations/R__a_totals.sql':
            '-- mig:depends R__c_base\nDROP VIEW IF EXISTS a_totals;\nCREATE VIEW a_totals AS SELECT COUNT(*) AS n, SUM(price) AS total FROM c_base;\n',
        })
        expect(statusOf(run)).toMatchObject({ R__a_totals: 'pending', R__c_base: 'applied' })
        expect(stable(run(['up']).stdout)).toBe('Applying R__a_totals... done (Xms)\nApplied 1 migration\n')
        const log = logOf(run, ['R__a_totals'])
        expect(log.map((e) => e.action)).toEqual(['apply', 'reapply'])
        expect(log[1]!.sql).toContain('SUM(price) AS total')
      })
    })

    describe('dependencies', () => {
      it('an older migration whose dependencies are applied goes in without --allow-out-of-order; one without depends is refused', async () => {
        const { p, run } = await setup({
          'migrations/1_a.sql': 'CREATE TABLE a (id int);\n-- mig:down\nDROP TABLE a;',
          'migrations/3_c.sql': 'CREATE TABLE c (id int);\n-- mig:down\nDROP TABLE c;',
        })
        expect(run(['up']).code).toBe(0)
        p.write({
          'migrations/2_b.sql': '-- mig:depends 1\nCREATE TABLE b (id int);\n-- mig:down\nDROP TABLE b;',
          'migrations/0_z.sql': 'CREATE TABLE z (id int);',
        })
        const refused = run(['up'])
        expect(refused.code).toBe(2)
        expect(errors(refused)).toContain('older than the newest applied one: 0_z')
        expect(errors(refused)).not.toContain('2_b')
        expect(statusOf(run)).toMatchObject({ '0': 'pending', '2': 'pending' })
        expect(run(['up', '--only', '2']).code).toBe(0)
        expect(statusOf(run)).toMatchObject({ '2': 'applied' })
      })

      it('down refuses to revert a migration an applied one depends on, unless --force', async () => {
        const { run } = await setup({
          'migrations/1_a.sql': 'CREATE TABLE a (id int);\n-- mig:down\nDROP TABLE a;',
          'migrations/2_b.sql': 'CREATE TABLE b (id int);\n-- mig:down\nDROP TABLE b;',
          'migrations/3_c.sql': '-- mig:depends 2\nCREATE TABLE c (id int);\n-- mig:down\nDROP TABLE c;',
        })
        expect(run(['up']).code).toBe(0)
        expect(run(['down', '--to', '1']).code).toBe(0) // 3 then 2: the dependent goes first
        expect(run(['up']).code).toBe(0)
        const r = await setup({
          'migrations/1_a.sql': 'CREATE TABLE a (id int);\n-- mig:down\nDROP TABLE a;',
          'migrations/2_b.sql': '-- mig:depends 3\nCREATE TABLE b (id int);\n-- mig:down\nDROP TABLE b;',
          'migrations/3_c.sql': 'CREATE TABLE c (id int);\n-- mig:down\nDROP TABLE c;',
        })
        expect(stable(r.run(['up']).stdout)).toBe('Applying 1_a... done (Xms)\nApplying 3_c... done (Xms)\nApplying 2_b... done (Xms)\nApplied 3 migrations\n')
        const refused = r.run(['down'])
        expect(refused.code).toBe(2)
        expect(errors(refused)).toContain('cannot roll back: 3_c is needed by 2_b')
        expect(statusOf(r.run)).toMatchObject({ '3': 'applied' })
        expect(stable(r.run(['down', '--force']).stdout)).toBe('Rolling back 3_c... done (Xms)\nRolled back 1 migration\n')
      })

      it('a missing dependency and a cycle are exit 2 naming the migrations, nothing applied', async () => {
        const { run } = await setup({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);', 'migrations/2_b.sql': '-- mig:depends 20990101000000\nSELECT 1;' })
        const missing = run(['up'])
        expect(missing.code).toBe(2)
        expect(errors(missing)).toContain('2_b depends on 20990101000000, which does not exist')
        const cyc = await setup({
          'migrations/1_a.sql': '-- mig:depends 3\nCREATE TABLE a (id int);',
          'migrations/2_b.sql': '-- mig:depends 1\nSELECT 1;',
          'migrations/3_c.sql': '-- mig:depends 2_b\nSELECT 1;',
        })
        const cycle = cyc.run(['up'])
        expect(cycle.code).toBe(2)
        expect(errors(cycle)).toContain('dependency cycle: 1_a -> 3_c -> 2_b -> 1_a')
        expect(cyc.run(['validate']).code).toBe(2)
        expect(cyc.run(['log', '--json']).stdout).toBe('{"entries":[]}\n')
      })
    })

    describe('drafts', () => {
      const files = {
        'mig.toml': '[targets.dev]\nenv = "dev"\n[targets.prod]\nenv = "production"\n',
        'migrations/1_a.sql': 'CREATE TABLE a (id int);',
        'migrations/2_wip.sql': '-- mig:draft\nCREATE TABLE wip (id int);',
      }
      it('are skipped and shown as draft; --include-drafts applies them on dev', async () => {
        const { run } = await setup(files)
        expect(stable(run(['up']).stdout)).toBe('Applying 1_a... done (Xms)\nApplied 1 migration\n')
        expect(statusOf(run)).toMatchObject({ '2': 'draft' })
        expect(stable(run(['up', '--include-drafts']).stdout)).toBe('Applying 2_wip... done (Xms)\nApplied 1 migration\n')
      })
      it('--include-drafts is refused on production, nothing applied', async () => {
        const { run } = await setup(files)
        const r = run(['up', '--include-drafts', '--target', 'prod'])
        expect(r.code).toBe(2)
        expect(errors(r)).toContain('--include-drafts is refused: the target env is production')
        expect(statusOf(run)).toMatchObject({ '1': 'pending', '2': 'draft' })
      })
    })

    describe('code migrations', () => {
      it('a .ts migration runs with ctx.sql / ctx.query / ctx.vars and rolls back with down', async () => {
        const { url, run } = await setup({
          'migrations/1_users.sql': 'CREATE TABLE users (id int, email varchar(100));\n-- mig:down\nDROP TABLE users;',
          'migrations/2_seed.ts': [
            "import type { MigrationContext } from '@mig/core'",
            'interface Vars { domain: string }',
            'export async function up(ctx: MigrationContext): Promise<void> {',
            '  const { domain } = ctx.vars as unknown as Vars',
            '  await ctx.sql`INSERT INTO users (id, email) VALUES (${1}, ${`a@${domain}`})`',
            '  const rows = await ctx.query("SELECT COUNT(*) AS n FROM users")',
            '  ctx.log(`users: ${Number(rows[0]!.n)}`)',
            '}',
            'export async function down(ctx: MigrationContext): Promise<void> {',
            "  await ctx.query('DELETE FROM users WHERE id = ?', [1])",
            '}',
          ].join('\n'),
          'vars.json': '{"domain": "example.com"}',
        })
        const up = run(['up', '--vars', 'vars.json'])
        expect(up.code).toBe(0)
        expect(up.stdout).toContain('2_seed: users: 1')
        expect(await withDriver(dialect.name, url, (d) => d.query('SELECT email FROM users'))).toEqual([{ email: 'a@example.com' }])
        expect(logOf(run, ['2'])[0]!.sql).toContain('INSERT INTO users (id, email) VALUES (?, ?);')
        expect(run(['down']).code).toBe(0)
        expect(await count(url, 'users')).toBe(0)
      })

      it('a failing code migration rolls back what it did inside its transaction (where DDL is transactional)', async () => {
        const { url, run } = await setup({
          'migrations/1_t.sql': 'CREATE TABLE t (id int);',
          'migrations/2_bad.mjs': "export async function up(ctx) {\n  await ctx.query('INSERT INTO t (id) VALUES (1)')\n  throw new Error('boom')\n}\n",
        })
        const up = run(['up'])
        expect(up.code).toBe(1)
        expect(errors(up)).toContain('2_bad')
        expect(errors(up)).toContain('boom')
        // MySQL runs migrations outside a transaction: the insert stays and the migration is marked failed
        expect(await count(url, 't')).toBe(transactional ? 0 : 1)
        expect(statusOf(run)).toMatchObject({ '2': transactional ? 'pending' : 'failed' })
      })

      it('a code migration that exports no up is exit 2 naming the file, nothing applied', async () => {
        const { run } = await setup({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);', 'migrations/2_nothing.ts': 'export const down = async () => {}\n' })
        const r = run(['up'])
        expect(r.code).toBe(2)
        expect(errors(r)).toMatch(/2_nothing\.ts: code migration exports no up function/)
        expect(statusOf(run)).toMatchObject({ '1': 'pending' })
      })

      it('the checksum is the file: editing an applied code migration makes it modified', async () => {
        const { p, run } = await setup({ 'migrations/1_a.js': 'export async function up() {}\n' })
        expect(run(['up']).code).toBe(0)
        p.write({ 'migrations/1_a.js': 'export async function up() { /* changed */ }\n' })
        expect(statusOf(run)).toMatchObject({ '1': 'modified' })
      })
    })

    describe('many sources', () => {
      it('folders, a glob, ../ and npm packages feed one plan; status shows each source', async () => {
        const { p, url } = await setup({
          'app/mig.toml': 'migrations = ["migrations", "@acme/auth-migrations", "plain-pkg", "../shared-sql", "modules/*/migrations"]\n',
          'app/migrations/3_app.sql': 'CREATE TABLE app (id int);',
          'app/node_modules/@acme/auth-migrations/package.json': '{"name":"@acme/auth-migrations","mig":{"migrations":"sql"}}',
          'app/node_modules/@acme/auth-migrations/sql/1_auth.sql': 'CREATE TABLE auth (id int);',
          'app/node_modules/plain-pkg/package.json': '{"name":"plain-pkg"}',
          'app/node_modules/plain-pkg/migrations/2_plain.sql': 'CREATE TABLE plain (id int);',
          'shared-sql/4_shared.sql': 'CREATE TABLE shared (id int);',
          'app/modules/billing/migrations/5_billing.sql': 'CREATE TABLE billing (id int);',
          'app/modules/search/migrations/6_search.sql': 'CREATE TABLE search (id int);',
        })
        const inApp = (args: string[]) => mig(p.path('app'), [...args, '--database', url])
        const up = inApp(['up'])
        expect(up.code).toBe(0)
        expect(up.stdout).toContain('Applied 6 migrations')
        const status = inApp(['status']).stdout.trim().split('\n')
        expect(status[0]).toMatch(/^VERSION\s+NAME\s+STATUS\s+APPLIED AT\s+SOURCE$/)
        expect(status.slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual([
          '@acme/auth-migrations',
          'plain-pkg',
          'migrations',
          '../shared-sql',
          'modules/billing/migrations',
          'modules/search/migrations',
        ])
      })

      it('a package that is not installed, or a version in two sources, is exit 2', async () => {
        const { run } = await setup({ 'mig.toml': 'migrations = ["migrations", "@acme/missing"]\n', 'migrations/1_a.sql': 'CREATE TABLE a (id int);' })
        const r = run(['up'])
        expect(r.code).toBe(2)
        expect(errors(r)).toContain('package @acme/missing is not installed')
        const d = await setup({ 'mig.toml': 'migrations = ["a", "b"]\n', 'a/1_x.sql': 'CREATE TABLE x (id int);', 'b/1_y.sql': 'CREATE TABLE y (id int);' })
        const dup = d.run(['up'])
        expect(dup.code).toBe(2)
        expect(errors(dup)).toMatch(/1_y\.sql: version 1 is also used by .*1_x\.sql/)
      })
    })

    describe('hooks', () => {
      const hooksToml = [
        '[hooks]',
        'before_up = "echo before_up $MIG_MIGRATIONS >> hooks.log"',
        'before_each = ["echo before_each $MIG_VERSION $MIG_NAME $MIG_DIRECTION $MIG_ENV >> hooks.log", "hooks/audit.sql"]',
        'after_each = "echo after_each $MIG_ID >> hooks.log"',
        'after_up = "echo after_up >> hooks.log"',
        'on_error = "echo on_error $MIG_VERSION $MIG_STATUS \\"$MIG_ERROR\\" >> hooks.log"',
      ].join('\n')
      it('run shell commands with MIG_* variables and SQL files around the run and each migration', async () => {
        const { p, url, run } = await setup({
          'mig.toml': `${hooksToml}\n[targets.dev]\nenv = "dev"\n`,
          'hooks/audit.sql': 'CREATE TABLE IF NOT EXISTS hook_audit (n int);\nINSERT INTO hook_audit (n) VALUES (1);\n',
          'migrations/1_a.sql': 'CREATE TABLE a (id int);',
          'migrations/2_b.sql': 'CREATE TABLE b (id int);',
        })
        expect(run(['up']).code).toBe(0)
        expect(readFileSync(p.path('hooks.log'), 'utf8')).toBe(
          'before_up 1_a 2_b\nbefore_each 1 a up dev\nafter_each 1_a\nbefore_each 2 b up dev\nafter_each 2_b\nafter_up\n',
        )
        expect(await count(url, 'hook_audit')).toBe(2)
        p.write({ 'migrations/3_bad.sql': 'INSERT INTO nowhere VALUES (1);' })
        expect(run(['up']).code).toBe(1)
        expect(readFileSync(p.path('hooks.log'), 'utf8')).toMatch(/before_each 3 bad up dev\non_error 3 failed 3_bad \(.*3_bad\.sql:1\): .*nowhere.*\n$/)
      })

      it('a failing before_up stops the run before anything is applied (exit 1)', async () => {
        const { p, run } = await setup({
          'mig.toml': '[hooks]\nbefore_up = "echo not today >&2; exit 3"\nbefore_each = "touch each.ran"\n',
          'migrations/1_a.sql': 'CREATE TABLE a (id int);',
        })
        const r = run(['up'])
        expect(r.code).toBe(1)
        expect(errors(r)).toContain('before_up hook failed: "echo not today >&2; exit 3" exited with code 3: not today')
        expect(existsSync(p.path('each.ran'))).toBe(false)
        expect(statusOf(run)).toMatchObject({ '1': 'pending' })
      })

      it('a failing before_each fails its migration before it runs', async () => {
        const { run } = await setup({
          'mig.toml': '[hooks]\nbefore_each = "test $MIG_VERSION != 2"\n',
          'migrations/1_a.sql': 'CREATE TABLE a (id int);',
          'migrations/2_b.sql': 'CREATE TABLE b (id int);',
        })
        const r = run(['up'])
        expect(r.code).toBe(1)
        expect(stable(r.stdout)).toBe('Applying 1_a... done (Xms)\nApplying 2_b... failed (Xms)\nApplied 1 migration, 1 failed\n')
        expect(errors(r)).toContain('before_each hook failed for 2_b')
        expect(statusOf(run)).toMatchObject({ '1': 'applied', '2': 'pending' })
      })

      it('-- mig:run runs a command between the statements of a no-transaction migration', async () => {
        const { p, url, run } = await setup({
          'migrations/1_export.sql': [
            '-- mig:no-transaction',
            'CREATE TABLE src (id int);',
            'INSERT INTO src (id) VALUES (7);',
            '-- mig:run echo "$MIG_VERSION $MIG_LINE" > step.txt',
            'CREATE TABLE after_step (id int);',
          ].join('\n'),
          'migrations/2_bad.sql': 'CREATE TABLE x (id int);\n-- mig:run echo no\n',
        })
        const r = run(['up'])
        expect(readFileSync(p.path('step.txt'), 'utf8')).toBe('1 4\n')
        expect(await count(url, 'after_step')).toBe(0)
        expect(await count(url, 'src')).toBe(1)
        expect(r.code).toBe(1)
        expect(errors(r)).toContain('-- mig:run is only allowed in -- mig:no-transaction migrations')
      })
    })
  })
}
