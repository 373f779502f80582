/**
 * `csv_insert("data/big.csv", "table")`: a large CSV loaded with bounded memory. The template
 * function writes a marker; the renderer then gives core a stream (see `StreamedSql` in
 * `@mig/core`): the template's text around the marker, and between, multi-row INSERT statements
 * made from the CSV as it is read (csv-parse, streaming), `batch` rows each. Core splits and runs
 * them like a large plain-SQL file, so neither the CSV nor the SQL is ever held whole. The same
 * render is also given in parts (`StreamedSql.parts`): a driver with `loadCsv` (PostgreSQL: COPY)
 * is fed the CSV's bytes instead, and core checksums the text and the CSV's bytes, not the SQL.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { CsvLoad, Escaper, S3Settings, StreamedPart, StreamedSql } from '@mig/core'
import { MigError, s3ObjectBytes, s3ObjectText } from '@mig/core'
import { parse } from 'csv-parse'
import { CSV_PARSE_OPTIONS } from './data-formats.js'

/** Options of `csv_insert` (keyword arguments in the template). */
export interface CsvInsertOptions {
  /** Rows per INSERT statement. Default 1000. */
  batch?: number
  /** Column names; default: the CSV's first row (a header). */
  columns?: string[]
  /** Field separator. Default `,`. */
  delimiter?: string
  /** A value written as NULL instead of a string (`null_as=""`, `null_as="\\N"`). Default: none. */
  nullAs?: string
}

/** One `csv_insert` call of a render. */
export interface CsvInsert {
  /** The file to read (working tree or pinned object), or an `s3://bucket/key` object. */
  file: string
  /** How to reach S3 for an `s3://` file (mig.toml `[s3]`). */
  s3?: S3Settings
  /** As written in the template, for messages. */
  written: string
  table: string
  options: CsvInsertOptions
}

/** Default rows per INSERT. */
export const CSV_INSERT_BATCH = 1000

/** The marker a `csv_insert` call leaves in the rendered text (a comment, unlikely in real SQL). */
export function csvInsertMarker(index: number, nonce: string): string {
  return `/*mig:csv_insert:${nonce}:${index}*/`
}

/** Check `csv_insert` arguments; throws a message naming the problem. */
export function csvInsertOptions(table: unknown, raw: unknown): CsvInsertOptions {
  if (typeof table !== 'string' || !table) throw new MigError('csv_insert(path, table) takes the name of the table to insert into')
  const o = (raw ?? {}) as Record<string, unknown>
  const out: CsvInsertOptions = {}
  for (const [k, v] of Object.entries(o)) {
    if (k === '__keywords') continue
    if (k === 'batch' && Number.isInteger(v) && (v as number) > 0) out.batch = v as number
    else if (k === 'columns' && Array.isArray(v) && v.length && v.every((c) => typeof c === 'string' && c)) out.columns = v as string[]
    else if (k === 'delimiter' && typeof v === 'string' && v.length === 1) out.delimiter = v
    else if (k === 'null_as' && typeof v === 'string') out.nullAs = v
    else
      throw new MigError(
        `csv_insert: ${k}=${JSON.stringify(v)} is not valid (batch: a positive integer, columns: a list of names, delimiter: one character, null_as: a string)`,
      )
  }
  return out
}

/** The rows of a CSV file as it is read (each an array of strings). */
function records(insert: CsvInsert, delimiter: string): AsyncIterable<string[]> {
  const input = insert.file.startsWith('s3://') ? Readable.from(s3ObjectText(insert.file, insert.s3)) : createReadStream(insert.file)
  const parser = parse({ ...CSV_PARSE_OPTIONS, delimiter })
  // a read error (S3 connection lost) ends the parse with that error, not a hang
  input.on('error', (err: Error) => parser.destroy(err))
  return input.pipe(parser)
}

/** INSERT statements for one `csv_insert`, `batch` rows each, escaped by `escaper`. */
async function* insertStatements(insert: CsvInsert, escaper: Escaper): AsyncIterable<string> {
  const { options } = insert
  const size = options.batch ?? CSV_INSERT_BATCH
  let columns = options.columns
  let head = ''
  let rows: string[] = []
  let line = 0
  const value = (v: string | undefined) => (v === undefined || v === options.nullAs ? 'NULL' : escaper.literal(v))
  for await (const record of records(insert, options.delimiter ?? ',')) {
    line++
    if (!columns) {
      columns = record
      continue
    }
    if (!head) head = `INSERT INTO ${escaper.identifier(insert.table)} (${columns.map((c) => escaper.identifier(c)).join(', ')}) VALUES\n`
    if (record.length > columns.length)
      throw new MigError(`csv_insert("${insert.written}"): row ${line} has ${record.length} fields, the header ${columns.length}`)
    rows.push(`(${columns.map((_, j) => value(record[j])).join(', ')})`)
    if (rows.length === size) {
      yield `${head}${rows.join(',\n')};\n`
      rows = []
    }
  }
  if (rows.length) yield `${head}${rows.join(',\n')};\n`
}

