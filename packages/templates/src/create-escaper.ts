import { MigError } from '@mig/core'
import type { Escaper } from './escaper.js'
import { MysqlEscaper } from './mysql-escaper.js'
import { PostgresEscaper } from './postgres-escaper.js'
import { SqliteEscaper } from './sqlite-escaper.js'

/** Options of {@link createEscaper}. */
export interface CreateEscaperOptions {
  /** MySQL only: the server's `sql_mode` has `NO_BACKSLASH_ESCAPES`. Default false. */
  mysqlNoBackslashEscapes?: boolean
}

/**
 * The escaper for a driver's `dialect.name`: `postgres`/`postgresql`, `mysql`/`mariadb`, `sqlite`.
 * Pass an {@link Escaper} object for a third-party dialect. Throws for an unknown name.
 */
export function createEscaper(dialect: string | Escaper, options: CreateEscaperOptions = {}): Escaper {
  if (typeof dialect !== 'string') return dialect
  switch (dialect.toLowerCase()) {
    case 'postgres':
    case 'postgresql':
      return new PostgresEscaper()
    case 'mysql':
    case 'mariadb':
      return new MysqlEscaper({ noBackslashEscapes: options.mysqlNoBackslashEscapes })
    case 'sqlite':
    case 'sqlite3':
      return new SqliteEscaper()
    default:
      throw new MigError(`no SQL escaper for dialect "${dialect}"`, { hint: 'pass an Escaper object as `dialect` to createRenderer for third-party drivers' })
  }
}
