export { mysqlDialect } from './mysql-dialect.js'
export type { MysqlOptions } from './mysql-driver.js'
export { createDriver, MysqlDriver, mysql, mysqlConfig, mysqlDriver } from './mysql-driver.js'
export { lockHolder, lockName } from './mysql-lock.js'
