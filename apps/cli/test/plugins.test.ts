// `plugins = [...]` in mig.toml, through the built CLI: the sample plugin package
// (packages/plugin-sample, an ES module) installed in the project, a local CommonJS plugin and a
// local ES module plugin; templates using their filters and functions render and apply on every dialect; the
// sample's `memo:` driver serves its made-up scheme; broken plugins stop with exit 2 and their name.
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { tempProject, type TempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDriver } from '../src/driver-loader.js'
import { mig } from './helpers.js'

const require = createRequire(import.meta.url)
const SAMPLE = realpathSync(dirname(require.resolve('mig-plugin-sample/package.json')))

const LOCAL_PLUGINS = {
  // CommonJS, a plain object
  'plugins/shout.cjs': "module.exports = { filters: { shout: (v) => String(v).toUpperCase() + '!' } }\n",
  // an ES module with named exports
  'plugins/stamp.mjs': "export const functions = { release: (n) => 'r' + n }\n",
}

/** A project with the sample plugin installed (as npm links a package) and the two local plugins. */
function project(toml: string, files: Record<string, string> = {}): TempProject {
  const p = tempProject({ 'mig.toml': toml, ...LOCAL_PLUGINS, ...files })
  mkdirSync(p.path('node_modules'))
  symlinkSync(SAMPLE, p.path('node_modules/mig-plugin-sample'))
  return p
}

const PLUGINS = 'plugins = ["mig-plugin-sample", "./plugins/shout.cjs", "./plugins/stamp.mjs"]\n'
const TEMPLATE = `CREATE TABLE {{ "Product Items" | slug | ident }} (id integer PRIMARY KEY, name varchar(100), code varchar(20), price_cents integer, created_at timestamp NULL);
INSERT INTO product_items (id, name, code, price_cents, created_at) VALUES (1, {{ "Hello, World" | slug }}, {{ "beta" | shout }}, {{ cents(12.5) }}, {{ now_utc() }});
INSERT INTO product_items (id, name, code, price_cents) VALUES (2, {{ release(7) }}, {{ "it's" | shout }}, {{ cents("0.99") }});
`

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

for (const dialect of testDialects()) {
  describe(`plugins on ${dialect.name}`, () => {
    it("a template using plugins' filters and functions renders and applies", async () => {
      const url = await dialect.createDatabase()
      const p = project(`${PLUGINS}[targets.dev]\nurl = ${JSON.stringify(url)}\n`, { 'migrations/1_products.sql.njk': TEMPLATE })
      cleanups.push(async () => {
        p.cleanup()
        await dialect.dropDatabase(url)
      })
      const build = mig(p.dir, ['build', '1'])
      expect(build.code, build.stderr).toBe(0)
      const q = (name: string) => (dialect.name === 'mysql' ? `\`${name}\`` : `"${name}"`)
      expect(build.stdout).toContain(`CREATE TABLE ${q('product_items')} (`)
      expect(build.stdout).toContain("VALUES (1, 'hello_world', 'BETA!', 1250, CURRENT_TIMESTAMP);")
      // a plugin's string is escaped as a literal for the dialect
      expect(build.stdout).toContain("VALUES (2, 'r7', 'IT''S!', 99);")

      const up = mig(p.dir, ['up'])
      expect(up.code, up.stderr).toBe(0)
      expect(up.stdout).toContain('Applied 1 migration')
      const driver = await loadDriver(url, p.dir)
      await driver.connect()
      try {
        const rows = await driver.query<{ name: string; code: string; price_cents: number; stamped: number }>(
          'SELECT name, code, price_cents, CASE WHEN created_at IS NULL THEN 0 ELSE 1 END AS stamped FROM product_items ORDER BY id',
        )
        expect(rows.map((r) => ({ ...r, price_cents: Number(r.price_cents), stamped: Number(r.stamped) }))).toEqual([
          { name: 'hello_world', code: 'BETA!', price_cents: 1250, stamped: 1 },
          { name: 'r7', code: "IT'S!", price_cents: 99, stamped: 0 },
        ])
      } finally {
        await driver.close()
      }
    })
  })
}

