import type { CoreContext } from '../context.js'
import type { Driver } from '../driver.js'

/**
 * What the run room needs of a migrator: its options (hooks, `-- mig:run` runner, vars, env), the
 * bodies (rendered SQL, checksums), the history recorder and the event emitter. Nothing of the
 * `Migrator` façade: a fleet runner builds one for many targets.
 */
export type RunContext = Pick<CoreContext, 'options' | 'bodies' | 'recorder' | 'emit'> & { readonly control?: RunControl }

/**
 * Lets runs be stopped between migrations (the first Ctrl-C, `Migrator.stop()`): once `stopping`,
 * a run starts no other migration, and a queued one that the driver did not run is not reported.
 */
export interface RunControl {
  stopping: boolean
}

/**
 * Where migrations run and are recorded: a connection (its driver: transactions, scripts, the
 * native client) and the scope of the history rows. A migrator's own target is its driver and
 * scope; a fleet runner passes another connection and a tenant's scope. Some drivers commit a
 * migration's last writes with the connection's next round trip (MySQL, see `QueryExecutor.defer`):
 * after a target's last migration, `await target.driver.sync?.()` commits them (releasing the lock
 * or closing the connection does too).
 */
export interface RunTarget {
  readonly driver: Driver
  readonly scope: string
}
