import { brand, MigError } from '../errors.js'

/**
 * A tenant name mig accepts: a lowercase letter, then lowercase letters, digits and `_`, at most
 * 48 characters. Such a name is the same identifier quoted or not in every engine, fits in a
 * PostgreSQL or MySQL identifier with a prefix such as `tenant_`, and is a safe file name.
 */
export const TENANT_NAME = /^[a-z][a-z0-9_]{0,47}$/

/** Bad tenant input (an unsafe name, an unknown tenant, a bad shard): nothing was written. */
export class TenantError extends MigError {
  override name = 'TenantError'
  /** The tenants the error is about. */
  readonly tenants: string[]
  constructor(message: string, tenants: string[] = [], options?: { hint?: string; cause?: unknown }) {
    super(message, options)
    this.tenants = tenants
  }
}
brand(TenantError, 'TenantError')

/** Throw a {@link TenantError} naming every name that is not a safe identifier. */
export function assertTenantNames(names: readonly string[]): void {
  const bad = names.filter((n) => !TENANT_NAME.test(n))
  if (bad.length) {
    throw new TenantError(`not a safe tenant name: ${bad.map((n) => JSON.stringify(n)).join(', ')}`, bad, {
      hint: 'a tenant name is a lowercase letter, then lowercase letters, digits or _ (at most 48 characters)',
    })
  }
}

/** A tenant's schema (or database, or file) from the `[tenants] schema` pattern. */
export function tenantSchema(pattern: string, name: string): string {
  return pattern.replaceAll('{name}', name)
}

/** The history scope of a tenant's rows in the shared history table: `tenant:<name>`. */
export function tenantScope(name: string): string {
  return `tenant:${name}`
}

/** The tenant of a history scope, or undefined for the shared scope. */
export function scopeTenant(scope: string): string | undefined {
  return scope.startsWith('tenant:') ? scope.slice(7) : undefined
}

/** `--shard I/N`: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number
  count: number
}

/** Parse `--shard I/N` (1 ≤ I ≤ N). Throws {@link TenantError}. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : Number.NaN
  const count = m ? Number(m[2]) : Number.NaN
  if (!m || count < 1 || index < 1 || index > count) {
    throw new TenantError(`--shard takes I/N with 1 ≤ I ≤ N, not "${text}"`, [], {
      hint: 'shards are numbered from 1: --shard 1/3, --shard 2/3, --shard 3/3 (a Kubernetes Indexed Job passes $((JOB_COMPLETION_INDEX+1))/N)',
    })
  }
  return { index, count }
}

/**
 * The shard (1-based) of a tenant among `count`: the 32-bit FNV-1a hash of its name, modulo
 * `count`. Stable across machines, processes and versions, so shards are disjoint and together
 * hold every tenant, for every `count`.
 */
export function shardOf(name: string, count: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return (hash % count) + 1
}

/** Which tenants a fleet command works on. */
export interface TenantSelection {
  /** `--tenant NAME` (repeatable): these tenants only. */
  tenants?: string[]
  /** `--shard I/N`: of the selected tenants, those in shard I. */
  shard?: Shard
}

/**
 * The selected tenants among the registered ones, in name order. Throws {@link TenantError}
 * naming tenants that are asked for but not registered.
 */
export function selectTenants(registered: readonly string[], selection: TenantSelection): string[] {
  let out = [...registered].sort()
  if (selection.tenants?.length) {
    assertTenantNames(selection.tenants)
    const known = new Set(registered)
    const unknown = selection.tenants.filter((t) => !known.has(t))
    if (unknown.length) {
      throw new TenantError(`no such tenant: ${unknown.join(', ')}`, unknown, { hint: 'mig tenant list shows the tenants; mig tenant create <name> adds one' })
    }
    const wanted = new Set(selection.tenants)
    out = out.filter((t) => wanted.has(t))
  }
  const shard = selection.shard
  if (shard) out = out.filter((t) => shardOf(t, shard.count) === shard.index)
  return out
}
