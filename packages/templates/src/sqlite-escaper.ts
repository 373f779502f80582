import { BaseEscaper, hex } from './escaper.js'

/**
 * SQLite escaping. Quotes are doubled; backslash is an ordinary character. SQLite stops reading a
 * statement at a NUL byte, so a string containing NUL is written as a concatenation with `char(0)`:
 * `('a' || char(0) || 'b')`. Arrays are a comma-separated list for `IN (...)` (`NULL` when empty);
 * bytes are `X'..'`.
 */
export class SqliteEscaper extends BaseEscaper {
  readonly dialect = 'sqlite'

  string(value: string): string {
    this.checkText(value, 'string')
    if (!value.includes('\0')) return `'${value.replaceAll("'", "''")}'`
    const parts = value.split('\0').map((p) => `'${p.replaceAll("'", "''")}'`)
    return `(${parts.join(' || char(0) || ')})`
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
