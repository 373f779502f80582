import { splitStatements } from '@mig/core'
import { checkStatements } from './check.js'
import { findIgnores, type LintIgnore, position } from './ignores.js'
import type { StatementFacts } from './operations.js'
import { loadPostgresParser, parsePostgresStatement } from './postgres/postgres-parser.js'
import { ruleById } from './rules.js'
import { tokenStatementFacts } from './token-operations.js'
import type { Finding, IgnoredFinding, LintScriptInput, LintScriptResult } from './types.js'

/** A statement's first line, at most 80 characters, for reports. */
function firstLineOf(sql: string): string {
  const line = sql.split('\n', 1)[0]!.trim()
  return line.length > 80 ? `${line.slice(0, 77)}...` : line
}

/**
 * Lint one script: split it (the engine's split rules), understand each statement (PostgreSQL's own
 * parser for `postgres`, token matching otherwise), apply every rule of the engine in order (a table
 * created earlier in the script is empty, so changes to it are not reported), then apply the
 * script's `-- mig:lint-ignore` comments. Reads nothing but `input`; needs no database.
 *
 * @example
 * const { findings } = await lintScript({ sql: 'CREATE INDEX i ON t (a);', engine: 'postgres', transaction: true })
 * // [{ rule: 'require-concurrent-index', severity: 'error', line: 1, column: 1, ... }]
 */
export async function lintScript(input: LintScriptInput): Promise<LintScriptResult> {
  const firstLine = input.firstLine ?? 1
  const split = input.splitOptions ?? {}
  const statements = splitStatements(input.sql, split, firstLine)
  let facts: StatementFacts[]
  if (input.engine === 'postgres') {
    const parser = await loadPostgresParser()
    facts = statements.map((statement) => parsePostgresStatement(parser, statement.sql))
  } else {
    const tokenOptions = { hashComments: split.hashComments ?? split.delimiterCommand, backslashEscapes: split.backslashEscapes }
    facts = statements.map((statement) => tokenStatementFacts(statement.sql, tokenOptions))
  }
  const at = (index: number, offset = 0) => {
    const statement = statements[index]!
    return { ...position(input.sql, (statement.offset ?? 0) + offset, firstLine), statement: firstLineOf(statement.sql) }
  }
  const ignores = findIgnores(input.sql, statements, firstLine)
  const findings: Finding[] = []
  const ignored: IgnoredFinding[] = []
  const used = new Set<LintIgnore>()
  for (const raw of checkStatements(facts, input.engine, input.transaction)) {
    const rule = ruleById(raw.rule)!
    const finding: Finding = { rule: raw.rule, severity: rule.severity, message: raw.message, ...at(raw.statement, raw.offset), hint: rule.fix }
    const accepted = ignores.find((ignore) => ignore.rule === raw.rule && (ignore.scope === 'file' || ignore.scope === raw.statement))
    if (accepted) {
      used.add(accepted)
      ignored.push({ ...finding, reason: accepted.reason })
    } else findings.push(finding)
  }
  for (const ignore of ignores) {
    if (!ignore.problem && !used.has(ignore))
      findings.push({
        rule: 'unused-lint-ignore',
        severity: ruleById('unused-lint-ignore')!.severity,
        message: `-- mig:lint-ignore ${ignore.rule} accepts no finding ${ignore.scope === 'file' ? 'in this file' : 'of the statement below it'}`,
        line: ignore.line,
        column: ignore.column,
        statement: `-- mig:lint-ignore ${ignore.rule}`,
        hint: ruleById('unused-lint-ignore')!.fix,
      })
    if (ignore.problem)
      findings.push({
        rule: 'invalid-lint-ignore',
        severity: 'error',
        message: ignore.problem,
        line: ignore.line,
        column: ignore.column,
        statement: `-- mig:lint-ignore ${ignore.rule}`.trim(),
        hint: ruleById('invalid-lint-ignore')!.fix,
      })
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column)
  return { findings, ignored }
}
