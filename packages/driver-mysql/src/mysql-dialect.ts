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
}
