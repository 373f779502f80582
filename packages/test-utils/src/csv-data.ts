import { closeSync, openSync, writeSync } from 'node:fs'

/**
 * Write a CSV of about `bytes` bytes for load tests and the bench: header `id,name,note`, then rows
 * with a quoted name holding a comma and a note with doubled quotes, empty on every third row.
 * Returns the number of rows.
 */
export function writeCsv(file: string, bytes: number): number {
  const fd = openSync(file, 'w')
  let written = 0
  let rows = 0
  try {
    writeSync(fd, 'id,name,note\n')
    while (written < bytes) {
      let chunk = ''
      for (let k = 0; k < 1000; k++) {
        rows++
        chunk += `${rows},"name ${rows}, ${'p'.repeat(40)}",${rows % 3 ? '"a ""quoted"" note"' : ''}\n`
      }
      writeSync(fd, chunk)
      written += chunk.length
    }
  } finally {
    closeSync(fd)
  }
  return rows
}
