import type { SqlDialect } from '@mig/core'

/** SQLite's SQL, for the statements core writes. */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  types: {
    key: 'TEXT',
    text: 'TEXT',
    integer: 'INTEGER',
    timestamp: 'TEXT',
    serialPrimaryKey: '"id" INTEGER PRIMARY KEY AUTOINCREMENT',
  },
}
