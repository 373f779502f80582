/**
 * Markers other tools write into their SQL files. A file carrying one is not a plain mig migration:
 * read whole, its down section would run as part of up. mig-format folders refuse such files and
 * `format = "auto"` uses them to tell the formats apart.
 */

/** A tool's marker found in a file. */
export interface ForeignMarker {
  /** The `format = "…"` that reads the file. */
  format: 'dbmate' | 'goose' | 'liquibase'
  /** The marker as written. */
  marker: string
  /** 1-based line. */
  line: number
}

const MARKERS: { format: ForeignMarker['format']; re: RegExp }[] = [
  // dbmate matches `(?m)^--\s*migrate:up(\s*$|\s+\S+)`
  { format: 'dbmate', re: /^--\s*migrate:(?:up|down)(?:\s|$)/ },
  { format: 'goose', re: /^--\s*\+goose\s+(?:up|down)\s*$/i },
  { format: 'liquibase', re: /^--\s*liquibase\s+formatted\s+sql/i },
  // `author:id` as Liquibase requires it, so a comment such as "-- changeset of columns" is no marker
  { format: 'liquibase', re: /^--\s*changeset\s+(?:"[^"]+"|[^:\s]+):\s*\S/i },
]

/** What every marker starts with: lines that fail it are passed over without the full patterns. */
const ANY_MARKER = /^--\s*(?:migrate:|\+goose|liquibase|changeset)/i

/** The first foreign marker at the start of a line of `text`, if any. */
export function findForeignMarker(text: string): ForeignMarker | undefined {
  // markers start a line with "--": only those lines are looked at (indexOf runs at memchr speed)
  for (let at = text.startsWith('--') ? 0 : text.indexOf('\n--'); at >= 0; at = text.indexOf('\n--', at + 1)) {
    const start = text.charCodeAt(at) === 10 ? at + 1 : at
    const end = text.indexOf('\n', start)
    const line = text.slice(start, end < 0 ? text.length : end)
    if (!ANY_MARKER.test(line)) continue
    for (const m of MARKERS) {
      if (m.re.test(line)) return { format: m.format, marker: line.trim(), line: text.slice(0, start).split('\n').length }
    }
  }
  return undefined
}

/**
 * Throw when a file of a mig-format folder carries another tool's marker, naming the format that
 * reads it. Called on the text discovery reads.
 */
export function refuseForeignMarkers(text: string): void {
  const found = findForeignMarker(text)
  if (!found) return
  throw new Error(
    `line ${found.line}: "${found.marker}" is a ${found.format} marker; read as a mig migration the whole file would run as up. ` +
      `Set format = "${found.format}" for this folder in mig.toml: migrations = [{ path = "…", format = "${found.format}" }]`,
  )
}
