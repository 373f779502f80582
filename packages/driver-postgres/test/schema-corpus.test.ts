import { CaseNotExecutableError, loadSqldefCases, runSqldefCase, type SchemaTestTarget, type SqldefCase, versionInRange } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPgDatabase, type PgTestDriver } from './pg-test-driver.js'

/**
 * Cases of the sqldef corpus that mig does not support, with the reason (also in docs/schema-diff.md).
 * They are asserted to fail, so a case that starts passing must be moved out of this list.
 */
export const UNSUPPORTED: Record<string, string> = {}

/** Cases that cannot run here at all (not a mig limitation of diffing): why. */
function notApplicable(c: SqldefCase, serverVersion: string): string | undefined {
  if (c.error) return 'expects a sqldef error message'
  if (c.offline) return 'offline (text-only) case'
  if (c.user) return 'needs a sqldef-created role and search_path'
  if (c.sqldefOnly) return 'sqldef privilege/extension management'
  if (c.flavor === 'pgvector') return 'needs the pgvector extension'
  if (!versionInRange(serverVersion, c.minVersion, c.maxVersion)) return `server ${serverVersion} outside ${c.minVersion ?? ''}..${c.maxVersion ?? ''}`
  return undefined
}

const pool: { driver: PgTestDriver; close(): Promise<void> }[] = []
let next = 0
let serverVersion = '15'

/** Two databases reused across cases, emptied on each open (CREATE DATABASE per case is too slow). */
const target: SchemaTestTarget = {
  ignoreColumnOrder: true,
  async open() {
    const db = pool[next++ % pool.length]!
    const d = db.driver
    const schemas = await d.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`)
    for (const s of schemas) await d.query(`DROP SCHEMA "${s.nspname}" CASCADE`)
    await d.query('CREATE SCHEMA public')
    return { driver: d, close: async () => {} }
  },
}

beforeAll(async () => {
  pool.push(await freshPgDatabase(), await freshPgDatabase())
  const [{ v }] = (await pool[0]!.driver.query<{ v: string }>("SELECT current_setting('server_version') AS v")) as [{ v: string }]
  serverVersion = (v ?? '15').split(' ')[0]!
})
const notRun: string[] = []
let passed = 0
afterAll(async () => {
  for (const db of pool) await db.close()
  console.log(`sqldef corpus: ${passed} passed, ${notRun.length} not run (CORPUS_REPORT=1 lists them with reasons)`)
  // the list docs/schema-diff.md is written from
  if (process.env.CORPUS_REPORT) console.log(`not run (${notRun.length}):\n${notRun.join('\n')}`)
})

const cases = loadSqldefCases('postgres')

describe('sqldef corpus on PostgreSQL', () => {
  it('loads the corpus', () => {
    expect(cases.length).toBeGreaterThan(400)
  })
  for (const c of cases) {
    const reason = UNSUPPORTED[c.name]
    it(`${c.file} ${c.name}${reason ? ` (unsupported: ${reason})` : ''}`, async (ctx) => {
      const na = notApplicable(c, serverVersion)
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
