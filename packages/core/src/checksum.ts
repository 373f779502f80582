import * as crypto from 'node:crypto'

/** Normalise line endings to LF, so a checkout on Windows does not change a checksum. */
export function normalizeNewlines(sql: string): string {
  return sql.includes('\r') ? sql.replace(/\r\n?/g, '\n') : sql
}

/** One-shot hashing (Node >= 20.12): no Hash object per migration. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

/** sha256 hex of the exact SQL that runs, after line endings are normalised to LF. */
export function checksum(sql: string): string {
  const text = normalizeNewlines(sql)
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex')
}
