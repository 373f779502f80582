import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { CsvLoad } from '@mig/core'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

/** A string as a literal for COPY's options (escape-string syntax, whatever `standard_conforming_strings` says). */
function optionLiteral(value: string): string {
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/**
 * Whether COPY's CSV format reads `load` as mig's CSV dialect does: a one-byte delimiter that is
 * not the quote, a line end or a backslash, and a NULL string without line ends, the delimiter or
 * the quote (what PostgreSQL refuses in COPY's options).
 */
export function copyable(load: CsvLoad): boolean {
  const d = load.delimiter
  if (d.length !== 1 || d.charCodeAt(0) > 127 || '"\r\n\\'.includes(d)) return false
  const n = load.nullAs
  return n === undefined || (!/[\r\n"]/.test(n) && !n.includes(d))
}

/**
 * The COPY statement for `load`: CSV format with the delimiter and header of `csv_insert`. With
 * `null_as`, a field equal to it is NULL quoted or not (`FORCE_NULL`), as the INSERT statements
 * have it; without, no field is NULL (`FORCE_NOT_NULL`: an empty field is an empty string).
 */
export function copyStatement(load: CsvLoad, columns: string[]): string {
  const list = columns.join(', ')
  const options = ['FORMAT csv', `DELIMITER ${optionLiteral(load.delimiter)}`, `HEADER ${load.header ? 'true' : 'false'}`]
  if (load.nullAs !== undefined) options.push(`NULL ${optionLiteral(load.nullAs)}`, `FORCE_NULL (${list})`)
  else options.push(`FORCE_NOT_NULL (${list})`)
  return `COPY ${load.table} (${list}) FROM STDIN WITH (${options.join(', ')})`
}

/**
 * Run `COPY … FROM STDIN` on `client`, fed the CSV's bytes as they are read: the server parses
 * them (no work per row here). A read that fails aborts the COPY (CopyFail), and the error of
 * either side is thrown.
 */
export async function copyCsv(client: pg.Client, sql: string, load: CsvLoad): Promise<void> {
  const sink = client.query(copyFrom(sql))
  await pipeline(Readable.from(load.bytes(), { objectMode: false }), sink)
}
