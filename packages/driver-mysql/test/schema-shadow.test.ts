import { shadowSuite } from '@mig/test-utils/shadow-suite'
import { freshMysqlDatabase, MysqlTestDriver } from './mysql-test-driver.js'

shadowSuite({
  title: 'MySQL shadow databases',
  fresh: freshMysqlDatabase,
  openDriver: (url) => new MysqlTestDriver(url),
  shadowDatabases: async (d) =>
    (await d.query<{ name: string }>(`SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'mig\\_shadow\\_%'`)).map(
      (r) => r.name,
    ),
  serialPrimaryKey: 'int AUTO_INCREMENT PRIMARY KEY',
  missingTableError: /broken\.sql:2: Failed to open the referenced table 'nowhere'|Can't create table/,
})
