/**
 * Turning migrations read from another tool's folder into mig-format files. The up script of each
 * is written byte for byte as mig reads it from the old folder, so its checksum is the one mig
 * recorded (by `adopt --from` or by applying it): the converted files are recognised as applied.
 */
import { stringify } from 'smol-toml'
import { compareMigrations, type Migration } from '../migration.js'

/** A file to write, relative to the output folder. */
export interface ConvertedFile {
  path: string
  text: string
}

/** Refused: the migration cannot keep its version or body in mig's layout. */
export interface ConvertProblem {
  migration: string
  message: string
}

const DIGITS = /^\d+$/

/** A file name part from a migration name: characters mig's names and file systems take. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.@-]+/g, '_').replace(/^[._]+/, '') || 'migration'
}

/**
 * The mig-format files of `migrations` (as discovery returns them): `{version}_{name}.up.sql` and
 * `.down.sql` when nothing else is needed, else a folder `{version}_{name}/` with `up.sql`,
 * `down.sql`, `verify.sql` and `meta.toml` (transaction, dependencies, the tool's id as
 * description); repeatables as `R__{name}.sql`. Templates keep `.njk`.
 */
export async function convertMigrations(migrations: Migration[]): Promise<{ files: ConvertedFile[]; problems: ConvertProblem[] }> {
  const files: ConvertedFile[] = []
  const problems: ConvertProblem[] = []
  for (const m of [...migrations].sort(compareMigrations)) {
    if (!m.up) continue
    const njk = (template: boolean) => (template ? '.njk' : '')
    try {
      if (m.kind === 'repeatable') {
        // a directive line would change the checksum: the repeatable then runs once more after converting
        const header = m.transaction ? '' : '-- mig:no-transaction\n'
        files.push({ path: `R__${safeName(m.name)}.sql${njk(m.up.template)}`, text: header + (await m.up.read()) })
        continue
      }
      if (!DIGITS.test(m.version)) {
        problems.push({ migration: m.id, message: `version ${m.version} is not a whole number, as mig-format versions are: keep format = "…" for this folder` })
        continue
      }
      const base = `${m.version}_${safeName(m.name)}`
      const meta: Record<string, unknown> = {}
      if (!m.transaction) meta.transaction = false
      if (m.depends.length) meta.depends = m.depends
      if (m.toolId !== undefined || m.description !== undefined) meta.description = [m.toolId, m.description].filter(Boolean).join(': ')
      const up = await m.up.read()
      const down = m.down ? await m.down.read() : undefined
      if (!Object.keys(meta).length && !m.verify) {
        files.push({ path: `${base}.up.sql${njk(m.up.template)}`, text: up })
        if (down !== undefined) files.push({ path: `${base}.down.sql${njk(m.down!.template)}`, text: down })
        continue
      }
      files.push({ path: `${base}/up.sql${njk(m.up.template)}`, text: up })
      if (down !== undefined) files.push({ path: `${base}/down.sql${njk(m.down!.template)}`, text: down })
      if (m.verify) files.push({ path: `${base}/verify.sql${njk(m.verify.template)}`, text: await m.verify.read() })
      if (Object.keys(meta).length) files.push({ path: `${base}/meta.toml`, text: `${stringify(meta)}\n` })
    } catch (err) {
      problems.push({ migration: m.id, message: (err as Error).message })
    }
  }
  return { files, problems }
}
