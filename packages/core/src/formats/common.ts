/** What the readers of other tools' folders share: listing files, reading text, bodies, problems. */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { minimatch } from 'minimatch'
import { normalizeNewlines } from '../checksum.js'
import type { DiscoveryProblem, MigrationSource } from '../discovery.js'
import type { MigrationBody } from '../migration.js'

/** Options every format reader takes (from `directory()`). */
export interface ReaderOptions {
  /** Label shown in `status`. */
  label: string
  /** minimatch patterns, relative to the folder, of files to leave out. */
  ignore: string[]
}

/** Reads one tool's folder layout as mig migrations. */
export type FormatReader = (dir: string, options: ReaderOptions) => MigrationSource

/** A body whose text is already known (a section of a file, or a script with its transaction lines blanked). */
export function textBody(file: string, line: number, text: string, template = false): MigrationBody {
  return { file, line, template, read: async () => text }
}

/** A body that fails when read (a down section goose would refuse when it runs). */
export function failingBody(file: string, line: number, message: string): MigrationBody {
  return {
    file,
    line,
    template: false,
    read: async () => {
      throw new Error(`${file}:${line}: ${message}`)
    },
  }
}

/** Record a problem at `file:line`. */
export function problemAt(problems: DiscoveryProblem[], file: string, line: number, message: string): void {
  problems.push({ file: `${file}:${line}`, message })
}

/** Text of a file with line endings normalised; a problem (and undefined) when it cannot be read. */
export function readText(file: string, problems: DiscoveryProblem[]): string | undefined {
  try {
    return normalizeNewlines(readFileSync(file, 'utf8'))
  } catch (err) {
    problems.push({ file, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` })
    return undefined
  }
}

/**
 * Files of a folder as paths relative to it (`/`-separated), sorted, without dot files and what
 * `ignore` leaves out; with `recursive`, files of subfolders too. A folder that cannot be read is a
 * problem (and undefined).
 */
export function listFiles(dir: string, options: ReaderOptions, problems: DiscoveryProblem[], recursive = false): string[] | undefined {
  const ignored = (rel: string) => options.ignore.some((p) => minimatch(rel, p, { dot: true }) || minimatch(basename(rel), p, { dot: true }))
  const out: string[] = []
  const walk = (sub: string): boolean => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(join(dir, sub), { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      problems.push({
        file: join(dir, sub),
        message:
          code === 'ENOENT' && !sub ? 'migrations folder does not exist (fix migrations = [...] in mig.toml)' : `cannot read folder: ${code ?? String(err)}`,
      })
      return false
    }
    for (const e of entries) {
      const rel = sub ? `${sub}/${e.name}` : e.name
      if (e.name.startsWith('.') || ignored(rel)) continue
      if (e.isDirectory()) {
        if (recursive) walk(rel)
      } else if (e.isFile()) out.push(rel)
    }
    return true
  }
  if (!walk('')) return undefined
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** 1-based line of `offset` in `text`. */
export function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** Lines `from` (0-based, inclusive) to `to` (exclusive) joined back into text. */
export function linesText(lines: string[], from: number, to: number): string {
  return lines.slice(from, to).join('\n')
}
