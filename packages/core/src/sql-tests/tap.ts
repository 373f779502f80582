import type { StatementResult } from '../results/types.js'

/** One assertion of a TAP stream (pgTAP's `ok 1 - description`). */
export interface TapAssertion {
  number: number
  ok: boolean
  description: string
  /** `# SKIP` / `# TODO` directives: a `not ok` TODO does not fail. */
  directive?: string
}

/** A test's TAP output, read from its result rows. */
export interface TapReport {
  /** The plan (`1..N`), when the script declared one. */
  planned?: number
  assertions: TapAssertion[]
  /** Diagnostics (`# Failed test 2`, `# Looks like you failed 1 test of 2`). */
  diagnostics: string[]
  /** Why the stream fails: a `not ok`, a plan not met, a statement error. */
  failures: string[]
}

const PLAN = /^1\.\.(\d+)/
const ASSERTION = /^(not )?ok (\d+)(?:\s*-\s*)?([^#]*?)\s*(?:#\s*(.*))?$/

/**
 * Read TAP from a script's results: single-column rows holding a plan (`1..N`) or assertions
 * (`ok N`, `not ok N`), as pgTAP's `plan()`, `ok()`, `finish()` return them. Undefined when the
 * output holds no plan (not a TAP test).
 */
export function readTap(results: readonly StatementResult[]): TapReport | undefined {
  const lines: string[] = []
  for (const r of results) if (r.columns?.length === 1) for (const row of r.rows ?? []) if (row[0] !== null) lines.push(...String(row[0]).split('\n'))
  if (!lines.some((l) => PLAN.test(l))) return undefined
  const report: TapReport = { assertions: [], diagnostics: [], failures: [] }
  for (const line of lines) {
    const plan = PLAN.exec(line)
    const a = ASSERTION.exec(line)
    if (plan) report.planned = Number(plan[1])
    else if (a) {
      const directive = a[4]?.trim() || undefined
      const assertion: TapAssertion = { number: Number(a[2]), ok: !a[1], description: a[3]?.trim() ?? '', ...(directive ? { directive } : {}) }
      report.assertions.push(assertion)
      if (!assertion.ok && !/^todo\b/i.test(directive ?? ''))
        report.failures.push(`not ok ${assertion.number}${assertion.description ? ` - ${assertion.description}` : ''}`)
    } else if (line.startsWith('#')) report.diagnostics.push(line)
  }
  if (report.planned !== undefined && report.assertions.length !== report.planned)
    report.failures.push(`planned ${report.planned} tests but ran ${report.assertions.length}`)
  for (const r of results) if (r.error) report.failures.push(`${r.error.severity}:  ${r.error.message}`)
  return report
}
