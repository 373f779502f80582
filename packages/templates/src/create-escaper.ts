import { type Escaper, type EscaperOptions, MigError, type SqlDialect, SqlEscaper } from '@mig/core'

/** An {@link Escaper} object rather than a dialect. */
export function isEscaper(value: SqlDialect | Escaper): value is Escaper {
  return typeof (value as Escaper).literal === 'function' && typeof (value as Escaper).identifierPart === 'function'
}

/**
 * The escaper of a driver's dialect (`driver.dialect`, or `postgresDialect` from
 * `@mig/driver-postgres` without a driver): the dialect owns quoting, literal syntax and identifier
 * rules, the escaper adds what every engine shares. An {@link Escaper} object is returned as it is.
 *
 * @example
 * createEscaper(driver.dialect, { backslashEscapes: driver.capabilities.backslashEscapes }).literal("O'Brien")
 */
export function createEscaper(dialect: SqlDialect | Escaper, options: EscaperOptions = {}): Escaper {
  if (typeof dialect === 'string' || !dialect || typeof dialect !== 'object') {
    throw new MigError(`no SQL escaper for ${JSON.stringify(dialect)}: pass a driver's dialect object, not its name`, {
      hint: "use driver.dialect, or import { postgresDialect } from '@mig/driver-postgres' (mysqlDialect, sqliteDialect likewise)",
    })
  }
  return isEscaper(dialect) ? dialect : new SqlEscaper(dialect, options)
}
