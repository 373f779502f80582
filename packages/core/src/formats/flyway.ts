/**
 * Flyway: `V<version>__<description>.sql` (versioned), `U<version>__…` (undo, read as the down of
 * that version), `R__<description>.sql` (repeatable) and `B<version>__…` (baseline), found in the
 * folder and its subfolders; `<file>.conf` with `executeInTransaction=false`; `${name}` placeholders
 * filled from mig's variables.
 */
import { basename, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { baseMigration, type DiscoveryProblem } from '../discovery.js'
import { compareVersions, type Migration } from '../migration.js'
import { type FormatReader, listFiles, problemAt, readText, textBody } from './common.js'

// `_` separates version parts like `.` (V1_1 is version 1.1)
const VERSIONED = /^([VUB])(\d+(?:[._]\d+)*)__(.+)\.sql$/
const REPEATABLE = /^R__(.+)\.sql$/
const CALLBACK = /^(before|after)[A-Z][A-Za-z]*(__.*)?\.sql$/

/**
 * Flyway placeholders (`${name}`) as a mig template: each becomes `{{ vars.name | raw }}` (Flyway
 * substitutes the text as it is), `${flyway:filename}` the file's name; text that nunjucks would
 * read (`{{`, `{%`, `{#`) is kept in raw blocks. Returns the text unchanged when it has none.
 */
export function placeholdersToTemplate(text: string, file: string, problems: DiscoveryProblem[]): { text: string; template: boolean } {
  if (!text.includes('${')) return { text, template: false }
  const literal = (s: string) => (/\{[{%#]/.test(s) ? `{% raw %}${s}{% endraw %}` : s)
  let out = ''
  let last = 0
  for (const m of text.matchAll(/\$\{([^}\n]+)\}/g)) {
    out += literal(text.slice(last, m.index))
    last = m.index + m[0].length
    const name = m[1]!.trim()
    if (name === 'flyway:filename') out += literal(basename(file))
    else if (name.startsWith('flyway:')) {
      problemAt(
        problems,
        file,
        text.slice(0, m.index).split('\n').length,
        `\${${name}} is a Flyway built-in mig does not provide: use a variable (vars.toml) instead`,
      )
      out += literal(m[0])
    } else out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `{{ vars.${name} | raw }}` : `{{ vars[${JSON.stringify(name)}] | raw }}`
  }
  return { text: out + literal(text.slice(last)), template: true }
}

/**
 * The checksum Flyway records: CRC32 of the script's lines without their line endings (and without
 * a byte order mark), as a signed 32-bit number.
 */
export function flywayChecksum(text: string): number {
  return crc32(Buffer.from(text.replace(/^\uFEFF/, '').replace(/\r\n?|\n/g, ''), 'utf8')) | 0
}

/** `executeInTransaction=false` in a script configuration file (`V1__x.sql.conf`). */
function scriptConfig(text: string): { transaction?: boolean } {
  const m = /^\s*executeInTransaction\s*=\s*(true|false)\s*$/m.exec(text)
  return m ? { transaction: m[1] === 'true' } : {}
}

/** A Flyway folder (`format = "flyway"`). */
export const flywayReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems) {
    const files = listFiles(dir, options, problems, true) ?? []
    const confs = new Set(files.filter((f) => f.endsWith('.sql.conf')))
    const versioned: Migration[] = []
    const repeatables: Migration[] = []
    const undos: { version: string; file: string }[] = []
    const baselines: Migration[] = []
    const read = (file: string, mig: Migration) => {
      const text = readText(file, problems)
      if (text === undefined) return false
      const body = placeholdersToTemplate(text, file, problems)
      mig.up = textBody(file, 1, body.text, body.template)
      mig.toolChecksum = String(flywayChecksum(text))
      return true
    }
    for (const rel of files) {
      if (!rel.endsWith('.sql')) continue
      const file = join(dir, rel)
      const name = basename(rel)
      const conf = confs.has(`${rel}.conf`) ? scriptConfig(readText(`${file}.conf`, problems) ?? '') : {}
      const rep = REPEATABLE.exec(name)
      if (rep) {
        const mig = baseMigration({ id: `R__${rep[1]}`, version: `R__${rep[1]}`, name: rep[1]!, kind: 'repeatable', source: options.label, path: file })
        // Flyway's history names a repeatable by its script path in the folder
        mig.toolId = rel
        if (read(file, mig)) repeatables.push(mig)
        if (conf.transaction !== undefined) mig.transaction = conf.transaction
        continue
      }
      const v = VERSIONED.exec(name)
      if (!v) {
        problemAt(
          problems,
          file,
          1,
          CALLBACK.test(name)
            ? 'a Flyway callback: mig does not run callbacks (use [hooks] in mig.toml) — add it to ignore'
            : 'not a Flyway migration name: V<version>__<description>.sql, U<version>__…, B<version>__… or R__<description>.sql',
        )
        continue
      }
      const version = v[2]!.replaceAll('_', '.')
      if (v[1] === 'U') {
        undos.push({ version, file })
        continue
      }
      const mig = baseMigration({ id: `${version}_${v[3]}`, version, name: v[3]!, kind: 'versioned', source: options.label, path: file })
      if (conf.transaction !== undefined) mig.transaction = conf.transaction
      if (!read(file, mig)) continue
      const list = v[1] === 'B' ? baselines : versioned
      const same = list.find((o) => compareVersions(o.version, version) === 0)
      if (same) problemAt(problems, file, 1, `Flyway found more than one migration with version ${version}: ${same.path}`)
      else list.push(mig)
    }
    for (const u of undos) {
      const mig = versioned.find((m) => compareVersions(m.version, u.version) === 0)
      if (!mig) problemAt(problems, u.file, 1, `undo migration without its versioned migration V${u.version}__…`)
      else {
        const body = placeholdersToTemplate(readText(u.file, problems) ?? '', u.file, problems)
        mig.down = textBody(u.file, 1, body.text, body.template)
      }
    }
    return [...withBaseline(versioned, baselines), ...repeatables]
  },
})

/**
 * Flyway runs the newest baseline migration (`B<v>`) instead of the versioned migrations up to
 * `v` on a new database only. mig keeps one history for every database, so: when `V<v>` exists,
 * the versioned files give the same schema and the baseline is left out; when it does not (the
 * versions up to `v` were squashed into it), the baseline stands as version `v` and the older
 * versioned files are left out (on existing databases they are in the history already).
 */
function withBaseline(versioned: Migration[], baselines: Migration[]): Migration[] {
  const newest = baselines.sort((a, b) => compareVersions(b.version, a.version))[0]
  if (!newest || versioned.some((m) => compareVersions(m.version, newest.version) === 0)) return versioned
  return [newest, ...versioned.filter((m) => compareVersions(m.version, newest.version) > 0)]
}
