import { createHash } from 'node:crypto'

/** Normalise line endings to LF, so a checkout on Windows does not change a checksum. */
export function normalizeNewlines(sql: string): string {
  return sql.includes('\r') ? sql.replace(/\r\n?/g, '\n') : sql
}

/** sha256 hex of the exact SQL that runs, after line endings are normalised to LF. */
export function checksum(sql: string): string {
  return createHash('sha256').update(normalizeNewlines(sql), 'utf8').digest('hex')
}
