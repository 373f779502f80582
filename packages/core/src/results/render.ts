import type { ResultColumn, StatementResult } from './types.js'

/** How NULL is shown in a result table. */
export const NULL_DISPLAY = '(null)'

/** Options of {@link renderStatementResult}. */
export interface RenderResultOptions {
  /** Echo the statement before its output. Default true. */
  echo?: boolean
}

/** Width of text as a terminal shows it (code points; enough for the ASCII and Latin text of results). */
function width(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

function pad(text: string, size: number, align: ResultColumn['align']): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)))
  return align === 'right' ? fill + text : text + fill
}

function center(text: string, size: number): string {
  const free = Math.max(0, size - width(text))
  const left = Math.floor(free / 2)
  return ' '.repeat(left) + text + ' '.repeat(free - left)
}

/**
 * An aligned table in psql's format: header centred, `---+---` rule, numbers right-aligned, a cell
 * of several lines continued with `+`, then `(N rows)`. Lines carry no trailing spaces, so an
 * editor that strips them does not change an expected file.
 */
export function renderTable(columns: readonly ResultColumn[], rows: readonly (readonly (string | null)[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => (row[i] === null || row[i] === undefined ? NULL_DISPLAY : String(row[i])).split('\n')))
  const widths = columns.map((c, i) => Math.max(width(c.name), ...cells.map((row) => Math.max(...row[i]!.map(width)))))
  const lines: string[] = []
  lines.push(columns.map((c, i) => ` ${center(c.name, widths[i]!)} `).join('|'))
  lines.push(widths.map((w) => '-'.repeat(w + 2)).join('+'))
  for (const row of cells) {
    const height = Math.max(1, ...row.map((c) => c.length))
    for (let k = 0; k < height; k++) {
      lines.push(
        columns
          .map((c, i) => {
            const part = row[i]![k] ?? ''
            const more = k < row[i]!.length - 1 ? '+' : ' '
            return ` ${pad(part, widths[i]!, c.align)}${more}`
          })
          .join('|'),
      )
    }
  }
  lines.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`)
  return lines.map((l) => l.trimEnd()).join('\n')
}

/**
 * The output of one statement as a psql/pg_regress `.out` file shows it: the statement (ending in
 * `;`), the notices it raised, then its result table, its command tag, or its error
 * (`ERROR:  message`, `DETAIL:`, `HINT:`), and a blank line. Deterministic: the same results give
 * the same text on any machine. Shared by SQL tests and `mig run`.
 */
export function renderStatementResult(result: StatementResult, options: RenderResultOptions = {}): string {
  const parts: string[] = []
  if (options.echo !== false) parts.push(/;\s*$/.test(result.sql) ? result.sql.trimEnd() : `${result.sql.trimEnd()};`)
  for (const n of result.notices) parts.push(`${n.severity}:  ${n.message}`)
  if (result.error) {
    parts.push(`${result.error.severity}:  ${result.error.message}`)
    if (result.error.detail) parts.push(`DETAIL:  ${result.error.detail}`)
    if (result.error.hint) parts.push(`HINT:  ${result.error.hint}`)
  } else if (result.columns) parts.push(renderTable(result.columns, result.rows ?? []))
  else if (result.tag) parts.push(result.tag)
  return `${parts.join('\n')}\n\n`
}

/** Every statement's output, one after the other (see {@link renderStatementResult}). */
export function renderResults(results: readonly StatementResult[], options: RenderResultOptions = {}): string {
  return results.map((r) => renderStatementResult(r, options)).join('')
}

const DATA_CHANGE = /^\s*(insert|update|delete|replace)\b/i

/**
 * A command tag for engines whose server sends none: the statement's first keyword, with the count
 * of rows for INSERT, UPDATE, DELETE and REPLACE (`UPDATE 2`, `CREATE`).
 */
export function commandTag(sql: string, affectedRows: number | bigint | undefined): string | undefined {
  const word = /^\s*([A-Za-z]+)/.exec(stripLeadingComments(sql))?.[1]?.toUpperCase()
  if (!word) return undefined
  return DATA_CHANGE.test(stripLeadingComments(sql)) && affectedRows !== undefined ? `${word} ${affectedRows}` : word
}

/** The statement without the comments it starts with. */
export function stripLeadingComments(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
}

/** Whether a statement is only comments and whitespace (nothing to send to the server). */
export function isOnlyComments(sql: string): boolean {
  return stripLeadingComments(sql).length === 0
}
