import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

// Who writes the history is found from a file name: history/recorder.ts, and nothing else. Drivers
// learn which writes may wait for the next round trip from the call (QueryExecutor.defer), never
// from the SQL text or a list of history tables.

const packages = join(import.meta.dirname, '..', '..')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : []
  })
}

/** A write statement whose table is an interpolated history table name. */
const HISTORY_WRITE = /\b(?:INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+\$\{[^}]*(?:table|Table|History)/

describe('history writes', () => {
  it('only history/recorder.ts writes the history tables', () => {
    const coreSrc = join(packages, 'core', 'src')
    const writers = sources(coreSrc).filter((file) => HISTORY_WRITE.test(readFileSync(file, 'utf8')))
    expect(writers.map((file) => relative(coreSrc, file))).toEqual([join('history', 'recorder.ts')])
  })

  it('no driver is told the history tables or recognises history writes by their text', () => {
    const drivers = readdirSync(packages).filter((name) => name.startsWith('driver-'))
    expect(drivers.length).toBeGreaterThanOrEqual(3)
    const offenders = drivers
      .flatMap((name) => sources(join(packages, name, 'src')))
      .filter((file) => /historyTables|isHistoryWrite|schema_migrations/.test(readFileSync(file, 'utf8')))
    expect(offenders.map((file) => relative(packages, file))).toEqual([])
  })
})
