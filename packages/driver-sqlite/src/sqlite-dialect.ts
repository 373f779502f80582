import type { SqlDialect } from '@mig/core'

/**
 * SQLite's SQL: quoting and literals (what DDL, introspection and templates write), and the types
 * of the history tables core creates.
 *
 * Quotes are doubled; backslash is an ordinary character. SQLite stops reading a statement at a NUL
 * byte, and the SQL that runs has its line endings normalised, so NUL and CR are spliced in:
 * `('a' || char(0) || 'b' || char(13) || '')`. Arrays are a comma-separated list for `IN (...)`
 * (`NULL` when empty); bytes are `X'..'`. Names have no length limit.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  literals: {
    string(value) {
      if (!/[\0\r]/.test(value)) return `'${value.replaceAll("'", "''")}'`
      const parts = value.split(/([\0\r])/).map((p) => (p === '\0' ? 'char(0)' : p === '\r' ? 'char(13)' : `'${p.replaceAll("'", "''")}'`))
      return `(${parts.join(' || ')})`
    },
  },
  types: {
    key: 'TEXT',
    text: 'TEXT',
    integer: 'INTEGER',
    timestamp: 'TEXT',
    serialPrimaryKey: '"id" INTEGER PRIMARY KEY AUTOINCREMENT',
  },
}
