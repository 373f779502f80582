import { createHash } from 'node:crypto'
import type { ScriptStatement } from '../driver.js'
import { PlanError } from '../errors.js'
import { hasRunLines } from '../hooks.js'
import type { HistoryRow } from '../history/store.js'
import type { Migration, MigrationBody } from '../migration.js'
import { type SplitOptions, splitStatements } from '../splitter.js'
import { isStreamed } from './bodies.js'

/**
 * What a failed row keeps of each statement that committed before the failure, so `mig up --resume`
 * can tell whether the fixed file still starts with them: the first 16 hex digits of the sha256 of
 * the statement's text (trimmed), comma-separated, in order.
 */
export function committedChecksums(sql: string, count: number, options: SplitOptions): string {
  return splitStatements(sql, options)
    .slice(0, Math.max(0, count))
    .map((st) => statementChecksum(st.sql))
    .join(',')
}

function statementChecksum(sql: string): string {
  return createHash('sha256').update(sql.trim()).digest('hex').slice(0, 16)
}

/** Where a resumed migration starts, and the statements it runs. */
export interface ResumePoint {
  /** 1-based index, in the file, of the first statement to run (the one that failed). */
  from: number
  /** Statements `from`.. of the file, with their lines. */
  statements: ScriptStatement[]
  /** A run that died (a `running` row) is resumed, not one that failed. */
  interrupted?: boolean
}

/**
 * The statements `mig up --resume` runs for a migration that failed at statement `from` (1-based):
 * statements `from`.. of the fixed file, once statements 1..from-1 are found unchanged against
 * `recorded` ({@link committedChecksums} of the file that ran). Throws a {@link PlanError} naming
 * the first committed statement that changed (or that the file no longer has).
 */
export function resumePoint(
  migration: { id: string; version: string },
  sql: string,
  from: number,
  recorded: string | null,
  options: SplitOptions,
  line = 1,
): ResumePoint {
  const statements = splitStatements(sql, options, line)
  const sums = recorded ? recorded.split(',') : []
  const refuse = (what: string) =>
    new PlanError('failed', `cannot resume ${migration.id} at statement ${from}: ${what}`, [migration.version], {
      hint: `restore the statements that committed (see mig log ${migration.version}), or check the database by hand and run mig resolve ${migration.version} --applied or --rolled-back`,
    })
  if (sums.length !== from - 1) throw refuse(`the history does not record the ${from - 1} statements that committed before it failed`)
  for (let k = 0; k < from - 1; k++) {
    const st = statements[k]
    if (!st) throw refuse(`the file now has ${statements.length} statements; statement ${k + 1} committed before the failure`)
    if (statementChecksum(st.sql) !== sums[k]) throw refuse(`statement ${k + 1} (line ${st.line}) changed since it committed`)
  }
  return { from, statements: statements.slice(from - 1) }
}

/**
 * Where a migration interrupted after `committed` statements (its `running` row's progress) starts
 * again, its file being the one that ran.
 */
export function afterInterruption(sql: string, committed: number, options: SplitOptions, line = 1): ResumePoint {
  const from = committed + 1
  return { from, statements: splitStatements(sql, options, line).slice(from - 1), interrupted: true }
}

/**
 * Where `up --resume` starts each migration of `plan` whose row in `scope` is `failed` at a
 * statement: checked against the checksums the row kept (`read`). A {@link PlanError} naming the
 * first committed statement that changed stops the run before anything is written. A planned
 * migration whose row is `running` (an interrupted run, which the planner resumes only when the
 * driver's progress is exact and the file unchanged) starts after the statements its progress counts.
 */
export async function resumePoints(
  plan: Migration[],
  history: HistoryRow[],
  scope: string,
  options: {
    sql(m: Migration, body: MigrationBody): Promise<string>
    read(version: string): Promise<string | null>
    split: SplitOptions
    /** The driver runs statements it is given (`Driver.runStatements`). */
    canRunStatements: boolean
    /** The body's render (asked for by `sql` first) is a stream, run as such. */
    streamedRender(body: MigrationBody): boolean
  },
): Promise<Map<string, ResumePoint>> {
  const out = new Map<string, ResumePoint>()
  for (const h of history) {
    const interrupted = h.status === 'running'
    if (h.scope !== scope || !(interrupted || (h.status === 'failed' && h.statementIndex))) continue
    const m = plan.find((x) => x.version === h.version)
    if (!m?.up) continue
    const sql = m.code || isStreamed(m.up) || !options.canRunStatements ? undefined : await options.sql(m, m.up)
    // a template whose render is a stream (csv_insert) runs what its render streams, not this text
    if (sql === undefined || options.streamedRender(m.up) || (interrupted && hasRunLines(sql))) {
      throw new PlanError('failed', `cannot resume ${m.id}: only a plain SQL migration can be resumed at a statement`, [m.version], {
        hint: `check the database by hand, then run mig resolve ${m.version} --applied or --rolled-back`,
      })
    }
    // an interrupted one's file is the one that ran (the planner checked its checksum): no statement to compare
    if (interrupted) out.set(h.version, afterInterruption(sql, h.statementIndex ?? 0, options.split, m.up.line))
    else out.set(h.version, resumePoint(m, sql, h.statementIndex!, await options.read(h.version), options.split, m.up.line))
  }
  return out
}
