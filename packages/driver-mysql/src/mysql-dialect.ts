import type { SqlDialect } from '@mig/core'

/** MySQL's `'...'` with quotes doubled; backslashes doubled, NUL and CR as escapes when `backslashEscapes`. */
function mysqlString(value: string, backslashEscapes: boolean): string {
  if (backslashEscapes) return `'${value.replace(/[\\'\0\r]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "''" : c === '\r' ? '\\r' : '\\0'))}'`
  // No escapes in this mode: a carriage return (which line-ending normalisation would turn into
  // LF) is spliced in with CHAR(13).
  if (!value.includes('\r')) return `'${value.replaceAll("'", "''")}'`
  return `CONCAT(${value
    .split('\r')
    .map((p) => `'${p.replaceAll("'", "''")}'`)
    .join(', CHAR(13 USING utf8mb4), ')})`
}

/**
 * MySQL's and MariaDB's SQL: quoting, literals and identifier rules (what DDL, introspection and
 * templates write), and the types of the history tables core creates.
 *
 * Quotes are doubled; with the default `sql_mode` backslashes are doubled, NUL is written `\0` and
 * CR `\r`; with `NO_BACKSLASH_ESCAPES` backslashes and NUL are written as they are and CR is spliced
 * in with `CONCAT(..., CHAR(13 USING utf8mb4), ...)`. The escaping must match the server's mode (the
 * driver reports it as the `backslashEscapes` capability once connected): a string escaped for one
 * mode reads differently in the other when it contains a backslash. Arrays are a comma-separated
 * list for `IN (...)` (`NULL` when empty); bytes are `X'..'`. Identifiers are quoted with backticks,
 * limited to 64 characters of the Basic Multilingual Plane and may not end with whitespace.
 */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
  identifiers: {
    maxCharacters: 64,
    check(name) {
      if ([...name].some((c) => c.codePointAt(0)! > 0xffff))
        return 'identifiers cannot contain characters outside the Basic Multilingual Plane (emoji and other astral characters)'
      if (/[ \t\n\v\f\r]$/.test(name)) return 'identifiers cannot end with a space character (space, tab, CR, LF, VT, FF)'
      return undefined
    },
  },
  literals: {
    // MySQL's default sql_mode
    backslashEscapes: true,
    string: (value, options) => mysqlString(value, options.backslashEscapes),
  },
  types: {
    // utf8mb4: 255 characters keep a two-column primary key under InnoDB's 3072-byte limit
    key: 'VARCHAR(255)',
    text: 'LONGTEXT',
    integer: 'BIGINT',
    // written and read as UTC (the driver's sessions use time_zone '+00:00')
    timestamp: 'DATETIME(3)',
    serialPrimaryKey: '`id` BIGINT AUTO_INCREMENT PRIMARY KEY',
  },
  // one row of JSON text instead of a row per history entry (mysql2 spends about three times as
  // long on the rows). MariaDB cuts JSON_ARRAYAGG at group_concat_max_len (1 MiB by default,
  // about 3,000 history rows) and closes the array: cut between two rows, that is valid JSON
  // with rows missing. So the array is returned only when it holds every row; otherwise core
  // sees text that is not JSON and reads the rows instead.
  jsonRows: (table, columns, where) =>
    `SELECT CASE WHEN JSON_LENGTH(j) = n THEN j ELSE 'cut' END FROM (SELECT COUNT(*) AS n, CAST(COALESCE(JSON_ARRAYAGG(JSON_OBJECT(${columns.map((c) => `'${c}', \`${c}\``).join(', ')})), '[]') AS CHAR) AS j FROM ${table}${where ? ` WHERE ${where}` : ''}) t`,
}
