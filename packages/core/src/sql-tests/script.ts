import type { ScriptStatement } from '../driver.js'
import { type SplitOptions, splitStatements } from '../splitter.js'
import { SqlTestError } from './errors.js'

/** A part of a test script: statements on the main connection, a session block, or a wait. */
export type ScriptBlock =
  | { kind: 'main'; statements: ScriptStatement[] }
  | { kind: 'session'; session: string; statements: ScriptStatement[]; line: number }
  | { kind: 'wait'; session: string; line: number }

// Private-use characters around a marker: text no SQL or template writes by accident.
const OPEN = '\uE000'
const CLOSE = '\uE001'
const TAG = /\{%-?\s*(session|endsession|wait)\b\s*(?:"([^"]*)"|'([^']*)')?\s*-?%\}/g
const MARKER = new RegExp(`${OPEN}(session|endsession|wait) ?([^${CLOSE}]*)${CLOSE}`, 'g')

function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/**
 * Replace the session tags of a test script (`{% session "b" %}`, `{% endsession %}`,
 * `{% wait "b" %}`) by markers that survive template rendering, checking that every session is
 * named, closed and not nested. Lines stay where they were, so template errors keep their positions.
 */
export function markSessionTags(source: string, file: string): string {
  let open: { name: string; line: number } | undefined
  const out = source.replace(TAG, (whole, tag: string, dq: string | undefined, sq: string | undefined, offset: number) => {
    const name = dq ?? sq
    const line = lineOf(source, offset)
    if (tag === 'endsession') {
      if (!open) throw new SqlTestError('{% endsession %} without a {% session %} before it', { file, line })
      open = undefined
      return `${OPEN}endsession${CLOSE}`
    }
    if (!name) throw new SqlTestError(`{% ${tag} %} needs a session name: {% ${tag} "b" %}`, { file, line })
    if (tag === 'session') {
      if (open) throw new SqlTestError(`{% session "${name}" %} inside session "${open.name}" (line ${open.line}): sessions do not nest`, { file, line })
      open = { name, line }
    } else if (open) throw new SqlTestError(`{% wait "${name}" %} inside session "${open.name}": wait from the main script`, { file, line })
    return `${OPEN}${tag} ${name}${CLOSE}${whole.includes('\n') ? '\n'.repeat(whole.split('\n').length - 1) : ''}`
  })
  if (open) throw new SqlTestError(`session "${open.name}" is never closed`, { file, line: open.line, hint: 'end the block with {% endsession %}' })
  return out
}

/**
 * Cut a rendered script (with the markers of {@link markSessionTags}) into blocks of statements.
 * A wait for a session the script never started is an error.
 */
export function parseScript(text: string, file: string, split: SplitOptions = {}): ScriptBlock[] {
  const blocks: ScriptBlock[] = []
  const started = new Set<string>()
  let session: { name: string; line: number } | undefined
  let last = 0
  const flush = (end: number) => {
    const piece = text.slice(last, end)
    const statements = splitStatements(piece, split, lineOf(text, last))
    if (session) blocks.push({ kind: 'session', session: session.name, statements, line: session.line })
    else if (statements.length) blocks.push({ kind: 'main', statements })
  }
  for (const m of text.matchAll(MARKER)) {
    const [whole, tag, name] = m as unknown as [string, string, string]
    const line = lineOf(text, m.index!)
    flush(m.index!)
    last = m.index! + whole.length
    if (tag === 'session') {
      session = { name, line }
      started.add(name)
    } else if (tag === 'endsession') session = undefined
    else {
      if (!started.has(name)) throw new SqlTestError(`{% wait "${name}" %}: no session "${name}" started before it`, { file, line })
      blocks.push({ kind: 'wait', session: name, line })
    }
  }
  flush(text.length)
  return blocks
}

/** Whether a script uses sessions (the runner then watches lock waits). */
export function usesSessions(blocks: readonly ScriptBlock[]): boolean {
  return blocks.some((b) => b.kind !== 'main')
}
