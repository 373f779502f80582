// Formatting shared by commands and views: counts, summaries, tables, times. No imports of
// values: the Ink view (a bundle of its own) takes this file along.
import type { RunResult } from '@mig/core'

/** `1 migration`, `2 migrations`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** How the line of a resumed migration says so: `up --resume`, or a run that died while it ran (`interrupted`). */
export function resuming(at: number, interrupted?: boolean): string {
  return interrupted ? ` (interrupted earlier with ${plural(at - 1, 'statement')} committed: resuming at statement ${at})` : ` (resuming at statement ${at})`
}

/** The closing line of a run, e.g. `Applied 2 migrations` or `Applied 1 migration, 1 failed`. */
export function summaryLine(result: RunResult): string {
  const done = result.results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
  const failed = result.results.filter((r) => r.status === 'failed').length
  const rolled = result.results.filter((r) => r.status === 'rolled-back').length
  const verb = result.direction === 'up' ? 'Applied' : 'Rolled back'
  let line = `${verb} ${plural(done, 'migration')}`
  if (failed) line += `, ${failed} failed`
  if (rolled) line += ` (${rolled} rolled back with the failed transaction)`
  return line
}

/** Rows as an aligned plain-text table with a header. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [format(headers), ...rows.map(format)].join('\n')
}

/** A moment as `YYYY-MM-DD HH:MM:SSZ` (UTC, whole seconds), as tables show it. */
export function utcTime(date: Date): string {
  const iso = date.toISOString()
  // YYYY-MM-DDTHH:MM:SS.sssZ, sliced: tables call this once per row
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** A duration for a person: `850ms`, `1.23s`, `2m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
}
