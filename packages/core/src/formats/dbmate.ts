/**
 * dbmate: `<version>_<name>.sql` files (version = the leading digits) with `-- migrate:up` and
 * `-- migrate:down` sections; `transaction:false` after a marker runs that section outside a
 * transaction.
 */
import { join } from 'node:path'
import { baseMigration, type DiscoveryProblem } from '../discovery.js'
import type { Migration } from '../migration.js'
import { type FormatReader, linesText, listFiles, problemAt, readText, textBody } from './common.js'

// dbmate's migrationFileRegexp is `^(\d+).*\.sql$`: the version is every leading digit
const FILE = /^(\d+)[_-]?(.*)\.sql$/
// as dbmate: `(?m)^--\s*migrate:up(\s*$|\s+\S+)`; the down marker allows options after it too
const UP = /^--\s*migrate:up(\s*$|\s+\S+)/
const DOWN = /^--\s*migrate:down(\s*$|\s+\S+)/

/** Options written after a marker (`-- migrate:up transaction:false`), as dbmate splits them. */
function markerOptions(line: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of line
    .replace(/^--\s*migrate:(up|down)/, '')
    .trim()
    .split(/\s+/)) {
    const kv = pair.split(':')
    if (kv.length === 2) out[kv[0]!] = kv[1]!
  }
  return out
}

/** Read one dbmate file into a migration; problems for what dbmate itself refuses. */
export function readDbmateFile(file: string, version: string, name: string, label: string, text: string, problems: DiscoveryProblem[]): Migration | null {
  const lines = text.split('\n')
  const up = lines.findIndex((l) => UP.test(l))
  const down = lines.findIndex((l) => DOWN.test(l))
  const fail = (line: number, message: string) => {
    problemAt(problems, file, line, message)
    return null
  }
  if (up < 0) return fail(1, "dbmate requires each migration to define an up block with '-- migrate:up'")
  if (down < 0) return fail(1, "dbmate requires each migration to define a down block with '-- migrate:down'")
  if (up > down) return fail(up + 1, "dbmate requires '-- migrate:up' to appear before '-- migrate:down'")
  const stray = lines.slice(0, up).findIndex((l) => l.trim() !== '' && !/^\s*--/.test(l))
  if (stray >= 0) return fail(stray + 1, "dbmate does not support statements preceding the '-- migrate:up' block")
  const mig = baseMigration({ id: `${version}_${name}`, version, name, kind: 'versioned', source: label, path: file })
  // the sections start after their marker lines, so a converted file carries no dbmate marker
  mig.up = textBody(file, up + 2, linesText(lines, up + 1, down))
  mig.down = textBody(file, down + 2, linesText(lines, down + 1, lines.length))
  // dbmate decides per section; mig has one setting per migration, so either section's
  // transaction:false turns the transaction off (a CONCURRENTLY in down would fail inside one)
  mig.transaction = markerOptions(lines[up]!).transaction !== 'false' && markerOptions(lines[down]!).transaction !== 'false'
  return mig
}

/** A dbmate folder (`format = "dbmate"`). */
export const dbmateReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems) {
    const files = listFiles(dir, options, problems)
    const out: Migration[] = []
    for (const rel of files ?? []) {
      const m = FILE.exec(rel)
      if (!m) continue
      const file = join(dir, rel)
      const text = readText(file, problems)
      if (text === undefined) continue
      const mig = readDbmateFile(file, m[1]!, m[2] || m[1]!, options.label, text, problems)
      if (mig) out.push(mig)
    }
    return out
  },
})
