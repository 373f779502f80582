import type { HistoryState } from '../history/store.js'
import { compareVersions, type Migration } from '../migration.js'
import { tenantScope } from './tenants.js'

/** A tenant's state, as `mig status --all-tenants` shows it. */
export interface TenantStatus {
  tenant: string
  schema: string
  /** Tenant parts applied in the tenant. */
  applied: number
  /** Tenant parts on disk not applied in the tenant (drafts left out). */
  pending: number
  /** Tenant parts whose last apply in the tenant failed or was interrupted (engines without transactional DDL). */
  failed: number
  /** Applied tenant parts whose file changed since (see `Fleet.modified`); 0 when not checked. */
  modified: number
  /** The newest version applied in the tenant. */
  lastVersion: string | null
}

/** The migrations that have a tenant part, drafts left out unless asked for. */
export function tenantMigrations(migrations: readonly Migration[], includeDrafts = false): Migration[] {
  return migrations.filter((m) => m.kind === 'versioned' && m.tenantUp && (includeDrafts || !m.draft))
}

/** History rows by scope, then version: one pass over the whole history table. */
export function rowsByScope(history: readonly HistoryState[]): Map<string, Map<string, HistoryState>> {
  const out = new Map<string, Map<string, HistoryState>>()
  for (const h of history) {
    let rows = out.get(h.scope)
    if (!rows) out.set(h.scope, (rows = new Map()))
    rows.set(h.version, h)
  }
  return out
}

/**
 * One row per tenant: applied, pending, failed and modified counts and the last version, from the
 * whole history read once; `modified` is what `Fleet.modified` found, by tenant name.
 */
export function fleetStatus(
  migrations: readonly Migration[],
  history: readonly HistoryState[],
  tenants: readonly { name: string; schema: string }[],
  modified?: ReadonlyMap<string, readonly string[]>,
): TenantStatus[] {
  const parts = tenantMigrations(migrations)
  const byScope = rowsByScope(history)
  return tenants.map((t) => {
    const rows = byScope.get(tenantScope(t.name)) ?? new Map<string, HistoryState>()
    let applied = 0
    let failed = 0
    let lastVersion: string | null = null
    for (const h of rows.values()) {
      if (h.status === 'applied') {
        applied++
        if (lastVersion === null || compareVersions(h.version, lastVersion) > 0) lastVersion = h.version
      } else failed++
    }
    const pending = parts.filter((m) => !rows.has(m.version)).length
    return { tenant: t.name, schema: t.schema, applied, pending, failed, modified: modified?.get(t.name)?.length ?? 0, lastVersion }
  })
}

/**
 * The tenant parts `up` applies in a tenant, in version order: those whose shared part is applied
 * and that are not applied in the tenant. A part left failed or running by an earlier run is in the
 * plan: the runner reads its row again under the tenant's lock (another runner may be running it
 * right now) and stops the tenant there when it is still not applied.
 */
export function planTenantUp(
  parts: readonly Migration[],
  shared: ReadonlyMap<string, HistoryState> | undefined,
  rows: ReadonlyMap<string, HistoryState> | undefined,
): Migration[] {
  return parts.filter((m) => shared?.get(m.version)?.status === 'applied' && rows?.get(m.version)?.status !== 'applied')
}

/** The tenant parts `down` reverts in a tenant: the last `steps` applied ones, newest first. */
export function planTenantDown(parts: readonly Migration[], rows: ReadonlyMap<string, HistoryState> | undefined, steps = 1): Migration[] {
  return parts
    .filter((m) => rows?.get(m.version)?.status === 'applied')
    .reverse()
    .slice(0, steps)
}
