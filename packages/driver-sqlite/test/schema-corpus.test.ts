import { loadSqldefCases, runSqldefCase, type SchemaTestTarget } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { createDriver } from '../src/index.js'

/**
 * Cases of the sqldef corpus that mig does not support, with the reason (also in docs/schema-diff.md).
 * They are asserted to fail, so a case that starts passing must be moved out of this list.
 */
export const UNSUPPORTED: Record<string, string> = {}

const target: SchemaTestTarget = {
  async open() {
    const driver = createDriver('sqlite::memory:')
    await driver.connect()
    return { driver, close: () => driver.close() }
  },
}

const cases = loadSqldefCases('sqlite').filter((c) => !c.error)

describe('sqldef corpus on SQLite', () => {
  it('loads the corpus', () => {
    expect(cases.length).toBeGreaterThan(60)
  })
  for (const c of cases) {
    const reason = UNSUPPORTED[c.name]
    if (reason) it.fails(`${c.file} ${c.name} (unsupported: ${reason})`, () => runSqldefCase(target, c))
    else it(`${c.file} ${c.name}`, () => runSqldefCase(target, c))
  }
})
