import { EscapeError, type LiteralSyntax, literalSyntax, type SqlDialect } from './dialect.js'

/**
 * Writes JavaScript values as SQL for one dialect. Every `{{ value }}` in a template goes through
 * {@link Escaper.literal}; `| ident` goes through {@link Escaper.identifier}.
 */
export interface Escaper {
  /** The dialect name (`postgres`, `mysql`, `sqlite`). */
  readonly dialect: string
  /**
   * Any value as a SQL literal: strings quoted, numbers as numbers, booleans as TRUE/FALSE,
   * null as NULL, Dates as ISO-8601 strings, bytes as the dialect's binary literal, plain objects
   * as a JSON string, arrays as the dialect's list form. `undefined`, NaN and Infinity are refused.
   */
  literal(value: unknown): string
  /** One string as a quoted SQL string literal. */
  string(value: string): string
  /**
   * An identifier, quoted. A string is split on `.` (`audit.users` → schema-qualified); pass an
   * array to give the parts verbatim (`['odd.name']` → one part containing a dot).
   */
  identifier(name: string | readonly string[]): string
  /** One identifier part, quoted, without splitting on dots. */
  identifierPart(name: string): string
}

/** Options of {@link SqlEscaper}. */
export interface EscaperOptions {
  /**
   * The connection reads a backslash in a string literal as an escape (a driver's
   * `capabilities.backslashEscapes`: MySQL follows `sql_mode`). Default: the dialect's
   * `literals.backslashEscapes`.
   */
  backslashEscapes?: boolean
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * The {@link Escaper} of a {@link SqlDialect}: the value kinds every engine writes the same, the
 * checks every engine needs (unpaired surrogates, empty names, NUL and CR in names), and the
 * dialect's own literal syntax and identifier rules.
 *
 * @example
 * const escaper = new SqlEscaper(driver.dialect, { backslashEscapes: driver.capabilities.backslashEscapes })
 * escaper.literal("O'Brien") // 'O''Brien'
 */
export class SqlEscaper implements Escaper {
  readonly dialect: string
  /** Whether string literals are written for a connection that reads backslash escapes. */
  readonly backslashEscapes: boolean
  private readonly syntax: Required<LiteralSyntax>

  constructor(
    readonly sqlDialect: SqlDialect,
    options: EscaperOptions = {},
  ) {
    this.dialect = sqlDialect.name
    this.syntax = literalSyntax(sqlDialect)
    this.backslashEscapes = options.backslashEscapes ?? this.syntax.backslashEscapes
  }

  literal(value: unknown): string {
    if (value === undefined) throw new EscapeError(this.dialect, 'cannot write undefined as SQL (an undefined variable?)')
    if (value === null) return 'NULL'
    switch (typeof value) {
      case 'string':
        return this.string(value)
      case 'boolean':
        return value ? 'TRUE' : 'FALSE'
      case 'bigint':
        return value.toString()
      case 'number':
        if (!Number.isFinite(value)) throw new EscapeError(this.dialect, `cannot write ${value} as a SQL number`)
        return Object.is(value, -0) ? '0' : String(value)
      case 'object':
        break
      default:
        throw new EscapeError(this.dialect, `cannot write a ${typeof value} as SQL`)
    }
    if (Array.isArray(value)) return this.syntax.list(value.map((v) => this.literal(v)))
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new EscapeError(this.dialect, 'cannot write an invalid Date as SQL')
      return this.string(value.toISOString())
    }
    if (value instanceof Uint8Array) return this.syntax.bytes(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'))
    return this.string(JSON.stringify(value))
  }

  string(value: string): string {
    this.checkText(value, 'string')
    return this.syntax.string(value, { backslashEscapes: this.backslashEscapes })
  }

  identifier(name: string | readonly string[]): string {
    const parts = typeof name === 'string' ? name.split('.') : name
    if (!parts.length) throw new EscapeError(this.dialect, 'an identifier needs at least one part')
    return parts.map((p) => this.identifierPart(p)).join('.')
  }

  identifierPart(name: string): string {
    this.checkText(name, 'identifier')
    if (name === '') throw new EscapeError(this.dialect, 'an identifier cannot be empty')
    if (name.includes('\0')) throw new EscapeError(this.dialect, 'an identifier cannot contain NUL (\\0)')
    if (name.includes('\r'))
      throw new EscapeError(this.dialect, 'an identifier cannot contain a carriage return (it would not survive line-ending normalisation)')
    const rules = this.sqlDialect.identifiers
    if (rules?.maxBytes !== undefined) {
      const bytes = Buffer.byteLength(name, 'utf8')
      if (bytes > rules.maxBytes)
        throw new EscapeError(this.dialect, `identifier is ${bytes} bytes; the server truncates names longer than ${rules.maxBytes} bytes`)
    }
    if (rules?.maxCharacters !== undefined) {
      const chars = [...name].length
      if (chars > rules.maxCharacters) throw new EscapeError(this.dialect, `identifier is ${chars} characters; the limit is ${rules.maxCharacters}`)
    }
    const problem = rules?.check?.(name)
    if (problem) throw new EscapeError(this.dialect, problem)
    return this.sqlDialect.quoteIdent(name)
  }

  /** Common checks of a string that becomes SQL text. */
  private checkText(value: string, what: string): void {
    if (typeof value !== 'string') throw new EscapeError(this.dialect, `${what} must be a string, not ${value === null ? 'null' : typeof value}`)
    if (LONE_SURROGATE.test(value)) throw new EscapeError(this.dialect, `${what} contains an unpaired UTF-16 surrogate, which no database can store`)
  }
}
