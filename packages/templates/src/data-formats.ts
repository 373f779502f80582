import { extname } from 'node:path'
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
 * Parse CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes, CRLF or LF).
 * With a header (the default) returns one object per row keyed by column name; otherwise arrays.
 * Every value is a string; an empty trailing line is ignored.
 */
export function parseCsv(text: string, options: CsvOptions = {}): Record<string, string>[] | string[][] {
  const delim = options.delimiter ?? ','
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  for (; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === delim) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  if (options.header === false) return rows
  const [head, ...body] = rows
  if (!head) return []
  return body.map((r) => Object.fromEntries(head.map((h, j) => [h, r[j] ?? ''])))
}

/** Parse JSON, TOML or YAML text by the file's extension (`.json`, `.toml`, `.yaml`/`.yml`). */
export function parseDataFile(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase()
  if (ext === '.json') return JSON.parse(text)
  if (ext === '.toml') return parseToml(text)
  if (ext === '.yaml' || ext === '.yml') return parseYaml(text)
  throw new Error(`${file}: unknown variables format "${ext}" (use .json, .toml, .yaml or .yml)`)
}
