import { BaseEscaper, hex } from './escaper.js'
import { EscapeError } from './errors.js'

/** PostgreSQL identifiers longer than this many bytes are silently truncated by the server (NAMEDATALEN - 1). */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63

/**
 * PostgreSQL escaping. Strings without a backslash or carriage return are written `'...'`; others
 * are written `E'...'` with backslashes doubled and CR as `\r`, which reads the same whether
 * `standard_conforming_strings` is on or off and survives line-ending normalisation. Text cannot contain NUL in PostgreSQL: such strings are refused. Arrays are `ARRAY[...]`
 * (`'{}'` when empty, so the column type decides the element type); bytes are `decode('..', 'hex')`.
 */
export class PostgresEscaper extends BaseEscaper {
  readonly dialect = 'postgres'

  string(value: string): string {
    this.checkText(value, 'string')
    if (value.includes('\0')) throw new EscapeError(this.dialect, 'PostgreSQL text cannot contain NUL (\\0)')
    const quoted = value.replaceAll("'", "''")
    if (!value.includes('\\') && !value.includes('\r')) return `'${quoted}'`
    // E'' with \r for carriage returns: the SQL that runs has its line endings normalised.
    return `E'${quoted.replaceAll('\\', '\\\\').replaceAll('\r', '\\r')}'`
  }

  identifierPart(name: string): string {
    this.checkIdentifier(name)
    const bytes = Buffer.byteLength(name, 'utf8')
    if (bytes > POSTGRES_MAX_IDENTIFIER_BYTES) {
      throw new EscapeError(this.dialect, `identifier is ${bytes} bytes; PostgreSQL truncates names longer than ${POSTGRES_MAX_IDENTIFIER_BYTES} bytes`)
    }
    return `"${name.replaceAll('"', '""')}"`
  }

  protected list(values: readonly unknown[]): string {
    if (!values.length) return "'{}'"
    return `ARRAY[${values.map((v) => this.literal(v)).join(', ')}]`
  }

  protected bytes(value: Uint8Array): string {
    return `decode('${hex(value)}', 'hex')`
  }
}
