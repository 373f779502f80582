import type { MigrationError } from '../errors.js'
import type { MigrationInfo } from '../events.js'

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

/** Events of a fleet run, by name. Every event about a tenant carries `tenant`. */
export interface FleetEvents {
  /** Before anything runs: the tenants and how many tenant parts each will run. */
  'fleet:plan': { direction: 'up' | 'down'; tenants: { tenant: string; pending: number }[]; dryRun: boolean }
  'tenant:start': { tenant: string; pending: number }
  'tenant:done': { tenant: string; applied: number; durationMs: number }
  'tenant:failed': { tenant: string; applied: number; error: MigrationError; durationMs: number }
  'migration:start': { tenant: string; migration: MigrationInfo; direction: 'up' | 'down' }
  'migration:applied': { tenant: string; migration: MigrationInfo; direction: 'up'; durationMs: number }
  'migration:reverted': { tenant: string; migration: MigrationInfo; direction: 'down'; durationMs: number }
  /** Another runner did it first (seen under the tenant's lock). */
  'migration:skipped': { tenant: string; migration: MigrationInfo; direction: 'up' | 'down' }
  'migration:failed': { tenant: string; migration: MigrationInfo; direction: 'up' | 'down'; error: MigrationError; durationMs: number }
  /** Something the user should know that does not stop the run. */
  warning: { message: string; code: string; tenant?: string }
  'fleet:done': FleetResult
}
