import {
  code,
  createMigrator,
  directory,
  embedded,
  EnvironmentError,
  HookError,
  type HookContext,
  type Migration,
  type MigrationBody,
  type RenderContext,
} from '@mig/core'
import { testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { DRIVERS } from './drivers.js'
import { modelProjects } from './model-helpers.js'

for (const dialect of testDialects())
  describe(`library API of the migration model on ${dialect.name}`, () => {
    const projects = modelProjects(dialect)
    const driver = (url: string) => DRIVERS[dialect.name](url)

    it('repeatables are driven by the rendered checksum: a change in variables or an included component re-applies them', async () => {
      const { p, url } = await projects({
        'migrations/1_items.sql': 'CREATE TABLE items (id int, price int);',
        'migrations/R__cheap.sql.njk': 'DROP VIEW IF EXISTS cheap;\nCREATE VIEW cheap AS SELECT id FROM items WHERE price < {{ limit }} {{ include }};\n',
      })
      const state = { limit: 10, component: '' }
      // a fake renderer standing in for @mig/templates: variables and a component are its inputs
      const render = async (body: MigrationBody, _ctx: RenderContext) =>
        (await body.read()).replace('{{ limit }}', String(state.limit)).replace('{{ include }}', state.component)
      const make = () => createMigrator({ driver: driver(url), sources: [directory(p.path('migrations'))], render })
      const run = async () => {
        const m = make()
        try {
          return (await m.up()).results.map((r) => r.migration.id)
        } finally {
          await m.close()
        }
      }
      expect(await run()).toEqual(['1_items', 'R__cheap'])
      expect(await run()).toEqual([])
      state.limit = 20
      expect(await run()).toEqual(['R__cheap'])
      state.component = 'AND id > 0'
      expect(await run()).toEqual(['R__cheap'])
      expect(await run()).toEqual([])
      const m = make()
      const log = await m.readLog({ version: 'R__cheap' })
      await m.close()
      expect(log.map((e) => e.action)).toEqual(['apply', 'reapply', 'reapply'])
      expect(log[1]!.sql).toContain('price < 20')
      expect(log[2]!.sql).toContain('AND id > 0')
    })

    it('hooks are callbacks; before_up failing stops the run before anything is written', async () => {
      const { p, url } = await projects({
        'migrations/1_a.sql': 'CREATE TABLE a (id int);\n-- mig:down\nDROP TABLE a;',
        'migrations/2_b.sql': 'CREATE TABLE b (id int);\n-- mig:down\nDROP TABLE b;',
      })
      const calls: string[] = []
      const record = (ctx: HookContext) => {
        calls.push(`${ctx.hook}:${ctx.direction}:${ctx.migration?.id ?? ctx.migrations.map((m) => m.id).join(',')}:${ctx.env}`)
      }
      const m = createMigrator({
        driver: driver(url),
        env: 'dev',
        sources: [directory(p.path('migrations'))],
        hooks: {
          before_up: [record, async (ctx) => ctx.sql('CREATE TABLE IF NOT EXISTS hook_ran (x int);')],
          before_each: record,
          after_each: record,
          after_up: record,
          on_error: record,
        },
      })
      expect((await m.up()).ok).toBe(true)
      expect(await m.down()).toMatchObject({ ok: true })
      await m.close()
      expect(calls).toEqual([
        'before_up:up:1_a,2_b:dev',
        'before_each:up:1_a:dev',
        'after_each:up:1_a:dev',
        'before_each:up:2_b:dev',
        'after_each:up:2_b:dev',
        'after_up:up:1_a,2_b:dev',
        'before_each:down:2_b:dev',
        'after_each:down:2_b:dev',
      ])
      const p2 = await projects({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);' })
      const m2 = createMigrator({
        driver: driver(p2.url),
        sources: [directory(p2.p.path('migrations'))],
        hooks: {
          before_up: () => {
            throw new Error('maintenance window closed')
          },
        },
      })
      await expect(m2.up()).rejects.toThrow(HookError)
      await expect(m2.up()).rejects.toThrow('before_up hook failed: maintenance window closed')
      expect(await m2.status()).toMatchObject([{ version: '1', status: 'pending' }])
      expect(await m2.storedEnv()).toBeUndefined()
      await m2.close()
    })

    it('code([...]) and embedded([...]) sources, with dependsOn; redact hides secrets in the log', async () => {
      const { p, url } = await projects({
        'migrations/1_users.sql': "CREATE TABLE users (id int, token varchar(50));\nINSERT INTO users VALUES (1, 'tok_SECRET');",
      })
      const body = (text: string): MigrationBody => ({ file: 'embedded', line: 1, template: false, read: async () => text })
      const emb: Migration = {
        id: '3_orders',
        version: '3',
        name: 'orders',
        kind: 'versioned',
        source: '',
        path: 'embedded:3',
        up: body('CREATE TABLE orders (id int);'),
        down: body('DROP TABLE orders;'),
        verify: null,
        transaction: true,
        depends: [],
        draft: false,
        scope: 'shared',
      }
      const m = createMigrator({
        driver: driver(url),
        sources: [
          directory(p.path('migrations'), { label: 'migrations' }),
          code([
            {
              id: '2_backfill',
              dependsOn: ['3'],
              up: async (ctx) => {
                await ctx.sql`INSERT INTO orders (id) VALUES (${7})`
              },
              down: async (ctx) => {
                await ctx.query('DELETE FROM orders')
              },
            },
          ]),
          embedded([emb], 'bundle'),
        ],
        redact: (text) => text.replace(/tok_[A-Z]+/g, 'tok_***'),
      })
      const result = await m.up()
      expect(result.results.map((r) => `${r.migration.id}@${r.migration.source}`)).toEqual(['1_users@migrations', '3_orders@bundle', '2_backfill@code'])
      expect((await m.driver.query('SELECT id FROM orders')).map((r) => Number(r.id))).toEqual([7])
      const log = await m.readLog()
      expect(log[0]!.sql).toContain("VALUES (1, 'tok_***')")
      expect(JSON.stringify(log)).not.toContain('tok_SECRET')
      expect(log[2]!.sql).toBe('INSERT INTO orders (id) VALUES (?);')
      await expect(m.down()).rejects.toThrow(/cannot roll back: 3_orders is needed by 2_backfill/)
      expect((await m.down({ steps: 2 })).results.map((r) => r.migration.id)).toEqual(['2_backfill', '3_orders'])
      await m.close()
    })

    it('the env guard covers adopt, resolve and repair too', async () => {
      const { p, url } = await projects({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);', 'migrations/2_b.sql': 'CREATE TABLE b (id int);' })
      const make = (env: string) => createMigrator({ driver: driver(url), env, sources: [directory(p.path('migrations'))] })
      const prod = make('production')
      expect((await prod.up({ steps: 1 })).ok).toBe(true)
      await prod.close()
      const dev = make('dev')
      await expect(dev.adopt({ versions: ['2'] })).rejects.toThrow(EnvironmentError)
      await expect(dev.resolve('1', 'applied')).rejects.toThrow('this database says it is production; your target says dev')
      await expect(dev.repair()).rejects.toThrow(EnvironmentError)
      await expect(dev.down()).rejects.toThrow(EnvironmentError)
      expect((await dev.status()).map((s) => s.status)).toEqual(['applied', 'pending'])
      await dev.close()
    })

    it('a failing after_each fails the run but keeps what was applied; a failing on_error is a warning', async () => {
      const { p, url } = await projects({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);', 'migrations/2_b.sql': 'CREATE TABLE b (id int);' })
      const warnings: string[] = []
      const m = createMigrator({
        driver: driver(url),
        sources: [directory(p.path('migrations'))],
        hooks: {
          after_each: (ctx) => {
            if (ctx.migration?.version === '1') throw new Error('notify failed')
          },
          on_error: () => {
            throw new Error('pager down')
          },
        },
      })
      m.on('warning', (w) => warnings.push(w.message))
      const r = await m.up()
      expect(r.ok).toBe(false)
      expect(r.results.map((x) => `${x.migration.id}:${x.status}`)).toEqual(['1_a:applied'])
      expect(r.error?.message).toContain('after_each hook failed for 1_a: notify failed')
      expect((await m.status()).map((s) => s.status)).toEqual(['applied', 'pending'])
      p.write({ 'migrations/3_bad.sql': 'INSERT INTO nowhere VALUES (1);' })
      const m2 = createMigrator({
        driver: driver(url),
        sources: [directory(p.path('migrations'))],
        hooks: {
          on_error: () => {
            throw new Error('pager down')
          },
        },
      })
      m2.on('warning', (w) => warnings.push(w.message))
      const r2 = await m2.up()
      expect(r2.results.map((x) => `${x.migration.id}:${x.status}`)).toEqual(['2_b:applied', '3_bad:failed'])
      expect(warnings.filter((w) => w.includes('on_error hook failed for 3_bad: pager down'))).toHaveLength(1)
      await m.close()
      await m2.close()
    })

    it('a log table from before the note column gets it when a note is first written', async () => {
      const { p, url } = await projects({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);', 'migrations/2_b.sql': 'CREATE TABLE b (id int);' })
      const m = createMigrator({ driver: driver(url), sources: [directory(p.path('migrations'))] })
      expect((await m.up({ steps: 1 })).ok).toBe(true)
      await m.driver.query('ALTER TABLE schema_migrations_log DROP COLUMN note')
      expect((await m.adopt({ versions: ['2'], description: 'made by hand' })).adopted.map((x) => x.id)).toEqual(['2_b'])
      expect((await m.readLog()).map((e) => `${e.action}:${e.note}`)).toEqual(['apply:null', 'adopt:made by hand'])
      await m.close()
    })
  })
