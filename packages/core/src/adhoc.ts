import { checksum } from './checksum.js'
import type { CoreContext } from './context.js'
import { parseDirectives } from './directives.js'
import { MigError } from './errors.js'
import { checkEnv, withLock } from './guard.js'
import { isOnlyComments } from './results/render.js'
import type { StatementResult } from './results/types.js'
import { now } from './run/clock.js'
import { splitStatements } from './splitter.js'

/*
 * Ad-hoc scripts (`mig run`): SQL that is not a migration, run on a session of its own with every
 * statement's result kept for printing, and logged in the audit log (action `run`), never in the
 * history.
 */

/** A script for {@link runAdhocScript}: its rendered SQL and the file it came from (as the log names it). */
export interface AdhocScript {
  /** Project-relative path, kept in the log entry's `name`. */
  file: string
  /** The SQL, rendered. `-- mig:no-transaction` in its header runs it without a transaction. */
  sql: string
}

/** What {@link runAdhocScript} did. */
export interface AdhocResult {
  ok: boolean
  /** Every statement run, in order; the last one carries the error when it failed. */
  results: StatementResult[]
  /** Whether it ran in a transaction (a failure then rolled everything back). */
  transactional: boolean
  durationMs: number
  /** The failing statement's first line in the script, when one failed. */
  errorLine?: number
}

/** The log entry's version of every ad-hoc script. */
export const ADHOC_VERSION = 'run'

/**
 * Run an ad-hoc script on a new session of the target (the driver's `openSession`): statement by
 * statement, in one transaction unless the script says `-- mig:no-transaction`, stopping at the
 * first error (a transaction is then rolled back). A database of another env is refused before
 * anything runs. The outcome is appended to the log (action `run`, the file as name, the SQL, the
 * variables' names), under the migration lock; nothing is written to the history.
 */
export async function runAdhocScript(ctx: CoreContext, script: AdhocScript): Promise<AdhocResult> {
  const driver = ctx.driver
  if (!driver.openSession) throw new MigError(`the ${driver.dialect.name} driver cannot run ad-hoc scripts (it has no openSession)`)
  await ctx.session.connect()
  if (await ctx.store.exists()) await checkEnv(ctx, false)
  const transactional = parseDirectives(script.sql).transaction !== false
  const statements = splitStatements(script.sql, driver.splitOptions ?? {}).filter((s) => !isOnlyComments(s.sql))
  const started = now()
  const results: StatementResult[] = []
  let errorLine: number | undefined
  const session = await driver.openSession()
  try {
    if (transactional) await control(session, 'BEGIN')
    for (const st of statements) {
      const r = await session.run(st.sql)
      results.push(r)
      if (r.error) {
        errorLine = st.line
        break
      }
    }
    if (transactional) await control(session, errorLine === undefined ? 'COMMIT' : 'ROLLBACK')
  } finally {
    await session.close()
  }
  const durationMs = Math.round(now() - started)
  const failed = results.find((r) => r.error)
  await withLock(ctx, async ({ prepare }) => {
    await prepare()
    await ctx.recorder.log(driver, {
      version: ADHOC_VERSION,
      name: script.file,
      action: 'run',
      status: failed ? 'failed' : 'ok',
      scope: ctx.scope,
      checksum: checksum(script.sql),
      sql: script.sql,
      vars: ctx.recorder.loggedVars(),
      error: failed?.error ? `line ${errorLine}: ${failed.error.message}` : null,
      durationMs,
    })
  })
  await driver.sync?.()
  return { ok: !failed, results, transactional, durationMs, ...(errorLine === undefined ? {} : { errorLine }) }
}

/** Run a transaction control statement; its error is the run's (a lost transaction). */
async function control(session: { run(sql: string): Promise<StatementResult> }, sql: string): Promise<void> {
  const r = await session.run(sql)
  if (r.error) throw new MigError(`${sql} failed: ${r.error.message}`)
}
