import type { Driver, DriverCapabilities, DriverOptions } from '@mig/core'
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

const SAMPLE_URL: Record<DialectName, string> = { sqlite: 'sqlite::memory:', postgres: 'postgres://x@localhost/x', mysql: 'mysql://x@localhost/x' }

/** A dialect's driver capabilities, known without connecting (to gate cases when they are declared). */
export function capabilitiesOf(dialect: DialectName): DriverCapabilities {
  return DRIVERS[dialect](SAMPLE_URL[dialect]).capabilities
}
