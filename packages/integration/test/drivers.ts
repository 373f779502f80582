import type { Driver, DriverOptions } from '@mig/core'
import { createDriver as mysqlDriver } from '@mig/driver-mysql'
import { createDriver as postgresDriver } from '@mig/driver-postgres'
import { createDriver as sqliteDriver } from '@mig/driver-sqlite'
import type { DialectName } from '@mig/test-utils'

/** The driver factory of each dialect. */
export const DRIVERS: Record<DialectName, (url: string, options?: DriverOptions) => Driver> = {
  sqlite: (url) => sqliteDriver(url),
  postgres: postgresDriver,
  mysql: mysqlDriver,
}
