import { CaseNotExecutableError, loadSqldefCases, runSqldefCase, type SchemaTestTarget, type SqldefCase, versionInRange } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshMysqlDatabase, type MysqlTestDriver } from './mysql-test-driver.js'

/**
 * Cases of the sqldef corpus that mig does not support, with the reason (also in docs/schema-diff.md).
 * They are asserted to fail, so a case that starts passing must be moved out of this list.
 */
export const UNSUPPORTED: Record<string, string> = {}

let serverVersion = '10.11'
let flavor = 'mariadb'

/** Cases that cannot run on this server at all (not a limitation of mig's diff): why. */
function notApplicable(c: SqldefCase): string | undefined {
  if (c.error) return 'expects a sqldef error message'
  if (c.offline) return 'offline (text-only) case'
  if (c.flavor) {
    const neg = c.flavor.startsWith('!')
    const f = c.flavor.replace(/^!/, '')
    if (neg ? f === flavor : f !== flavor) return `flavor ${c.flavor} (server is ${flavor})`
  }
  if (!versionInRange(serverVersion, c.minVersion, c.maxVersion)) return `server ${serverVersion} outside ${c.minVersion ?? ''}..${c.maxVersion ?? ''}`
  return undefined
}

const pool: { driver: MysqlTestDriver; close(): Promise<void> }[] = []
let next = 0

/** Two databases reused across cases, dropped and re-created on each open. */
const target: SchemaTestTarget = {
  async open() {
    const db = pool[next++ % pool.length]!
    await db.driver.recreate()
    return { driver: db.driver, close: async () => {} }
  },
}

beforeAll(async () => {
  pool.push(await freshMysqlDatabase(), await freshMysqlDatabase())
  const [{ v }] = (await pool[0]!.driver.query<{ v: string }>('SELECT VERSION() AS v')) as [{ v: string }]
  flavor = /mariadb/i.test(v) ? 'mariadb' : 'mysql'
  serverVersion = v.split('-')[0]!
})
const notRun: string[] = []
let passed = 0
afterAll(async () => {
  for (const db of pool) await db.close()
  console.log(`sqldef corpus: ${passed} passed, ${notRun.length} not run (CORPUS_REPORT=1 lists them with reasons)`)
  // the list docs/schema-diff.md is written from
  if (process.env.CORPUS_REPORT) console.log(`not run (${notRun.length}):\n${notRun.join('\n')}`)
})

const cases = loadSqldefCases('mysql')

describe('sqldef corpus on MySQL/MariaDB', () => {
  it('loads the corpus', () => {
    expect(cases.length).toBeGreaterThan(170)
  })
  for (const c of cases) {
    const reason = UNSUPPORTED[c.name]
    it(`${c.file} ${c.name}${reason ? ` (unsupported: ${reason})` : ''}`, async (ctx) => {
      const na = notApplicable(c)
      if (na) {
        notRun.push(`${c.file} ${c.name}: ${na}`)
        return ctx.skip(na)
      }
      if (reason) {
        await expect(runSqldefCase(target, c)).rejects.toThrow()
        return
      }
      try {
        await runSqldefCase(target, c)
        passed++
      } catch (err) {
        if (err instanceof CaseNotExecutableError) {
          notRun.push(`${c.file} ${c.name}: ${err.message.split('\n')[0]}`)
          return ctx.skip(err.message)
        }
        throw err
      }
    })
  }
})
