export { introspectMysql } from './mysql-introspector.js'
export { columnSql, createTableSql, mysqlDdl, quoteMysql } from './mysql-ddl.js'
export { createMysqlShadow, withDatabase } from './mysql-shadow.js'
