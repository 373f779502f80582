import type { ScriptStatement } from '@mig/core'
import { RULES, ruleById } from './rules.js'

/** One `-- mig:lint-ignore <rule> <reason>` comment. */
export interface LintIgnore {
  rule: string
  reason: string
  line: number
  column: number
  /** Index of the statement it applies to, or `file` for the whole script. */
  scope: number | 'file'
  /** Why the comment is wrong (unknown rule, no reason, nothing after it), if it is. */
  problem?: string
}

const IGNORE = /--[ \t]*mig:lint-ignore\b([^\n]*)/g

/** 1-based line and column of `offset` in `text`, counting lines from `firstLine`. */
export function position(text: string, offset: number, firstLine: number): { line: number; column: number } {
  let line = firstLine
  let lineStart = 0
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++
    lineStart = at + 1
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * The `-- mig:lint-ignore` comments of a script. Each is read between statements (never inside a
 * string or a statement). Above a statement, with no blank line between, it applies to that
 * statement; in the header (the comments before the first statement), separated from it by a blank
 * line, to the whole script. The reason is required: a comment without one, or naming no known
 * rule, is reported (`invalid-lint-ignore`) and still applies.
 */
export function findIgnores(sql: string, statements: ScriptStatement[], firstLine: number): LintIgnore[] {
  const ignores: LintIgnore[] = []
  let gapStart = 0
  for (let index = 0; index <= statements.length; index++) {
    const statement = statements[index]
    const gapEnd = statement?.offset ?? sql.length
    const gap = sql.slice(gapStart, gapEnd)
    for (const match of gap.matchAll(IGNORE)) {
      const [rule = '', ...words] = match[1]!.trim().split(/\s+/)
      const reason = words.join(' ')
      const at = gapStart + match.index!
      const after = sql.slice(at + match[0].length, gapEnd)
      const scope = !statement ? -1 : index === 0 && /\n[ \t\r]*\n/.test(after) ? 'file' : index
      let problem: string | undefined
      if (!rule) problem = `-- mig:lint-ignore needs a rule and a reason (rules: ${RULES.map((r) => r.id).join(', ')})`
      else if (!ruleById(rule)) problem = `-- mig:lint-ignore names an unknown rule "${rule}" (rules: ${RULES.map((r) => r.id).join(', ')})`
      else if (!reason) problem = `-- mig:lint-ignore ${rule} needs a reason: say why the statement is safe`
      else if (scope === -1) problem = `-- mig:lint-ignore ${rule} is followed by no statement`
      ignores.push({ rule, reason, ...position(sql, at, firstLine), scope: scope === -1 ? 'file' : scope, problem })
    }
    if (statement) gapStart = (statement.offset ?? gapEnd) + statement.sql.length
  }
  return ignores
}
