import type { MigrationError } from '../errors.js'
import type { MigrationInfo, MigratorEvents } from '../events.js'

/** A tenant that failed, with the first error of its run. */
export interface TenantFailure {
  tenant: string
  error: MigrationError
}

/** Outcome of a fleet run (`up`, `down`, `tenant create`). */
export interface FleetResult {
  direction: 'up' | 'down'
  ok: boolean
  /** Tenants the run worked on (selected, with something to do or not). */
  tenants: number
  /** Tenant parts applied (or reverted). */
  applied: number
  /** Tenants whose run failed, with the first error of each. */
  failures: TenantFailure[]
  /** Tenants not started because the run stopped (a failure without `continueOnError`, a failed canary, a signal). */
  notStarted: string[]
  durationMs: number
}

/** A migrator event about one tenant part: the run room's payload and the tenant. */
export type TenantEvents = { [K in keyof MigratorEvents]: MigratorEvents[K] & { tenant: string } }

/**
 * Events of a fleet run, by name: the run room's migration events (`migration:start`,
 * `migration:applied`, `migration:failed`...) with `tenant` added, and the fleet's own.
 */
export interface FleetEvents extends TenantEvents {
  /** Before anything runs: the tenants and how many tenant parts each will run. */
  'fleet:plan': { direction: 'up' | 'down'; tenants: { tenant: string; pending: number }[] }
  'tenant:start': { tenant: string; pending: number }
  'tenant:done': { tenant: string; applied: number; durationMs: number }
  'tenant:failed': { tenant: string; applied: number; error: MigrationError; durationMs: number }
  /** Another runner did it first (seen under the tenant's lock). */
  'migration:skipped': { tenant: string; migration: MigrationInfo; direction: 'up' | 'down' }
  'fleet:done': FleetResult
}
