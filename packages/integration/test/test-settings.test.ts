/**
 * Every environment variable a test reads must be passed to the test task by turbo.json: turbo runs
 * tasks in strict env mode and drops the rest, so a setting missing there silently does nothing
 * under `pnpm test` (as MIG_TEST_PG_URL once did).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
/** Where test code lives: each package's test/ folder, and test-utils' sources. */
const TEST_DIRS = [
  ...['packages', 'apps'].flatMap((top) => readdirSync(join(ROOT, top)).map((p) => join(ROOT, top, p, 'test'))),
  join(ROOT, 'packages/test-utils/src'),
]

function sources(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.flatMap((n) => {
    const path = join(dir, n)
    if (statSync(path).isDirectory()) return n === 'node_modules' || n === 'fixtures' ? [] : sources(path)
    return /\.[cm]?[jt]s$/.test(n) ? [path] : []
  })
}

/** Names read as `process.env.<name>` or `process.env['<name>']`, with the files that read them. */
function variablesRead(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of TEST_DIRS.flatMap(sources)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) {
      const name = (m[1] ?? m[2])!
      found.set(name, [...(found.get(name) ?? []), file.slice(ROOT.length)])
    }
  }
  return found
}

/** turbo's env patterns: `*` matches any run of characters. */
const matches = (pattern: string, name: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name)

describe('test settings', () => {
  it('every variable a test reads reaches it through turbo.json', () => {
    const turbo = JSON.parse(readFileSync(join(ROOT, 'turbo.json'), 'utf8')) as { tasks: { test: { passThroughEnv?: string[]; env?: string[] } } }
    const passed = [...(turbo.tasks.test.passThroughEnv ?? []), ...(turbo.tasks.test.env ?? [])]
    const read = variablesRead()
    // the scan itself works: the settings documented in docs/development.md are found
    expect([...read.keys()]).toEqual(expect.arrayContaining(['MIG_TEST_PG_URL', 'MIG_TEST_MYSQL_URL', 'MIG_TEST_DIALECTS', 'MIG_RACE_ROUNDS']))
    const missing = [...read].filter(([name]) => !passed.some((p) => matches(p, name))).map(([name, files]) => `${name} (${files.join(', ')})`)
    expect(missing).toEqual([])
  })

  it('matches turbo patterns as turbo does', () => {
    expect(matches('MIG_TEST_*', 'MIG_TEST_PG_URL')).toBe(true)
    expect(matches('MIG_TEST_*', 'MIG_ACTOR')).toBe(false)
    expect(matches('MIG_RACE_ROUNDS', 'MIG_RACE_ROUNDS_X')).toBe(false)
  })
})
