// The published packages, as a user gets them: `pnpm pack` of @mig/core, @mig/templates, the
// drivers and @mig/cli, installed with npm into an empty folder outside the workspace, then the
// `mig` command run there. The @mig/* packages come only from the tarballs (npm `overrides`);
// their third-party dependencies come from npm's cache, or the registry when not cached.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const PACKAGES = ['@mig/core', '@mig/templates', '@mig/driver-sqlite', '@mig/driver-postgres', '@mig/driver-mysql', '@mig/lint', '@mig/cli']

/** pnpm as the repository pins it (`packageManager`), or the pnpm running this suite. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath
  if (execPath && /pnpm/.test(execPath)) return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' })
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager as string
  return execFileSync('npx', ['--yes', pinned, ...args], { cwd, encoding: 'utf8' })
}

const packageJson = (tarball: string) =>
  JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as {
    name: string
    version: string
    dependencies?: Record<string, string>
    bin?: Record<string, string>
  }

describe('the packed packages install and run outside the workspace', () => {
  let dir: string
  const tarballs: Record<string, string> = {}
  const mig = (...args: string[]) =>
    spawnSync(join(dir, 'app/node_modules/.bin/mig'), args, { cwd: join(dir, 'app'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mig-pack-'))
    const out = join(dir, 'tarballs')
    mkdirSync(out)
    pnpm(['-r', '--filter', '!@mig/integration', '--filter', '!@mig/test-utils', '--filter', '!mig-plugin-sample', 'pack', '--pack-destination', out], ROOT)
    for (const file of readdirSync(out)) tarballs[packageJson(join(out, file)).name] = join(out, file)
    const app = join(dir, 'app')
    mkdirSync(app)
    const fromTarball = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]))
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, dependencies: { '@mig/cli': fromTarball['@mig/cli'] }, overrides: fromTarball }, null, 2),
    )
    // better-sqlite3's install script downloads or compiles its native addon (minutes); the
    // workspace's build of the same version is copied in instead.
    execFileSync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'pipe' })
    const workspaceSqlite = dirname(createRequire(join(ROOT, 'apps/cli/package.json')).resolve('better-sqlite3/package.json'))
    const installedSqlite = join(app, 'node_modules/better-sqlite3')
    const version = (folder: string) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version
    if (version(workspaceSqlite) === version(installedSqlite)) {
      mkdirSync(join(installedSqlite, 'build/Release'), { recursive: true })
      copyFileSync(join(workspaceSqlite, 'build/Release/better_sqlite3.node'), join(installedSqlite, 'build/Release/better_sqlite3.node'))
    } else {
      execFileSync('npm', ['rebuild', 'better-sqlite3'], { cwd: app, stdio: 'pipe' })
    }
  }, 600_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('packs every publishable package, with workspace ranges rewritten to versions', () => {
    expect(Object.keys(tarballs).sort()).toEqual([...PACKAGES].sort())
    for (const file of Object.values(tarballs)) {
      const pkg = packageJson(file)
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) expect(range, `${pkg.name} -> ${dep}`).not.toMatch(/^workspace:/)
    }
    // the workspace's bin is a shim that exists before a build; the published one is the built file
    expect(packageJson(tarballs['@mig/cli']!).bin).toEqual({ mig: './dist/bin.cjs' })
    expect(packageJson(tarballs['@mig/cli']!)).not.toHaveProperty('publishConfig')
  })

  it('installs the @mig packages from the tarballs, not the registry', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'app/package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> }
    const migEntries = Object.entries(lock.packages).filter(([path]) => /node_modules\/@mig\/[^/]+$/.test(path))
    expect(migEntries.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()).toEqual([...PACKAGES].sort())
    for (const [path, entry] of migEntries) expect(entry.resolved, path).toMatch(/^file:.*\.tgz$/)
  })

  it('runs mig --version, init, new, up and status on SQLite', () => {
    const version = mig('--version')
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toBe(packageJson(tarballs['@mig/cli']!).version)
    const init = mig('init')
    expect(init.status, init.stderr).toBe(0)
    expect(existsSync(join(dir, 'app/mig.toml'))).toBe(true)
    writeFileSync(join(dir, 'app/migrations/1_users.sql'), 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n')
    const up = mig('up')
    expect(up.status, up.stderr).toBe(0)
    expect(up.stdout).toContain('Applied 1 migration')
    const status = mig('status', '--json')
    expect(status.status, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/"version":"1".*"status":"applied"/)
  })

  it('loads plugins from the project: a package in node_modules and a local file', () => {
    // the sample plugin as npm would install it (a copy; its @mig/driver-sqlite is the packed one)
    cpSync(join(ROOT, 'packages/plugin-sample'), join(dir, 'app/node_modules/mig-plugin-sample'), {
      recursive: true,
      filter: (src) => !src.includes('node_modules'),
    })
    writeFileSync(join(dir, 'app/local-plugin.cjs'), 'module.exports = { filters: { shout: (v) => String(v).toUpperCase() } }\n')
    writeFileSync(join(dir, 'app/mig.toml'), `plugins = ["mig-plugin-sample", "./local-plugin.cjs"]\n${readFileSync(join(dir, 'app/mig.toml'), 'utf8')}`)
    writeFileSync(
      join(dir, 'app/migrations/2_tags.sql.njk'),
      'CREATE TABLE {{ "Tag List" | slug | ident }} (name text);\nINSERT INTO tag_list VALUES ({{ "new" | shout }}), ({{ cents(1.5) }});\n',
    )
    const up = mig('up')
    expect(up.status, up.stderr).toBe(0)
    expect(up.stdout).toContain('Applied 1 migration')
    const memo = mig('status', '--database', 'memo:./memo.db')
    expect(memo.status, memo.stderr).toBe(0)
    expect(memo.stdout).toMatch(/^2\s+tags\s+pending/m)
  })
})
