export type { PostgresIntrospectOptions } from './postgres-introspector.js'
export { introspectPostgres, shortType } from './postgres-introspector.js'
export { constraintSql, createTableSql, postgresDdl, quotePg } from './postgres-ddl.js'
export { createPostgresShadow, withDatabase } from './postgres-shadow.js'