describe('a driver plugin', () => {
  it('serves its made-up scheme (memo: wraps SQLite)', () => {
    const p = project(PLUGINS, { 'migrations/1_a.sql': 'CREATE TABLE a (x int);\n' })
    cleanups.push(async () => p.cleanup())
    const up = mig(p.dir, ['up', '--database', 'memo:./app.db'])
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toContain('Applied 1 migration')
    expect(mig(p.dir, ['status', '--database', 'memo:./app.db']).stdout).toMatch(/^1\s+a\s+applied/m)
    // the plugin's driver wrote a real SQLite file
    expect(mig(p.dir, ['status', '--database', `sqlite:${p.path('app.db')}`]).stdout).toMatch(/^1\s+a\s+applied/m)
  })
  it('without the plugin, the scheme has no driver', () => {
    const p = project('', { 'migrations/1_a.sql': 'CREATE TABLE a (x int);\n' })
    cleanups.push(async () => p.cleanup())
    const r = mig(p.dir, ['status', '--database', 'memo:./app.db'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('no driver for "memo:" URLs')
  })
})

describe('a TypeScript plugin', () => {
  it('loads without a build step (default export of a typed function)', () => {
    const p = project('plugins = ["./plugins/typed.ts"]\n', {
      'plugins/typed.ts':
        "interface Api { raw(sql: string): unknown }\nexport default (mig: Api) => ({ functions: { twice: (n: number): number => n * 2, epoch: () => mig.raw('0') } })\n",
      'migrations/1_a.sql.njk': 'SELECT {{ twice(21) }}, {{ epoch() }};\n',
    })
    cleanups.push(async () => p.cleanup())
    const build = mig(p.dir, ['build', '1'])
    expect(build.stderr).toBe('')
    expect(build.stdout).toBe('SELECT 42, 0;\n')
    expect(build.code).toBe(0)
  })
})

describe('broken plugins stop the run with exit 2 and their name', () => {
  const cases: { name: string; plugins: string; files?: Record<string, string>; error: RegExp }[] = [
    { name: 'a package that is not installed', plugins: '["mig-plugin-missing"]', error: /plugins: plugin "mig-plugin-missing": not found in .* node_modules/ },
    { name: 'a local file that does not exist', plugins: '["./plugins/nope.js"]', error: /plugin "\.\/plugins\/nope\.js": no file at .*nope\.js/ },
    {
      name: 'a module that throws when loaded',
      plugins: '["./plugins/boom.mjs"]',
      files: { 'plugins/boom.mjs': "throw new Error('kaboom')\n" },
      error: /plugin "\.\/plugins\/boom\.mjs": failed to load: kaboom/,
    },
    {
      name: 'a filter that is not a function',
      plugins: '["./plugins/bad.cjs"]',
      files: { 'plugins/bad.cjs': 'module.exports = { filters: { slug: 42 } }\n' },
      error: /plugin "\.\/plugins\/bad\.cjs": filters\.slug must be a function, not number/,
    },
    {
      name: 'a module that exports nothing a plugin gives',
      plugins: '["./plugins/empty.mjs"]',
      files: { 'plugins/empty.mjs': 'export const hello = 1\n' },
      error: /plugin "\.\/plugins\/empty\.mjs": exports no filters, functions or drivers/,
    },
    {
      name: 'a default function that throws',
      plugins: '["./plugins/setup.mjs"]',
      files: { 'plugins/setup.mjs': "export default () => { throw new Error('no licence') }\n" },
      error: /plugin "\.\/plugins\/setup\.mjs": its default function threw: no licence/,
    },
    {
      name: 'a filter named like a built-in one',
      plugins: '["./plugins/ident.cjs"]',
      files: { 'plugins/ident.cjs': 'module.exports = { filters: { ident: (v) => v } }\n' },
      error: /plugin "\.\/plugins\/ident\.cjs": filter "ident" is built into mig/,
    },
    {
      name: 'two plugins giving the same filter',
      plugins: '["./plugins/shout.cjs", "./plugins/shout2.cjs"]',
      files: { 'plugins/shout2.cjs': 'module.exports = { filters: { shout: (v) => v } }\n' },
      error: /plugin "\.\/plugins\/shout2\.cjs": filter "shout" is also given by plugin "\.\/plugins\/shout\.cjs"/,
    },
    { name: 'plugins that is not a list of strings', plugins: '[1]', error: /mig\.toml:1: plugins: must be a string or a list of strings/ },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const p = project(`plugins = ${c.plugins}\n`, { 'migrations/1_a.sql': 'CREATE TABLE a (x int);\n', ...c.files })
      cleanups.push(async () => p.cleanup())
      const r = mig(p.dir, ['status'])
      expect(r.stderr).toMatch(c.error)
      expect(r.stderr).toContain(p.path('mig.toml'))
      expect(r.code).toBe(2)
    })
  }
})
