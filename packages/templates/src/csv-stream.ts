/**
 * `csv_insert("data/big.csv", "table")`: a large CSV loaded with bounded memory. The template
 * function writes a marker; the renderer then gives core a stream (see `StreamedSql` in
 * `@mig/core`): the template's text around the marker, and between, multi-row INSERT statements
 * made from the CSV as it is read (csv-parse, streaming), `batch` rows each. Core splits and runs
 * them like a large plain-SQL file, so neither the CSV nor the SQL is ever held whole.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { Escaper, S3Settings, StreamedSql } from '@mig/core'
import { MigError, s3ObjectText } from '@mig/core'
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

/**
 * The stream of a render with `csv_insert` markers: the text between markers as it is, each marker
 * replaced by its INSERT statements. Every call of `stream()` reads the CSV files again.
 */
export function streamedRender(text: string, inserts: CsvInsert[], nonce: string, escaper: Escaper): StreamedSql {
  return {
    async *stream() {
      let rest = text
      for (const [i, insert] of inserts.entries()) {
        const marker = csvInsertMarker(i, nonce)
        const at = rest.indexOf(marker)
        if (at < 0) continue
        yield rest.slice(0, at)
        yield* insertStatements(insert, escaper)
        rest = rest.slice(at + marker.length)
      }
      yield rest
    },
  }
}
