import { readFileSync, writeFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { type TempProject, tempProject } from '@mig/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildCommand } from '../src/commands/build.js'
import { componentsStatusCommand } from '../src/commands/components.js'
import { pinCheckoutCommand, pinCommand, pinDiffCommand, pinReportCommand, pinValidateCommand } from '../src/commands/pin.js'
import { pinPolicyForUp } from '../src/templates.js'
import { createContext, type GlobalOptions } from '../src/context.js'
import { createOutput, type OutputMode } from '../src/output.js'

let p: TempProject
beforeEach(() => {
  p = tempProject({
    'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\nvars = "vars/dev.toml"\n',
    'vars/dev.toml': 'schema = "main"\n',
    'components/cols.sql.njk': 'id integer primary key, note text DEFAULT {{ vars.note }}',
    'migrations/20240101000000_t/up.sql.njk': 'CREATE TABLE {{ [vars.schema, "t"] | ident }} ({% include "cols.sql" %});\n-- {{ secret("MIG_TEST_TOKEN") }}',
    'migrations/20240102000000_u.sql.njk': '-- mig:up\nCREATE TABLE u ({% include "cols.sql" %});\n',
  })
  process.env.MIG_TEST_TOKEN = 'tok-secret'
})
afterEach(() => {
  p.cleanup()
  delete process.env.MIG_TEST_TOKEN
})

async function run(
  fn: (ctx: Awaited<ReturnType<typeof createContext>>) => Promise<number>,
  options: GlobalOptions & { var?: string[] } = {},
  mode: OutputMode = 'plain',
) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => (out += d))
  stderr.on('data', (d) => (err += d))
  const ctx = await createContext(options, createOutput(mode, false, { stdout, stderr }), p.dir)
  const code = await fn(ctx)
  return { code, stdout: out, stderr: err }
}

