import { mkdirSync, realpathSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { tempProject } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { mig } from './helpers.js'

const require = createRequire(import.meta.url)
/** Folder of an installed package (its package.json's folder, symlinks resolved). */
const packageDir = (name: string) => realpathSync(dirname(require.resolve(`${name}/package.json`)))

// A driver package installed in the user's project, as npm would: it brings its own @mig/core
// (the workspace package, not the copy bundled into the CLI) and wraps the SQLite driver.
// `fake:down` fails to connect with @mig/core's ConnectionError.
const DRIVER = `import { ConnectionError } from '@mig/core'
import { createDriver as sqlite } from '@mig/driver-sqlite'
export function createDriver(url, options) {
  const driver = sqlite(url.replace(/^fake:/, 'sqlite:'), options)
  if (url === 'fake:down') driver.connect = async () => { throw new ConnectionError(url, 'the fake server is down') }
  return driver
}
`

function project(files: Record<string, string>) {
  const p = tempProject({
    ...files,
    'node_modules/mig-driver-fake/package.json': JSON.stringify({ name: 'mig-driver-fake', type: 'module', exports: './index.js' }),
    'node_modules/mig-driver-fake/index.js': DRIVER,
  })
  mkdirSync(p.path('node_modules/@mig'))
  symlinkSync(packageDir('@mig/core'), p.path('node_modules/@mig/core'))
  symlinkSync(packageDir('@mig/driver-sqlite'), p.path('node_modules/@mig/driver-sqlite'))
  return p
}

/** stderr without the context lines every run prints (`Database: ...`, `Total: ...`). */
const problems = (stderr: string) => stderr.replace(/^(Database|Total): .*\n/gm, '')

describe('a third-party driver with its own copy of @mig/core', () => {
  it('applies and shows migrations', () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
    try {
      const up = mig(p.dir, ['up', '--database', 'fake:./app.db'])
      expect(problems(up.stderr)).toBe('')
      expect(up.stderr).toMatch(/^Database: \S*app\.db \(target dev, from --database\)\n/)
      expect(up.code).toBe(0)
      expect(up.stdout).toContain('Applied 1 migration')
      expect(mig(p.dir, ['status', '--database', 'fake:./app.db']).stdout).toMatch(/^1\s+a\s+applied/m)
    } finally {
      p.cleanup()
    }
  })
  it('a failing statement is reported with its number and text (the driver throws its StatementFailure)', () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);\nINSERT INTO missing VALUES (1);\n' })
    try {
      const r = mig(p.dir, ['up', '--database', 'fake:./app.db'])
      expect(r.code).toBe(1)
      expect(problems(r.stderr)).toBe(`error: 1_a (${p.path('migrations/1_a.sql')}:2): no such table: missing\n  statement 2: INSERT INTO missing VALUES (1)\n`)
    } finally {
      p.cleanup()
    }
  })
  it('its errors keep their exit codes: ConnectionError is 2, a lock timeout is 3', async () => {
    const p = project({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
    try {
      const down = mig(p.dir, ['status', '--database', 'fake:down'])
      expect(down.code).toBe(2)
      expect(problems(down.stderr)).toBe('error: cannot connect to fake:down: the fake server is down\n')
      const { acquireSqliteLockForTest } = await import('./lock-holder.js')
      const release = await acquireSqliteLockForTest(p.path('app.db'))
      try {
        const r = mig(p.dir, ['up', '--database', 'fake:./app.db', '--lock-timeout', '300ms'])
        expect(r.stderr).toMatch(/could not acquire the migration lock within 300ms/)
        expect(r.code).toBe(3)
      } finally {
        await release()
      }
    } finally {
      p.cleanup()
    }
  })
})
