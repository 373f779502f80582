import type { MigrationScope } from './migration.js'

/** Directives parsed from the leading comment lines of a SQL file. */
export interface Directives {
  transaction?: boolean
  depends?: string[]
  draft?: boolean
  scope?: MigrationScope
}

/** Every directive mig knows, for error messages. */
export const KNOWN_DIRECTIVES = ['no-transaction', 'depends', 'draft', 'scope', 'up', 'down', 'run', 'lint-ignore'] as const

/**
 * Read `-- mig:<directive>` lines from the header of a SQL file: the comment and blank lines
 * before the first statement. Also accepts them after a `-- mig:up` marker in single-file form.
 * Throws an `Error` whose message names the line for an unknown directive or a bad value.
 */
export function parseDirectives(sql: string): Directives {
  const out: Directives = {}
  // every directive contains "mig:": most files have none, and need no scan line by line
  if (!sql.includes('mig:')) return out
  // walk the header line by line without splitting the whole file (it may be large)
  for (let i = 0, start = 0; start <= sql.length; i++) {
    let end = sql.indexOf('\n', start)
    if (end < 0) end = sql.length
    const line = sql.slice(start, end).trim()
    start = end + 1
    if (line === '') continue
    if (!line.startsWith('--')) break
    const m = /^--\s*mig:([A-Za-z-]+)\s*(.*)$/.exec(line)
    if (!m) continue
    const name = m[1]!.toLowerCase()
    const arg = m[2]!.trim()
    switch (name) {
      case 'no-transaction':
        out.transaction = false
        break
      case 'depends':
        if (!arg) throw new Error(`line ${i + 1}: -- mig:depends needs at least one version`)
        out.depends = [...(out.depends ?? []), ...arg.split(/[\s,]+/).filter(Boolean)]
        break
      case 'draft':
        out.draft = true
        break
      case 'scope':
        if (arg !== 'shared' && arg !== 'tenant') throw new Error(`line ${i + 1}: -- mig:scope must be shared or tenant, not "${arg}"`)
        out.scope = arg
        break
      case 'up':
      case 'down':
      case 'run':
      // read by `mig lint` (@mig/lint), which checks its rule and reason; nothing for a run to do
      case 'lint-ignore':
        break
      default:
        throw new Error(`line ${i + 1}: unknown directive "-- mig:${m[1]}" (known: ${KNOWN_DIRECTIVES.join(', ')})`)
    }
  }
  return out
}

/** The `-- mig:up` / `-- mig:down` sections of a single-file migration, with the line each body starts on. */
export interface Sections {
  up: { text: string; line: number }
  down: { text: string; line: number } | null
}

const MARKER = /^--\s*mig:(up|down)\s*$/

/**
 * Split a single-file migration into its up and down sections. A file with no markers is all `up`.
 * Text before `-- mig:up` (a header with directives) belongs to up.
 */
export function splitSections(sql: string): Sections {
  // markers contain "mig:"; without it the file is all up
  if (!sql.includes('mig:')) return { up: { text: sql, line: 1 }, down: null }
  const lines = sql.split('\n')
  let upStart = -1
  let downStart = -1
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!.trim())
    if (!m) continue
    if (m[1] === 'up' && upStart < 0 && downStart < 0) upStart = i
    else if (m[1] === 'down' && downStart < 0) downStart = i
    else throw new Error(`line ${i + 1}: unexpected "-- mig:${m[1]}" marker (use one -- mig:up, then one -- mig:down)`)
  }
  if (downStart < 0) return { up: { text: sql, line: 1 }, down: null }
  const upText = lines.slice(0, downStart).join('\n')
  const downText = lines.slice(downStart + 1).join('\n')
  return { up: { text: upText, line: 1 }, down: { text: downText, line: downStart + 2 } }
}
