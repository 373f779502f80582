import type { SqlDialect } from '@mig/core'

/** MySQL's and MariaDB's SQL, for the statements core writes (history tables). */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
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
  // about 3,000 history rows): core then sees text that is not JSON and reads the rows instead.
  jsonRows: (table, columns) =>
    `SELECT CAST(COALESCE(JSON_ARRAYAGG(JSON_OBJECT(${columns.map((c) => `'${c}', \`${c}\``).join(', ')})), '[]') AS CHAR) FROM ${table}`,
}
