import type { MigrationScope } from './migration.js'

/** Directives parsed from the leading comment lines of a SQL file. */
export interface Directives {
  transaction?: boolean
  depends?: string[]
  draft?: boolean
  scope?: MigrationScope
}

/** Every directive mig knows, for error messages. */
export const KNOWN_DIRECTIVES = ['no-transaction', 'depends', 'draft', 'scope', 'up', 'down', 'tenant-up', 'tenant-down', 'run', 'lint-ignore'] as const

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
      case 'tenant-up':
      case 'tenant-down':
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

/** One section of a single-file migration: its text and the 1-based line its body starts on. */
export interface Section {
  text: string
  line: number
}

/** The `-- mig:up` / `-- mig:down` / `-- mig:tenant-up` / `-- mig:tenant-down` sections of a single-file migration. */
export interface Sections {
  up: Section
  down: Section | null
  /** The tenant part (`-- mig:tenant-up`), run once in every tenant. */
  tenantUp?: Section | null
  tenantDown?: Section | null
}

const MARKER = /^--\s*mig:(up|down|tenant-up|tenant-down)\s*$/
type Marker = 'up' | 'down' | 'tenant-up' | 'tenant-down'

/**
 * Split a single-file migration into its sections. A file with no markers is all `up`. Text
 * before the first marker (a header with directives) belongs to up, as does the `-- mig:up` line;
 * each other section runs from the line after its marker to the next marker. Each marker may
 * appear once; `-- mig:up` comes first when present.
 */
export function splitSections(sql: string): Sections {
  // markers contain "mig:"; without it the file is all up
  if (!sql.includes('mig:')) return { up: { text: sql, line: 1 }, down: null }
  const lines = sql.split('\n')
  const found: { marker: Marker; at: number }[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!.trim())
    if (!m) continue
    const marker = m[1] as Marker
    if (found.some((f) => f.marker === marker) || (marker === 'up' && found.length > 0)) {
      throw new Error(`line ${i + 1}: unexpected "-- mig:${marker}" marker (each section once, -- mig:up first)`)
    }
    found.push({ marker, at: i })
  }
  const sectionEnd = (k: number) => found[k + 1]?.at ?? lines.length
  const firstOther = found.findIndex((f) => f.marker !== 'up')
  // up: from the top of the file to the first marker that is not -- mig:up
  const upEnd = firstOther < 0 ? lines.length : found[firstOther]!.at
  const out: Sections = { up: { text: firstOther < 0 ? sql : lines.slice(0, upEnd).join('\n'), line: 1 }, down: null }
  found.forEach((f, k) => {
    if (f.marker === 'up') return
    const section = { text: lines.slice(f.at + 1, sectionEnd(k)).join('\n'), line: f.at + 2 }
    if (f.marker === 'down') out.down = section
    else if (f.marker === 'tenant-up') out.tenantUp = section
    else out.tenantDown = section
  })
  if (out.tenantDown && !out.tenantUp) throw new Error(`line ${out.tenantDown.line - 1}: -- mig:tenant-down without -- mig:tenant-up`)
  return out
}
