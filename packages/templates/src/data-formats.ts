import { extname } from 'node:path'
import { parse } from 'csv-parse/sync'
import { parse as parseToml } from 'smol-toml'
import { parse as parseYaml } from 'yaml'

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** First row names the columns; rows become objects. Default true. */
  header?: boolean
  /** Field separator. Default `,`. */
  delimiter?: string
}

/**
 * Parse CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes, CRLF or LF) with
 * csv-parse. With a header (the default) returns one object per row keyed by column name (a
 * missing value is `''`); otherwise arrays. Every value is a string; an empty trailing line is
 * ignored; a quote inside an unquoted field is kept as it is.
 */
export function parseCsv(text: string, options: CsvOptions = {}): Record<string, string>[] | string[][] {
  const rows = parse(text, { ...CSV_PARSE_OPTIONS, delimiter: options.delimiter ?? ',' }) as string[][]
  if (options.header === false) return rows
  const [head, ...body] = rows
  if (!head) return []
  return body.map((r) => Object.fromEntries(head.map((h, j) => [h, r[j] ?? ''])))
}

/** csv-parse settings shared by {@link parseCsv} and the streamed reader: mig's CSV dialect. */
export const CSV_PARSE_OPTIONS = { bom: true, relax_column_count: true, relax_quotes: true } as const

/** Parse JSON, TOML or YAML text by the file's extension (`.json`, `.toml`, `.yaml`/`.yml`). */
export function parseDataFile(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase()
  if (ext === '.json') return JSON.parse(text)
  if (ext === '.toml') return parseToml(text)
  if (ext === '.yaml' || ext === '.yml') return parseYaml(text)
  throw new Error(`${file}: unknown variables format "${ext}" (use .json, .toml, .yaml or .yml)`)
}
