import type { Driver } from './driver.js'
import { mentions } from './run/reapply.js'

/** A database object that uses one of the objects asked about (see {@link findDependents}). */
export interface DependentUse {
  kind: 'view' | 'materialized view' | 'function' | 'procedure' | 'trigger'
  /** As the catalog spells it (`public.active_users`, or `active_users` where there are no schemas). */
  name: string
  /** Which of the objects asked about it uses (directly or through another dependent). */
  uses: string[]
}

/**
 * The views, functions and triggers of the database that use `objects` (names as a script writes
 * them, see `definedObjects`): through the driver's catalog when it has `dependentObjects`
 * (PostgreSQL: `pg_depend`), otherwise by name in the definitions `introspect()` reads (a whole-word
 * match in view, routine and trigger SQL). Empty when the driver has neither.
 */
export async function findDependents(driver: Driver, objects: readonly string[]): Promise<DependentUse[]> {
  if (!objects.length) return []
  if (driver.dependentObjects) {
    const found = await driver.dependentObjects(driver, objects)
    return found.map((o) => ({ kind: o.kind, name: o.name, uses: o.uses }))
  }
  if (!driver.introspect) return []
  const schema = await driver.introspect()
  const qualified = (o: { schema?: string; name: string }) => (o.schema ? `${o.schema}.${o.name}` : o.name)
  const candidates: { kind: DependentUse['kind']; name: string; sql: string }[] = [
    ...schema.views.map((v) => ({ kind: v.materialized ? ('materialized view' as const) : ('view' as const), name: qualified(v), sql: v.definition })),
    ...schema.routines.map((r) => ({ kind: r.kind, name: qualified(r), sql: r.definition })),
    ...schema.triggers.map((t) => ({ kind: 'trigger' as const, name: qualified(t), sql: t.definition })),
  ]
  const bare = (n: string) => n.slice(n.lastIndexOf('.') + 1).toLowerCase()
  const out: DependentUse[] = []
  for (const c of candidates) {
    const uses = objects.filter((o) => bare(o) !== bare(c.name) && mentions(c.sql, o))
    if (uses.length) out.push({ kind: c.kind, name: c.name, uses })
  }
  return out
}
