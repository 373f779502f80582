/**
 * golang-migrate: `<version>_<title>.up.<ext>` and `.down.<ext>` files; each file runs whole.
 * The version is an unsigned number: `1_a` and `001_b` are the same version to golang-migrate.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { baseMigration } from '../discovery.js'
import { compareVersions, type Migration, type MigrationBody } from '../migration.js'
import { type FormatReader, listFiles, problemAt, readText, textBody } from './common.js'
import { refuseForeignMarkers } from './markers.js'

// golang-migrate's source.Regex: `^([0-9]+)_(.*)\.(down|up)\.(.*)$`
const FILE = /^([0-9]+)_(.*)\.(down|up)\.(.*)$/

function fileBody(file: string): MigrationBody {
  return { file, line: 1, template: false, read: () => readFile(file, 'utf8') }
}

/** A golang-migrate folder (`format = "golang-migrate"`). */
export const golangMigrateReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems) {
    const ups: Migration[] = []
    const downs: { version: string; file: string }[] = []
    for (const rel of listFiles(dir, options, problems) ?? []) {
      const m = FILE.exec(rel)
      if (!m) continue
      const file = join(dir, rel)
      if (m[3] === 'down') {
        downs.push({ version: m[1]!, file })
        continue
      }
      const other = ups.find((u) => compareVersions(u.version, m[1]!) === 0)
      if (other) {
        problemAt(problems, file, 1, `duplicate migration file: version ${m[1]} is also ${other.path}`)
        continue
      }
      const text = readText(file, problems)
      if (text === undefined) continue
      try {
        // golang-migrate would run a dbmate or goose file whole, down section included: refused
        refuseForeignMarkers(text)
      } catch (err) {
        problems.push({ file, message: (err as Error).message })
        continue
      }
      const mig = baseMigration({ id: `${m[1]}_${m[2]}`, version: m[1]!, name: m[2]!, kind: 'versioned', source: options.label, path: file })
      mig.up = textBody(file, 1, text)
      ups.push(mig)
    }
    for (const d of downs) {
      const mig = ups.find((u) => compareVersions(u.version, d.version) === 0)
      if (!mig) problemAt(problems, d.file, 1, `down migration without its up (expected ${d.version}_<title>.up.sql)`)
      else if (mig.down) problemAt(problems, d.file, 1, `duplicate down migration for version ${d.version}`)
      else mig.down = fileBody(d.file)
    }
    return ups
  },
})
