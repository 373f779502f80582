import { shadowSuite } from '@mig/test-utils/shadow-suite'
import { freshPgDatabase, PgTestDriver } from './pg-test-driver.js'

shadowSuite({
  title: 'PostgreSQL shadow databases',
  fresh: freshPgDatabase,
  openDriver: (url) => new PgTestDriver(url),
  shadowDatabases: async (d) =>
    (await d.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'mig\\_shadow\\_%'`)).map((r) => r.datname),
  serialPrimaryKey: 'serial PRIMARY KEY',
  missingTableError: /broken\.sql:2: relation "nowhere" does not exist/,
})