describe('template commands', () => {
  it('mig build prints rendered SQL with vars, --var and secrets masked', async () => {
    const r = await run((ctx) => buildCommand(ctx, '20240101000000', {}), { var: ['note=hi'] })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`CREATE TABLE "main"."t" (id integer primary key, note text DEFAULT 'hi');\n-- '***'\n`)
    const json = await run((ctx) => buildCommand(ctx, '20240101000000', {}), { var: ['note=hi'], json: true }, 'json')
    expect(JSON.parse(json.stdout)).toMatchObject({ migration: '20240101000000_t', direction: 'up', pinned: 'auto' })
    await expect(run((ctx) => buildCommand(ctx, '20240101000000', { pinned: true }), { var: ['note=hi'] })).rejects.toThrow(/is not pinned/)
  })

  it('mig build escapes for the target dialect without connecting', async () => {
    p.write({ 'mig.toml': '[targets.dev]\nurl = "postgres://nobody@127.0.0.1:1/none"\nvars = "vars/dev.toml"\n' })
    const r = await run((ctx) => buildCommand(ctx, '20240101000000', {}), { var: ['note=a\\b'] })
    expect(r.stdout).toContain("DEFAULT E'a\\\\b'")
  })

  it('mig pin, edit, build --pinned / --no-pinned, pin diff, checkout, report, validate, components status', async () => {
    const opts = { var: ['note=x'] }
    const pinned = await run((ctx) => pinCommand(ctx, '20240101000000'), opts)
    expect(pinned.stdout).toBe('Pinned 20240101000000_t: 1 component, 1 new object -> migrations/20240101000000_t/lock.toml\n')
    expect((await run((ctx) => pinCommand(ctx, '20240101000000_t'), opts)).stdout).toMatch(/^Already pinned 20240101000000_t: 1 component unchanged/)
    writeFileSync(p.path('components/cols.sql.njk'), 'id integer primary key')
    expect((await run((ctx) => buildCommand(ctx, '20240101000000', { pinned: true }), opts)).stdout).toContain("DEFAULT 'x'")
    expect((await run((ctx) => buildCommand(ctx, '20240101000000', {}), opts)).stdout).toContain("DEFAULT 'x'")
    expect((await run((ctx) => buildCommand(ctx, '20240101000000', { pinned: false }), opts)).stdout).not.toContain('DEFAULT')

    const status = await run((ctx) => componentsStatusCommand(ctx))
    expect(status.stdout).toBe('changed   components/cols.sql.njk\n1 of 1 components not in any pin\n')

    expect((await run((ctx) => pinCommand(ctx, '20240102000000'), opts)).stdout).toContain('-> migrations/20240102000000_u.lock.toml')
    const diff = await run((ctx) => pinDiffCommand(ctx, '20240101000000', '20240102000000'))
    expect(diff.stdout).toContain('-id integer primary key, note text DEFAULT {{ vars.note }}')
    expect(diff.stdout).toContain('+id integer primary key')

    const co = await run((ctx) => pinCheckoutCommand(ctx, '20240101000000', { to: p.path('old') }))
    expect(co.stdout).toMatch(/Checked out 1 file to .*old\n$/)
    expect(readFileSync(p.path('old/components/cols.sql.njk'), 'utf8')).toContain('{{ vars.note }}')

    expect((await run((ctx) => pinReportCommand(ctx, { unused: true }))).stdout).toBe('2 objects, 2 referenced, 0 unused\n')
    expect((await run((ctx) => pinValidateCommand(ctx))).stdout).toBe('OK: 2 locks, 2 objects verified\n')
    writeFileSync(
      p.path('migrations/20240101000000_t/lock.toml'),
      readFileSync(p.path('migrations/20240101000000_t/lock.toml'), 'utf8').replace(/"[0-9a-f]{64}"/, `"${'0'.repeat(64)}"`),
    )
    const bad = await run((ctx) => pinValidateCommand(ctx))
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/is missing/)
    const unused = await run((ctx) => pinReportCommand(ctx, { unused: true, delete: true }))
    expect(unused.stdout).toMatch(/^deleted pinned\/[0-9a-f]{2}\/[0-9a-f]{62} \(\d+ bytes\)\n2 objects, 2 referenced, 1 unused, 1 deleted\n$/)
  })

  it("the CLI's migrator renders .njk migrations in up and masks secrets in the log", async () => {
    const ctx = await createContext({ var: ['note=n'] } as GlobalOptions, createOutput('plain', true), p.dir)
    const migrator = await ctx.migrator()
    try {
      expect((await migrator.up()).ok).toBe(true)
      const log = await migrator.driver.query('SELECT sql_text FROM schema_migrations_log ORDER BY id')
      expect(String(log[0]!.sql_text)).toContain("-- '***'")
      expect(log.map((r) => String(r.sql_text)).join('\n')).not.toContain('tok-secret')
    } finally {
      await migrator.close()
    }
  })

  it('pinPolicyForUp applies the target policy to the migrations up would run', async () => {
    p.write({ 'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\nvars = "vars/dev.toml"\npins = "required"\n' })
    const ctx = await createContext({ var: ['note=n'] } as GlobalOptions, createOutput('plain', true), p.dir)
    const migrator = await ctx.migrator()
    try {
      const refused = await pinPolicyForUp(ctx, migrator)
      expect(refused.action).toBe('refuse')
      expect(refused.unpinned.map((m) => m.id)).toEqual(['20240101000000_t', '20240102000000_u'])
      await migrator.up({ to: '20240101000000' })
      expect((await pinPolicyForUp(ctx, migrator)).unpinned.map((m) => m.id)).toEqual(['20240102000000_u'])
    } finally {
      await migrator.close()
    }
    await run((c) => pinCommand(c, '20240102000000'), { var: ['note=n'] })
    const ctx2 = await createContext({ var: ['note=n'] } as GlobalOptions, createOutput('plain', true), p.dir)
    const m2 = await ctx2.migrator()
    try {
      expect(await pinPolicyForUp(ctx2, m2)).toEqual({ action: 'ok', unpinned: [] })
    } finally {
      await m2.close()
    }
  })
})

describe('template commands through the binary', () => {
  it('build, pins = "required" on up, pin, up, components status, validate, with exit codes', async () => {
    const { mig } = await import('./helpers.js')
    p.write({ 'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\nvars = "vars/dev.toml"\npins = "required"\n' })
    const env = { MIG_TEST_TOKEN: 'tok-secret' }
    const build = mig(p.dir, ['build', '20240101000000', '--var', "note=it's"], env)
    expect(build.code).toBe(0)
    expect(build.stdout).toBe(`CREATE TABLE "main"."t" (id integer primary key, note text DEFAULT 'it''s');\n-- '***'\n`)
    const refused = mig(p.dir, ['up', '--var', 'note=n'], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('2 templated migrations are not pinned: 20240101000000_t, 20240102000000_u')
    expect(mig(p.dir, ['pin', '20240101000000', '--var', 'note=n'], env).code).toBe(0)
    expect(mig(p.dir, ['pin', '20240102000000', '--var', 'note=n'], env).code).toBe(0)
    const up = mig(p.dir, ['up', '--var', 'note=n'], env)
    expect(up.stdout).toContain('Applied 2 migrations')
    expect(up.code).toBe(0)
    const bad = mig(p.dir, ['build', '20240102000000', '--no-pinned'], env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      'error: components/cols.sql.njk:1:46: undefined variable vars.note\n  included from migrations/20240102000000_u.sql.njk:2:20\n',
    )
    writeFileSync(p.path('components/cols.sql.njk'), 'id integer')
    expect(mig(p.dir, ['components', 'status']).stdout).toBe('changed   components/cols.sql.njk\n1 of 1 components not in any pin\n')
    expect(mig(p.dir, ['pin', 'validate']).code).toBe(0)
  })
})
