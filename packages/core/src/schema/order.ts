import type { Change } from './changes.js'
import { objectKey, qualifiedName, routineKey } from './model.js'

/** The key other objects name a created or dropped object by (`dependsOn`), if it has one. */
function keyOf(c: Change): string | undefined {
  switch (c.kind) {
    case 'create_enum':
    case 'drop_enum':
      return qualifiedName(c.enum)
    case 'create_sequence':
    case 'drop_sequence':
      return qualifiedName(c.sequence)
    case 'create_routine':
    case 'drop_routine':
      return routineKey(c.routine)
    case 'create_table':
    case 'drop_table':
      return qualifiedName(c.table)
    case 'create_view':
    case 'drop_view':
      return qualifiedName(c.view)
    case 'create_object':
    case 'drop_object':
      return objectKey(c.object)
    default:
      return undefined
  }
}

/** What a created object needs before it (what a dropped object needs until it is gone). */
function depsOf(c: Change): string[] {
  switch (c.kind) {
    case 'create_routine':
    case 'drop_routine':
      return c.routine.dependsOn ?? []
    case 'drop_table':
      return [...(c.table.parents ?? []), ...(c.table.dependsOn ?? [])]
    case 'drop_view':
      return c.view.dependsOn ?? []
    case 'drop_object':
      return c.object.dependsOn ?? []
    case 'create_table':
      return [
        ...(c.table.parents ?? []),
        ...(c.table.dependsOn ?? []),
        ...c.table.foreignKeys.map((fk) => qualifiedName({ schema: fk.refSchema, name: fk.refTable })),
      ]
    case 'create_view':
      return c.view.dependsOn ?? []
    case 'create_object':
      return c.object.dependsOn ?? []
    case 'add_constraint':
      return c.constraint.kind === 'foreign'
        ? [qualifiedName(c.table), qualifiedName({ schema: c.constraint.constraint.refSchema, name: c.constraint.constraint.refTable })]
        : [qualifiedName(c.table)]
    case 'create_trigger':
      return [qualifiedName({ schema: c.trigger.schema, name: c.trigger.table })]
    default:
      return []
  }
}

/**
 * Keep `changes` in their order, except that a created object is pulled forward to just before
 * the first change that needs it (its key in that change's dependencies). Cycles keep the order.
 */
export function dependencyOrder(changes: Change[], caseInsensitive = false): Change[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k)
  const byKey = new Map<string, Change[]>()
  for (const c of changes) {
    const k = keyOf(c)
    if (k !== undefined) byKey.set(norm(k), [...(byKey.get(norm(k)) ?? []), c])
  }
  const state = new Map<Change, 'visiting' | 'done'>()
  const out: Change[] = []
  const visit = (c: Change) => {
    if (state.has(c)) return
    state.set(c, 'visiting')
    for (const d of depsOf(c)) for (const dep of byKey.get(norm(d)) ?? []) if (dep !== c) visit(dep)
    state.set(c, 'done')
    out.push(c)
  }
  for (const c of changes) visit(c)
  return out
}

/**
 * Keep drops in their order, except that an object is dropped before what it needs is dropped
 * (a domain before the function its check calls, an aggregate before its state function).
 */
export function dropDependencyOrder(changes: Change[], caseInsensitive = false): Change[] {
  return dependencyOrder([...changes].reverse(), caseInsensitive).reverse()
}
