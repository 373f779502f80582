/**
 * Folders written for other migration tools, read with each tool's own rules
 * (`migrations = [{ path = "db/migrations", format = "dbmate" }]` in mig.toml).
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { DiscoveryProblem, MigrationSource } from '../discovery.js'
import type { Migration } from '../migration.js'
import { type FormatReader, listFiles, type ReaderOptions } from './common.js'
import { dbmateReader } from './dbmate.js'
import { flywayReader } from './flyway.js'
import { golangMigrateReader } from './golang-migrate.js'
import { gooseReader } from './goose.js'
import { liquibaseReader } from './liquibase.js'
import { findForeignMarker } from './markers.js'
import { sqitchReader } from './sqitch.js'

/** The layouts mig reads: its own and six other tools'. */
export const MIGRATION_FORMATS = ['mig', 'dbmate', 'goose', 'golang-migrate', 'flyway', 'sqitch', 'liquibase'] as const

/** A folder layout (see {@link MIGRATION_FORMATS}). */
export type MigrationFormat = (typeof MIGRATION_FORMATS)[number]

/** What `format = "…"` accepts: a format, or `auto` to detect it from the files. */
export type FormatSetting = MigrationFormat | 'auto'

/** The readers of other tools' folders, by format. */
export const FORMAT_READERS: Record<Exclude<MigrationFormat, 'mig'>, FormatReader> = {
  dbmate: dbmateReader,
  goose: gooseReader,
  'golang-migrate': golangMigrateReader,
  flyway: flywayReader,
  sqitch: sqitchReader,
  liquibase: liquibaseReader,
}

// Flyway's versioned, undo and baseline names; `R__x.sql` is a mig repeatable too, so it tells nothing
const FLYWAY_NAME = /^[VUB]\d+(?:[._]\d+)*__.+\.sql$/
const MIG_NAME = /^\d+[_-].+\.sql(\.njk)?$/
const HEAD_BYTES = 16 * 1024

/** The format a folder is written in, judged from its files, or why that cannot be told. */
export function detectFormat(dir: string): { format: MigrationFormat } | { problem: DiscoveryProblem } {
  const unreadable: DiscoveryProblem[] = []
  // Flyway and Liquibase read subfolders too
  const names = listFiles(dir, { label: dir, ignore: ['node_modules'] }, unreadable, true)
  if (!names) return { problem: unreadable[0]! }
  // each format that claims the folder, with the first file that says so
  const claims = new Map<MigrationFormat, string>()
  const claim = (format: MigrationFormat, where: string) => {
    if (!claims.has(format)) claims.set(format, where)
  }
  if (names.includes('sqitch.plan')) claim('sqitch', join(dir, 'sqitch.plan'))
  for (const name of names) {
    if (!name.endsWith('.sql') && !name.endsWith('.sql.njk')) continue
    const file = join(dir, name)
    if (FLYWAY_NAME.test(basename(name))) claim('flyway', file)
    let head: string
    try {
      head = readFileSync(file, 'utf8').slice(0, HEAD_BYTES)
    } catch {
      continue
    }
    const marker = findForeignMarker(head)
    if (marker) claim(marker.format, `${file}:${marker.line}`)
    else if (MIG_NAME.test(name)) claim('mig', file)
  }
  // sqitch's deploy/ scripts are plain SQL: the plan decides
  if (claims.has('sqitch')) return { format: 'sqitch' }
  if (claims.size <= 1) return { format: [...claims.keys()][0] ?? 'mig' }
  const list = [...claims].map(([format, where]) => `${format} (${where})`).join(', ')
  return {
    problem: {
      file: dir,
      message: `format = "auto" cannot tell this folder's format: its files read as ${list}. Set format = "…" for it in mig.toml, or move the files of each format into a folder of their own`,
    },
  }
}

/**
 * The source of a folder in another tool's format; with `auto`, the format is detected when the
 * folder is loaded and `mig` folders go to `readMig`.
 */
export function formatSource(dir: string, format: Exclude<FormatSetting, 'mig'>, options: ReaderOptions, readMig: () => MigrationSource): MigrationSource {
  if (format !== 'auto') return FORMAT_READERS[format](dir, options)
  return {
    name: options.label,
    async load(problems: DiscoveryProblem[]): Promise<Migration[]> {
      const found = detectFormat(dir)
      if ('problem' in found) {
        problems.push(found.problem)
        return []
      }
      return (found.format === 'mig' ? readMig() : FORMAT_READERS[found.format](dir, options)).load(problems)
    },
  }
}
