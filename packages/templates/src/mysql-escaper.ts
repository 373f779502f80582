import { BaseEscaper, hex } from './escaper.js'
import { EscapeError } from './errors.js'

/** MySQL and MariaDB identifiers are at most this many characters. */
export const MYSQL_MAX_IDENTIFIER_CHARS = 64

/** Options of {@link MysqlEscaper}. */
export interface MysqlEscaperOptions {
  /**
   * The server runs with `sql_mode` containing `NO_BACKSLASH_ESCAPES`: backslash is an ordinary
   * character in strings. Default false (MySQL's default: backslash escapes).
   */
  noBackslashEscapes?: boolean
}

/**
 * MySQL / MariaDB escaping. Quotes are doubled; with the default `sql_mode` backslashes are doubled,
 * NUL is written `\0` and CR `\r`; with `NO_BACKSLASH_ESCAPES` backslashes and NUL are written as
 * they are and CR is spliced in with `CONCAT(..., CHAR(13 USING utf8mb4), ...)` (a raw CR would not
 * survive line-ending normalisation of the SQL that runs).
 * The escaping must match the server's mode, which is why the mode is an option: a string escaped
 * for one mode reads differently in the other when it contains a backslash.
 * Arrays are a comma-separated list for `IN (...)` (`NULL` when empty, so `IN (NULL)` matches nothing);
 * bytes are `X'..'`. Identifiers are quoted with backticks, limited to 64 characters of the Basic
 * Multilingual Plane and may not end with whitespace (server rules).
 */
export class MysqlEscaper extends BaseEscaper {
  readonly dialect = 'mysql'
  readonly noBackslashEscapes: boolean

  constructor(options: MysqlEscaperOptions = {}) {
    super()
    this.noBackslashEscapes = Boolean(options.noBackslashEscapes)
  }

  string(value: string): string {
    this.checkText(value, 'string')
    if (this.noBackslashEscapes) {
      // No escapes in this mode: a carriage return (which line-ending normalisation would turn
      // into LF) is spliced in with CHAR(13).
      if (!value.includes('\r')) return `'${value.replaceAll("'", "''")}'`
      return `CONCAT(${value
        .split('\r')
        .map((p) => `'${p.replaceAll("'", "''")}'`)
        .join(', CHAR(13 USING utf8mb4), ')})`
    }
    return `'${value.replace(/[\\'\0\r]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "''" : c === '\r' ? '\\r' : '\\0'))}'`
  }

  identifierPart(name: string): string {
    this.checkIdentifier(name)
    const chars = [...name]
    if (chars.length > MYSQL_MAX_IDENTIFIER_CHARS)
      throw new EscapeError(this.dialect, `identifier is ${chars.length} characters; the limit is ${MYSQL_MAX_IDENTIFIER_CHARS}`)
    if (chars.some((c) => c.codePointAt(0)! > 0xffff))
      throw new EscapeError(this.dialect, 'identifiers cannot contain characters outside the Basic Multilingual Plane (emoji and other astral characters)')
    if (/[ \t\n\v\f\r]$/.test(name)) throw new EscapeError(this.dialect, 'identifiers cannot end with a space character (space, tab, CR, LF, VT, FF)')
    return `\`${name.replaceAll('`', '``')}\``
  }

  protected list(values: readonly unknown[]): string {
    if (!values.length) return 'NULL'
    return values.map((v) => this.literal(v)).join(', ')
  }

  protected bytes(value: Uint8Array): string {
    return `X'${hex(value)}'`
  }
}
