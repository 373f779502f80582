// Temporary projects come from @mig/core/testing (core's own tests use them too).
export type { TempProject } from '@mig/core/testing'
export { tempProject } from '@mig/core/testing'
export { randomName } from './random-name.js'

export type { DialectName, FreshDatabase, TestDialect } from './dialects.js'
export {
  ALL_DIALECTS,
  freshDatabase,
  MYSQL_ADMIN_URL,
  mysqlAdmin,
  mysqlDialectForTests,
  PG_ADMIN_URL,
  pgAdmin,
  postgresDialectForTests,
  sqliteDialectForTests,
  testDialects,
} from './dialects.js'
export * from './sqldef.js'
export * from './schema-cases.js'
export { writeCsv } from './csv-data.js'
