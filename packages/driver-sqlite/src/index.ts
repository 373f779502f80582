export { sqliteDialect } from './sqlite-dialect.js'
export type { SqliteOptions } from './sqlite-driver.js'
export { createDriver, SqliteDriver, sqlite } from './sqlite-driver.js'
