import { EscapeError, type SqlDialect } from '@mig/core'

/**
 * PostgreSQL's SQL: quoting, literals and identifier rules (what DDL, introspection and templates
 * write), and the types of the history tables core creates.
 *
 * Strings without a backslash or carriage return are written `'...'`; others are written `E'...'`
 * with backslashes doubled and CR as `\r`, which reads the same whether `standard_conforming_strings`
 * is on or off and survives line-ending normalisation. Text cannot contain NUL in PostgreSQL: such
 * strings are refused. Arrays are `ARRAY[...]` (`'{}'` when empty, so the column type decides the
 * element type); bytes are `decode('..', 'hex')`. Names over 63 bytes are refused (the server
 * would truncate them).
 */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  identifiers: {
    // NAMEDATALEN - 1: longer names are silently truncated by the server
    maxBytes: 63,
    unquoted: /^[a-z_][a-z0-9_$]*$/,
  },
  literals: {
    string(value) {
      if (value.includes('\0')) throw new EscapeError('postgres', 'PostgreSQL text cannot contain NUL (\\0)')
      const quoted = value.replaceAll("'", "''")
      if (!value.includes('\\') && !value.includes('\r')) return `'${quoted}'`
      // E'' with \r for carriage returns: the SQL that runs has its line endings normalised.
      return `E'${quoted.replaceAll('\\', '\\\\').replaceAll('\r', '\\r')}'`
    },
    bytes: (hex) => `decode('${hex}', 'hex')`,
    list: (items) => (items.length ? `ARRAY[${items.join(', ')}]` : "'{}'"),
  },
  types: {
    key: 'text',
    text: 'text',
    integer: 'bigint',
    timestamp: 'timestamptz',
    serialPrimaryKey: '"id" bigserial PRIMARY KEY',
  },
  // one row of JSON text instead of a row per history entry: JSON.parse of it costs the client a
  // sixth of what pg's per-row parsing does (timestamps included)
  jsonRows: (table, columns, where) =>
    `SELECT coalesce(json_agg(t), '[]')::text FROM (SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table}${where ? ` WHERE ${where}` : ''}) t`,
}

/**
 * Rewrite `?` placeholders (the one placeholder core uses in every dialect) to PostgreSQL's `$1, $2...`.
 * Question marks inside quotes, dollar-quoted bodies and comments are left alone.
 */
export function toNumberedPlaceholders(sql: string): string {
  return rewritePlaceholders(sql, (n) => `$${n}`)
}

/** Where a placeholder, a quote, a comment or a dollar quote may start. */
const INTERESTING = /['"?$]|--|\/\*/g

/** Replace each `?` placeholder outside quotes and comments by `replace(n)` (n is 1-based). */
export function rewritePlaceholders(sql: string, replace: (n: number) => string): string {
  let out = ''
  let n = 0
  let i = 0
  const len = sql.length
  const re = new RegExp(INTERESTING)
  while (i < len) {
    re.lastIndex = i
    const hit = re.exec(sql)
    if (!hit) break
    const at = hit.index
    const c = hit[0]
    let stop: number
    if (c === "'" || c === '"') stop = skipQuoted(sql, at, c)
    else if (c === '--') {
      const eol = sql.indexOf('\n', at)
      stop = eol < 0 ? len : eol
    } else if (c === '/*') {
      const end = sql.indexOf('*/', at + 2)
      stop = end < 0 ? len : end + 2
    } else if (c === '$') {
      const m = /[A-Za-z0-9_]/.test(sql[at - 1] ?? '') ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(at, at + 64))
      if (m) {
        const close = sql.indexOf(m[0], at + m[0].length)
        stop = close < 0 ? len : close + m[0].length
      } else stop = at + 1
    } else {
      out += sql.slice(i, at) + replace(++n)
      i = at + 1
      continue
    }
    out += sql.slice(i, stop)
    i = stop
  }
  return i < len ? out + sql.slice(i) : out
}

function skipQuoted(sql: string, start: number, quote: string): number {
  const escapes = quote === "'" && (sql[start - 1] === 'E' || sql[start - 1] === 'e')
  let i = start + 1
  while (i < sql.length) {
    const d = sql[i]
    if (escapes && d === '\\') {
      i += 2
      continue
    }
    if (d === quote) {
      if (sql[i + 1] === quote) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  return sql.length
}

/** A value as a SQL literal, for batching parameterised writes into one simple-protocol round trip. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot inline ${value}`)
    return String(value)
  }
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (value instanceof Date) return `'${value.toISOString()}'`
  return escapeLiteral(typeof value === 'string' ? value : JSON.stringify(value))
}

/**
 * Quote a string as a literal (the dialect's string literal). A leading space before `E'...'` (as
 * pg's escapeLiteral) keeps it from gluing to what precedes the placeholder.
 */
export function escapeLiteral(s: string): string {
  const quoted = postgresDialect.literals!.string(s, { backslashEscapes: false })
  return quoted.startsWith('E') ? ` ${quoted}` : quoted
}

/** Replace `?` placeholders by literals (see {@link literal}). */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  return rewritePlaceholders(sql, (n) => {
    if (n > params.length) throw new Error(`statement has more placeholders than the ${params.length} parameters given`)
    return literal(params[n - 1])
  })
}

/** psql's `\restrict KEY` / `\unrestrict KEY` lines, which pg_dump (15.14, 16.10, 17.6 and later) writes around a dump. */
const PSQL_RESTRICT = /^\\(?:un)?restrict\b/gm

/**
 * A pg_dump file as the server can run it: its `\restrict` / `\unrestrict` lines (psql meta-commands
 * that guard psql itself, meaningless to the server) become comments of the same length, so the
 * server's error positions still point at the right line and column of the file.
 */
export function withoutPsqlRestrict(sql: string): string {
  if (!sql.includes('restrict')) return sql
  return sql.replace(PSQL_RESTRICT, (m) => `--${m.slice(2)}`)
}
