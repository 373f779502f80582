import { EscapeError } from './errors.js'

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

/** Dialects with a built-in escaper. */
export type DialectName = 'postgres' | 'mysql' | 'sqlite'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Shared behaviour; subclasses supply string, identifier-part, list and binary forms. */
export abstract class BaseEscaper implements Escaper {
  abstract readonly dialect: string
  abstract string(value: string): string
  abstract identifierPart(name: string): string
  /** A JS array (elements already checked) as SQL. */
  protected abstract list(values: readonly unknown[]): string
  /** Bytes as a binary literal. */
  protected abstract bytes(value: Uint8Array): string

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
    if (Array.isArray(value)) return this.list(value)
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new EscapeError(this.dialect, 'cannot write an invalid Date as SQL')
      return this.string(value.toISOString())
    }
    if (value instanceof Uint8Array) return this.bytes(value)
    return this.string(JSON.stringify(value))
  }

  identifier(name: string | readonly string[]): string {
    const parts = typeof name === 'string' ? name.split('.') : name
    if (!parts.length) throw new EscapeError(this.dialect, 'an identifier needs at least one part')
    return parts.map((p) => this.identifierPart(p)).join('.')
  }

  /** Common checks of a string that becomes SQL text. */
  protected checkText(value: string, what: string): void {
    if (typeof value !== 'string') throw new EscapeError(this.dialect, `${what} must be a string, not ${value === null ? 'null' : typeof value}`)
    if (LONE_SURROGATE.test(value)) throw new EscapeError(this.dialect, `${what} contains an unpaired UTF-16 surrogate, which no database can store`)
  }

  /** Common checks of an identifier part. */
  protected checkIdentifier(name: string): void {
    this.checkText(name, 'identifier')
    if (name === '') throw new EscapeError(this.dialect, 'an identifier cannot be empty')
    if (name.includes('\0')) throw new EscapeError(this.dialect, 'an identifier cannot contain NUL (\\0)')
    if (name.includes('\r'))
      throw new EscapeError(this.dialect, 'an identifier cannot contain a carriage return (it would not survive line-ending normalisation)')
  }
}

/** Hex digits of bytes. */
export function hex(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
}
