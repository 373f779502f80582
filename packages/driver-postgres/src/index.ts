export { escapeLiteral, inlineParams, literal, postgresDialect, rewritePlaceholders, toNumberedPlaceholders } from './postgres-dialect.js'
export type { PostgresOptions } from './postgres-driver.js'
export { createDriver, PostgresDriver, postgres, postgresConfig } from './postgres-driver.js'
export { advisoryHolder, advisoryKey } from './postgres-lock.js'