/** Size of the chunks a CSV file is read in for a bulk load (bytes). */
const LOAD_CHUNK_BYTES = 256 * 1024

/** The raw bytes of a `csv_insert` file (or S3 object), a leading UTF-8 byte order mark removed (csv-parse's `bom`). */
async function* csvBytes(insert: CsvInsert): AsyncIterable<Uint8Array> {
  const input: AsyncIterable<Uint8Array> = insert.file.startsWith('s3://')
    ? s3ObjectBytes(insert.file, insert.s3)
    : createReadStream(insert.file, { highWaterMark: LOAD_CHUNK_BYTES })
  let first = true
  let held: Buffer | undefined
  for await (const c of input) {
    if (!first) {
      yield c
      continue
    }
    // the mark may arrive split between chunks: hold the first bytes until there are three
    const b: Buffer = held ? Buffer.concat([held, c]) : Buffer.from(c.buffer, c.byteOffset, c.length)
    if (b.length < 3 && BOM.subarray(0, b.length).equals(b)) {
      held = b
      continue
    }
    first = false
    held = undefined
    const rest = b.subarray(0, 3).equals(BOM) ? b.subarray(3) : b
    if (rest.length) yield rest
  }
  if (held?.length && !BOM.equals(held)) yield held
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** The first record of a CSV (its header), read as csv-parse reads the whole file; undefined for an empty file. */
async function firstRecord(insert: CsvInsert, delimiter: string): Promise<string[] | undefined> {
  const parser = parse({ ...CSV_PARSE_OPTIONS, delimiter, to: 1 })
  let first: string[] | undefined
  let failed: unknown
  parser.on('data', (r: string[]) => {
    first ??= r
  })
  parser.on('error', (err) => {
    failed = err
  })
  const ended = new Promise<void>((resolve) =>
    parser
      .on('close', resolve)
      .on('end', resolve)
      .on('error', () => resolve()),
  )
  const chunks = csvBytes(insert)[Symbol.asyncIterator]()
  try {
    while (first === undefined && failed === undefined) {
      const next = await chunks.next()
      if (next.done) {
        parser.end()
        await ended
        break
      }
      parser.write(next.value)
      // let the parser hand over what it parsed
      await new Promise((resolve) => setImmediate(resolve))
    }
  } finally {
    await chunks.return?.()
    parser.destroy()
  }
  if (failed !== undefined && first === undefined) throw new MigError(`csv_insert("${insert.written}"): ${(failed as Error).message}`)
  return first
}

/** `csv_insert` as a bulk load (see `CsvLoad` in `@mig/core`): the same rows as its INSERT statements. */
function csvLoad(insert: CsvInsert, escaper: Escaper): CsvLoad {
  const { options } = insert
  const delimiter = options.delimiter ?? ','
  return {
    table: escaper.identifier(insert.table),
    async columns() {
      const names = options.columns ?? (await firstRecord(insert, delimiter))
      return names?.map((c) => escaper.identifier(c))
    },
    header: !options.columns,
    delimiter,
    nullAs: options.nullAs,
    bytes: () => csvBytes(insert),
    source: `csv_insert("${insert.written}", "${insert.table}")`,
  }
}

/** A `csv_insert` call with its options as written, in a fixed order: what the checksum covers besides the bytes. */
function describeCall(insert: CsvInsert): string {
  const o = insert.options
  const args = [JSON.stringify(insert.written), JSON.stringify(insert.table)]
  if (o.batch !== undefined) args.push(`batch=${o.batch}`)
  if (o.columns) args.push(`columns=${JSON.stringify(o.columns)}`)
  if (o.delimiter !== undefined) args.push(`delimiter=${JSON.stringify(o.delimiter)}`)
  if (o.nullAs !== undefined) args.push(`null_as=${JSON.stringify(o.nullAs)}`)
  return `csv_insert(${args.join(', ')})`
}

/**
 * The stream of a render with `csv_insert` markers: the text between markers as it is, each marker
 * replaced by its INSERT statements. Every call of `stream()` reads the CSV files again. `parts`:
 * the same render as text and bulk loads.
 */
export function streamedRender(text: string, inserts: CsvInsert[], nonce: string, escaper: Escaper): StreamedSql {
  const parts: StreamedPart[] = []
  let rest = text
  for (const [i, insert] of inserts.entries()) {
    const marker = csvInsertMarker(i, nonce)
    const at = rest.indexOf(marker)
    if (at < 0) continue
    parts.push({ sql: rest.slice(0, at) })
    parts.push({ load: csvLoad(insert, escaper), describe: describeCall(insert), sql: () => insertStatements(insert, escaper) })
    rest = rest.slice(at + marker.length)
  }
  parts.push({ sql: rest })
  return {
    parts,
    async *stream() {
      for (const p of parts) {
        if ('load' in p) yield* p.sql()
        else yield p.sql
      }
    },
  }
}
