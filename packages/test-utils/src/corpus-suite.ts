import type { Driver } from '@mig/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FreshDatabase, freshDatabase, type TestDialect } from './dialects.js'
import { CaseNotExecutableError, loadSqldefCases, runSqldefCase, type SchemaTestTarget, type SqldefCase, versionInRange } from './sqldef.js'

/** Why a corpus case cannot run on this server at all (not a limitation of mig's diff), or undefined. */
export function corpusCaseNotApplicable(c: SqldefCase, server: { version: string; flavor: string }): string | undefined {
  if (c.error) return 'expects a sqldef error message'
  if (c.offline) return 'offline (text-only) case'
  if (c.user) return 'needs a sqldef-created role and search_path'
  if (c.sqldefOnly) return 'sqldef privilege/extension management'
  if (c.flavor) {
    const negated = c.flavor.startsWith('!')
    const flavor = c.flavor.replace(/^!/, '')
    if (negated ? flavor === server.flavor : flavor !== server.flavor) return `flavor ${c.flavor} (server is ${server.flavor})`
  }
  if (!versionInRange(server.version, c.minVersion, c.maxVersion)) return `server ${server.version} outside ${c.minVersion ?? ''}..${c.maxVersion ?? ''}`
  return undefined
}

/** Options of {@link corpusSuite}. */
export interface CorpusSuiteOptions {
  /**
   * Cases of the corpus that mig does not support, with the reason (also in docs/schema-diff.md).
   * They are asserted to fail, so a case that starts passing must be moved out of this list.
   */
  unsupported?: Record<string, string>
}

/**
 * The sqldef corpus on one dialect (each driver package's tests call it with its own factory):
 * every case materialises `current` and `desired`, diffs, applies the generated up and down and
 * checks both ends (see {@link runSqldefCase}). Cases that cannot run on the server are skipped
 * with their reason; `CORPUS_REPORT=1` lists them.
 *
 * @example
 * corpusSuite(postgresDialectForTests, createDriver)
 */
export function corpusSuite(dialect: TestDialect, createDriver: (url: string) => Driver, options: CorpusSuiteOptions = {}): void {
  const unsupported = options.unsupported ?? {}
  const pool: FreshDatabase[] = []
  let next = 0
  let server: { version: string; flavor: string } = { version: '', flavor: dialect.name }
  const target: SchemaTestTarget = {
    ignoreColumnOrder: dialect.corpus.ignoreColumnOrder,
    async open() {
      if (dialect.scratchUrl) {
        const driver = createDriver(dialect.scratchUrl)
        await driver.connect()
        return { driver, close: () => driver.close() }
      }
      // two databases reused across cases, emptied on each open (a new database per case is too slow)
      const db = pool[next++ % pool.length]!
      await dialect.emptyDatabase(db.driver)
      return { driver: db.driver, close: async () => {} }
    },
  }
  const notRun: string[] = []
  let passed = 0
  beforeAll(async () => {
    if (!dialect.scratchUrl) pool.push(await freshDatabase(dialect, createDriver), await freshDatabase(dialect, createDriver))
    const probe = dialect.scratchUrl ? await target.open() : { driver: pool[0]!.driver, close: async () => {} }
    try {
      server = await dialect.serverInfo(probe.driver)
    } finally {
      await probe.close()
    }
  })
  afterAll(async () => {
    for (const db of pool) await db.close()
    console.log(`sqldef corpus: ${passed} passed, ${notRun.length} not run (CORPUS_REPORT=1 lists them with reasons)`)
    // the list docs/schema-diff.md is written from
    if (process.env.CORPUS_REPORT) console.log(`not run (${notRun.length}):\n${notRun.join('\n')}`)
  })

  const cases = loadSqldefCases(dialect.name)
  describe(`sqldef corpus on ${dialect.name}`, () => {
    it('loads the corpus', () => {
      expect(cases.length).toBeGreaterThan(dialect.corpus.minimumCases)
    })
    for (const c of cases) {
      const reason = unsupported[c.name]
      it(`${c.file} ${c.name}${reason ? ` (unsupported: ${reason})` : ''}`, async (ctx) => {
        const na = corpusCaseNotApplicable(c, server)
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
}
