import { readFileSync } from 'node:fs'
import { tempProject, type TempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { diffCommand } from '../src/commands/diff.js'
import { driftCommand } from '../src/commands/drift.js'
import { dumpCommand } from '../src/commands/dump.js'
import { createContext } from '../src/context.js'
import { loadDriver } from '../src/driver-loader.js'
import { createOutput } from '../src/output.js'
import { sink } from './helpers.js'

async function run(p: TempProject, fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<number>) {
  const out = sink()
  const err = sink()
  const ctx = await createContext({}, createOutput('plain', false, { stdout: out.stream, stderr: err.stream }), p.dir)
  const code = await fn(ctx)
  return { code, stdout: out.text(), stderr: err.text() }
}

const INIT = `-- mig:up
CREATE TABLE users (id integer NOT NULL PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200));
CREATE INDEX idx_users_email ON users (email);
CREATE TABLE old_logs (id integer NOT NULL PRIMARY KEY);
-- mig:down
DROP TABLE old_logs;
DROP TABLE users;
`
const SCHEMA = `CREATE TABLE users (id integer NOT NULL PRIMARY KEY, name varchar(200) NOT NULL, email varchar(200), phone varchar(20));
CREATE TABLE orders (id integer NOT NULL PRIMARY KEY, user_id integer NOT NULL, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));
`

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups) await c()
})

for (const dialect of testDialects()) {
  describe(`mig diff / drift / dump on ${dialect.name} (command functions, real driver)`, () => {
    it('diff -> --out -> up -> no differences; drift detects a hand-made change; dump round trip', async () => {
      const url = await dialect.createDatabase()
      const url2 = await dialect.createDatabase()
      const p = tempProject({
        'mig.toml': `default_target = "dev"\n[targets.dev]\nurl = "${url}"\n`,
        'migrations/20240101000000_init.sql': INIT,
        'schema.sql': SCHEMA,
      })
      cleanups.push(async () => {
        p.cleanup()
        await dialect.dropDatabase(url)
        await dialect.dropDatabase(url2)
      })
      const summary = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql' }))
      expect(summary.stdout).toBe(
        [
          '! DROP TABLE old_logs (DESTRUCTIVE)',
          '- DROP INDEX idx_users_email',
          '+ CREATE TABLE orders',
          '~ ALTER COLUMN users.name varchar(100) -> varchar(200)',
          '+ ADD COLUMN users.phone varchar(20)',
          // a foreign key to a table that changes in the same diff is added after its changes
          '+ ADD FOREIGN KEY orders.orders_user_fk',
          '',
        ].join('\n'),
      )
      const w = await run(p, (ctx) => diffCommand(ctx, { from: 'migrations', to: 'schema.sql', out: 'migrations/20240102000000_sync', allowDestructive: true }))
      expect(w.code).toBe(0)
      expect(readFileSync(p.path('migrations/20240102000000_sync.down.sql'), 'utf8')).toContain('old_logs')

      const ctx = await createContext({}, createOutput('plain', true), p.dir)
      const migrator = await ctx.migrator()
      const result = await migrator.up()
      await migrator.close()
      expect(result.ok).toBe(true)
      expect((await run(p, (c) => diffCommand(c, { to: 'schema.sql' }))).stdout).toBe('No differences\n')
      expect((await run(p, (c) => driftCommand(c))).stdout).toBe('No drift (2 applied migration(s) checked)\n')

      const d = await loadDriver(url, p.dir)
      await d.connect()
      await d.runScript(d, { sql: 'ALTER TABLE users ADD COLUMN nickname varchar(30);' })
      await d.close()
      const drifted = await run(p, (c) => driftCommand(c))
      expect(drifted.code).toBe(1)
      expect(drifted.stdout).toBe('Drift: the database differs from its 2 applied migration(s):\n+ ADD COLUMN users.nickname varchar(30)\n')

      await run(p, (c) => dumpCommand(c, { out: 'dump.sql' }))
      const dump = readFileSync(p.path('dump.sql'), 'utf8')
      const other = await loadDriver(url2, p.dir)
      await other.connect()
      await other.runScript(other, { sql: dump })
      await other.close()
      p.write({ 'mig.toml': `default_target = "dev"\n[targets.dev]\nurl = "${url2}"\n` })
      await run(p, (c) => dumpCommand(c, { out: 'dump2.sql' }))
      expect(readFileSync(p.path('dump2.sql'), 'utf8')).toBe(dump)
    })
  })
}
