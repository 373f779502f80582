import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { SqlTestError } from './errors.js'

/** Folder of SQL tests, relative to the project root. */
export const DEFAULT_TESTS_DIR = 'tests'
/** File names of a test's script, plain first. */
export const TEST_SCRIPT_FILES = ['test.sql', 'test.sql.njk'] as const
/** File name of a test's expected output. */
export const EXPECTED_FILE = 'expected.out'

/** One SQL test: `tests/<name>/test.sql[.njk]` and `tests/<name>/expected.out`. */
export interface SqlTest {
  name: string
  /** Absolute folder. */
  dir: string
  /** Absolute path of the script. */
  file: string
  /** The script, relative to the project root (for messages). */
  relativeFile: string
  /** The script is a nunjucks template (`.njk`). */
  template: boolean
  /** Absolute path of the expected output (may not exist yet). */
  expectedFile: string
}

/**
 * Every test under `<root>/<testsDir>`, sorted by name. A test folder without a script is an error
 * (a typo in a file name would otherwise skip the test for good). No folder: no tests.
 */
export function listTests(root: string, testsDir = DEFAULT_TESTS_DIR): SqlTest[] {
  const base = join(root, testsDir)
  if (!existsSync(base)) return []
  const tests: SqlTest[] = []
  for (const entry of readdirSync(base).sort()) {
    const dir = join(base, entry)
    if (entry.startsWith('.') || !statSync(dir).isDirectory()) continue
    const script = TEST_SCRIPT_FILES.find((f) => existsSync(join(dir, f)))
    if (!script)
      throw new SqlTestError(`test folder has no test.sql (or test.sql.njk)`, {
        file: relative(root, dir),
        hint: `create ${relative(root, join(dir, 'test.sql'))}, or remove the folder`,
      })
    const file = join(dir, script)
    tests.push({ name: entry, dir, file, relativeFile: relative(root, file), template: script.endsWith('.njk'), expectedFile: join(dir, EXPECTED_FILE) })
  }
  return tests
}

/** The tests named (all when none is), in the order given; an unknown name is an error listing the known ones. */
export function selectTests(tests: readonly SqlTest[], names: readonly string[]): SqlTest[] {
  if (!names.length) return [...tests]
  return names.map((n) => {
    const t = tests.find((x) => x.name === n)
    if (!t)
      throw new SqlTestError(`no test named "${n}"`, {
        hint: tests.length ? `known tests: ${tests.map((x) => x.name).join(', ')}` : `create one with mig test new ${n}`,
      })
    return t
  })
}
