/**
 * Liquibase formatted SQL: files starting with `--liquibase formatted sql`, read in path order (as
 * `includeAll` does), each holding `--changeset author:id [attributes]` sections with `--rollback`
 * lines. `runOnChange:true` / `runAlways:true` changesets are repeatables; the others are numbered
 * 1, 2, 3… in changelog order: that is their mig version, and `author:id` their tool id.
 */
import { join } from 'node:path'
import { baseMigration, type DiscoveryProblem } from '../discovery.js'
import type { Migration } from '../migration.js'
import { type FormatReader, listFiles, problemAt, readText, textBody } from './common.js'

const HEADER = /^--\s*liquibase\s+formatted\s+sql\b/i
// Liquibase's pattern: `--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*`
const CHANGESET = /^--\s*changeset\s+(.*)$/i
const AUTHOR_ID = /^("[^"]+"|[^:\s]+):\s*("[^"]+"|\S+)(.*)$/
const ROLLBACK = /^--\s*rollback\b\s?(.*)$/i
const ROLLBACK_BLOCK = /^\/\*\s*liquibase\s+rollback\s*$/i
// lines Liquibase reads as changeset metadata, not SQL
const META = /^--\s*(comment\b|preconditions?\b|precondition-|validCheckSum\b|ignoreLines\b)/i

/** One changeset as read from a file. */
export interface Changeset {
  author: string
  id: string
  attributes: Record<string, string>
  /** 1-based line of `--changeset`. */
  line: number
  /** The SQL, from the line after `--changeset`, with metadata and rollback lines blanked. */
  sql: string
  rollback: { text: string; line: number } | null
  comment?: string
}

const unquote = (s: string) => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s)

/** Parse a formatted SQL changelog. Problems name `file:line`. */
export function parseChangelog(text: string, file: string, problems: DiscoveryProblem[]): Changeset[] {
  const lines = text.split('\n')
  const out: Changeset[] = []
  let current: (Changeset & { body: string[]; back: string[] }) | undefined
  let inRollbackBlock = false
  const finish = () => {
    if (!current) return
    current.sql = current.body.join('\n')
    const back = current.back.join('\n').trim()
    if (back && !/^not\s+required$/i.test(back) && back !== 'empty')
      current.rollback = { text: current.back.join('\n'), line: current.rollback?.line ?? current.line }
    else current.rollback = null
    const { body: _b, back: _r, ...changeset } = current
    out.push(changeset)
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const cs = CHANGESET.exec(line.trim())
    if (cs) {
      finish()
      current = undefined
      const m = AUTHOR_ID.exec(cs[1]!.trim())
      if (!m) {
        problemAt(problems, file, i + 1, 'a changeset without id: Liquibase requires --changeset <author>:<id>')
        continue
      }
      const attributes: Record<string, string> = {}
      for (const a of m[3]!.trim().split(/\s+/).filter(Boolean)) {
        const at = a.indexOf(':')
        if (at > 0) attributes[a.slice(0, at)] = a.slice(at + 1)
      }
      current = { author: unquote(m[1]!), id: unquote(m[2]!), attributes, line: i + 1, sql: '', rollback: null, body: [], back: [] }
      continue
    }
    if (!current) continue
    if (inRollbackBlock) {
      if (line.trim() === '*/') inRollbackBlock = false
      else current.back.push(line)
      current.body.push('')
      continue
    }
    const rb = ROLLBACK.exec(line.trim())
    if (rb) {
      if (!current.back.length) current.rollback = { text: '', line: i + 1 }
      current.back.push(rb[1]!)
      current.body.push('')
      continue
    }
    if (ROLLBACK_BLOCK.test(line.trim())) {
      inRollbackBlock = true
      if (!current.back.length) current.rollback = { text: '', line: i + 2 }
      current.body.push('')
      continue
    }
    if (META.test(line.trim())) {
      const comment = /^--\s*comment:?\s*(.*)$/i.exec(line.trim())
      if (comment) current.comment = comment[1]
      current.body.push('')
      continue
    }
    current.body.push(line)
  }
  finish()
  return out
}

const truthy = (v: string | undefined) => v !== undefined && v.toLowerCase() === 'true'

/**
 * `endDelimiter:X`: Liquibase ends statements at X instead of `;`. A line ending in X ends a
 * statement: it is rewritten to end in `;`, which mig's splitter reads (a block's own `;` stay
 * inside its BEGIN … END).
 */
function withEndDelimiter(sql: string, delimiter: string): string {
  const escaped = delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return sql.replace(new RegExp(`${escaped}[ \\t]*$`, 'gm'), ';')
}

/** A folder of Liquibase formatted SQL changelogs (`format = "liquibase"`). */
export const liquibaseReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems) {
    const out: Migration[] = []
    let ordinal = 0
    for (const rel of listFiles(dir, options, problems, true) ?? []) {
      if (!rel.endsWith('.sql')) continue
      const file = join(dir, rel)
      const text = readText(file, problems)
      if (text === undefined) continue
      if (!HEADER.test(text.trimStart())) {
        problemAt(problems, file, 1, 'not a Liquibase formatted SQL changelog: the first line must be --liquibase formatted sql (or add the file to ignore)')
        continue
      }
      for (const cs of parseChangelog(text, file, problems)) {
        const a = cs.attributes
        if (a.dbms !== undefined) {
          problemAt(problems, file, cs.line, `dbms:${a.dbms}: mig runs a changeset on every database; keep one changelog folder per database instead`)
          continue
        }
        const repeatable = truthy(a.runOnChange) || truthy(a.runAlways)
        const version = repeatable ? `R__${cs.id}` : String(++ordinal)
        const mig = baseMigration({
          id: repeatable ? version : `${version}_${cs.id}`,
          version,
          name: cs.id,
          kind: repeatable ? 'repeatable' : 'versioned',
          source: options.label,
          path: file,
        })
        mig.toolId = `${cs.author}:${cs.id}`
        if (cs.comment) mig.description = cs.comment
        const delimiter = a.endDelimiter && a.endDelimiter !== ';' ? a.endDelimiter : undefined
        const fix = (sql: string) => (delimiter ? withEndDelimiter(sql, delimiter) : sql)
        mig.up = textBody(file, cs.line + 1, fix(cs.sql))
        if (cs.rollback && !repeatable) mig.down = textBody(file, cs.rollback.line, fix(cs.rollback.text))
        if (a.runInTransaction !== undefined && !truthy(a.runInTransaction)) mig.transaction = false
        out.push(mig)
      }
    }
    return out
  },
})
