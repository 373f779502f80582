import { BaseEscaper, hex } from './escaper.js'

/**
 * SQLite escaping. Quotes are doubled; backslash is an ordinary character. SQLite stops reading a
 * statement at a NUL byte, and the SQL that runs has its line endings normalised, so NUL and CR are
 * spliced in: `('a' || char(0) || 'b' || char(13) || '')`. Arrays are a comma-separated list for `IN (...)` (`NULL` when empty);
 * bytes are `X'..'`.
 */
export class SqliteEscaper extends BaseEscaper {
  readonly dialect = 'sqlite'

  string(value: string): string {
    this.checkText(value, 'string')
    if (!/[\0\r]/.test(value)) return `'${value.replaceAll("'", "''")}'`
    const parts = value.split(/([\0\r])/).map((p) => (p === '\0' ? 'char(0)' : p === '\r' ? 'char(13)' : `'${p.replaceAll("'", "''")}'`))
    return `(${parts.join(' || ')})`
  }

  identifierPart(name: string): string {
    this.checkIdentifier(name)
    return `"${name.replaceAll('"', '""')}"`
  }

  protected list(values: readonly unknown[]): string {
    if (!values.length) return 'NULL'
    return values.map((v) => this.literal(v)).join(', ')
  }

  protected bytes(value: Uint8Array): string {
    return `X'${hex(value)}'`
  }
}
