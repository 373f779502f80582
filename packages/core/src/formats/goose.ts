/**
 * goose: `<version>_<name>.sql` files with `-- +goose Up` / `-- +goose Down` sections,
 * `StatementBegin` / `StatementEnd` blocks, `NO TRANSACTION` and `ENVSUBST ON` / `OFF`, read with
 * the rules of goose's own parser (internal/sqlparser).
 */
import { join } from 'node:path'
import { baseMigration, type DiscoveryProblem } from '../discovery.js'
import type { Migration, MigrationBody } from '../migration.js'
import { failingBody, type FormatReader, listFiles, problemAt, readText, textBody } from './common.js'

// goose: the version is the number before the first "_" (strconv.ParseInt), the rest is the name
const FILE = /^(\d+)_(.+)\.(sql|go)$/

/**
 * `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:=default}`, `${NAME=default}`
 * and `\$` (a literal `$`), as goose's envsubst reads them; an unset variable is empty.
 */
export function envsubst(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced, op, fallback, bare) => {
    if (all === '\\$') return '$'
    const name = (braced ?? bare) as string
    const value = env[name]
    if (op === undefined) return value ?? ''
    // `:-` / `:=` also replace an empty value; `-` / `=` only an unset one
    const useDefault = (op as string).startsWith(':') ? !value : value === undefined
    return useDefault ? (fallback as string) : (value as string)
  })
}

const KNOWN = new Set([
  '+goose Up',
  '+goose Down',
  '+goose StatementBegin',
  '+goose StatementEnd',
  '+goose NO TRANSACTION',
  '+goose ENVSUBST ON',
  '+goose ENVSUBST OFF',
])

/** goose's endsWithSemicolon: the last word before a `--` word ends with `;`. */
function endsWithSemicolon(line: string): boolean {
  let prev = ''
  for (const word of line.split(/\s+/)) {
    if (!word) continue
    if (word.startsWith('--')) break
    prev = word
  }
  return prev.endsWith(';')
}

/** One direction's text, with where it starts and what goose would refuse in it. */
interface Section {
  start: number
  lines: string[]
  error?: { line: number; message: string }
}

/** What goose's parser reads from a file. */
export interface GooseFile {
  up?: Section
  down?: Section
  transaction: boolean
  /** An error goose reports for the whole file (no Up annotation, a misplaced annotation). */
  error?: { line: number; message: string }
}

/**
 * Parse a goose SQL file. The sections keep their lines (annotation lines blanked, so lines keep
 * their numbers; `ENVSUBST ON` lines substituted from `env`) for mig's splitter to run.
 */
export function parseGoose(text: string, env: NodeJS.ProcessEnv = process.env): GooseFile {
  const out: GooseFile = { transaction: true }
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  let section: Section | undefined
  let block = -1
  let useEnv = false
  // the statement being read (goose's buffer): its first line, or -1 when empty
  let pending = -1
  const unfinished = (s: Section) => {
    // goose refuses a statement left without its `;` (missingSemicolonError)
    if (pending >= 0)
      s.error ??= { line: pending + 1, message: 'unfinished SQL statement: missing semicolon? (goose ends a statement at a line ending in ";")' }
    pending = -1
  }
  const fail = (i: number, message: string) => {
    out.error ??= { line: i + 1, message }
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    // goose compares the annotation exactly after trimming the `--`: `-- +goose Up`, not `-- +goose up`
    const cmd = line.startsWith('--') ? line.slice(2).trim() : undefined
    if (cmd === '+goose Up') {
      if (out.up) fail(i, "duplicate '-- +goose Up' annotations")
      section = out.up = { start: i + 1, lines: [] }
      continue
    }
    if (cmd === '+goose Down') {
      if (!section || section === out.down || block >= 0) fail(i, "'-- +goose Down' must follow '-- +goose Up'")
      if (section) unfinished(section)
      section = out.down = { start: i + 1, lines: [] }
      continue
    }
    if (cmd === '+goose NO TRANSACTION') {
      out.transaction = false
      if (section) section.lines.push('')
      continue
    }
    if (cmd === '+goose ENVSUBST ON' || cmd === '+goose ENVSUBST OFF') {
      useEnv = cmd.endsWith('ON')
      if (section) section.lines.push('')
      continue
    }
    if (cmd !== undefined && /^\+goose\b/i.test(cmd) && !KNOWN.has(cmd)) {
      fail(i, `unknown goose annotation "${line.trim()}" (goose compares them exactly: -- +goose ${[...KNOWN].map((k) => k.slice(7)).join(', ')})`)
      continue
    }
    if (!section) {
      if (cmd === '+goose StatementBegin' || cmd === '+goose StatementEnd') fail(i, `'-- ${cmd}' must follow '-- +goose Up' or '-- +goose Down'`)
      else if (line.trim() !== '' && !line.trim().startsWith('--')) fail(i, "a goose migration must start with '-- +goose Up'")
      continue
    }
    if (cmd === '+goose StatementBegin') {
      if (block >= 0) fail(i, "'-- +goose StatementBegin' inside another block")
      block = i
      pending = -1
      section.lines.push('')
      continue
    }
    if (cmd === '+goose StatementEnd') {
      if (block < 0) fail(i, "'-- +goose StatementEnd' must follow '-- +goose StatementBegin'")
      block = -1
      pending = -1
      section.lines.push('')
      continue
    }
    section.lines.push(useEnv ? envsubst(line, env) : line)
    if (block >= 0) continue
    if (pending < 0 && (line.trim() === '' || line.trim().startsWith('--'))) continue
    if (pending < 0) pending = i
    if (endsWithSemicolon(line)) pending = -1
  }
  if (block >= 0) fail(block, "missing '-- +goose StatementEnd' annotation")
  if (section) unfinished(section)
  if (!out.up && !out.error) fail(0, "goose file without '-- +goose Up' annotation")
  return out
}

function sectionBody(file: string, s: Section): MigrationBody {
  if (s.error) return failingBody(file, s.error.line, s.error.message)
  return textBody(file, s.start + 1, s.lines.join('\n'))
}

/** A goose folder (`format = "goose"`). */
export const gooseReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems: DiscoveryProblem[]) {
    const out: Migration[] = []
    for (const rel of listFiles(dir, options, problems) ?? []) {
      const m = FILE.exec(rel)
      if (!m) continue
      const file = join(dir, rel)
      if (m[3] === 'go') {
        problemAt(problems, file, 1, 'a goose Go migration: mig runs SQL files only (rewrite it as SQL, or add it to ignore once applied everywhere)')
        continue
      }
      const text = readText(file, problems)
      if (text === undefined) continue
      const parsed = parseGoose(text)
      if (parsed.error) {
        problemAt(problems, file, parsed.error.line, parsed.error.message)
        continue
      }
      // goose refuses an unfinished up statement when the file is parsed for up: report it now
      if (parsed.up?.error) {
        problemAt(problems, file, parsed.up.error.line, parsed.up.error.message)
        continue
      }
      const mig = baseMigration({ id: `${m[1]}_${m[2]}`, version: m[1]!, name: m[2]!, kind: 'versioned', source: options.label, path: file })
      mig.up = sectionBody(file, parsed.up!)
      // the down section is only parsed by goose when it runs down: its errors surface then
      if (parsed.down) mig.down = sectionBody(file, parsed.down)
      mig.transaction = parsed.transaction
      out.push(mig)
    }
    return out
  },
})
