import { cmp, type Schema } from './model.js'

/** How many objects of one kind a diff did not compare. */
export interface NotCompared {
  /** Singular kind: `rule`, `aggregate`, `publication`. */
  kind: string
  count: number
}

/**
 * Objects of `from` and `to` that the diff engine does not compare because mig does not model them
 * ({@link Schema.unsupported}). An object present on both sides counts once. Sorted by kind.
 */
export function notCompared(from: Schema, to: Schema): NotCompared[] {
  const seen = new Map<string, Set<string>>()
  for (const s of [from, to])
    for (const u of s.unsupported ?? []) {
      const keys = seen.get(u.kind) ?? new Set<string>()
      keys.add(u.name)
      seen.set(u.kind, keys)
    }
  return [...seen.entries()].sort(([a], [b]) => cmp(a, b)).map(([kind, keys]) => ({ kind, count: keys.size }))
}

/** `policy` -> `policies`, `rule` -> `rules`: the plural of a kind for counts. */
export function pluralKind(kind: string, count: number): string {
  if (count === 1) return kind
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`
  return `${kind}s`
}

/**
 * One line naming what was not compared, e.g. `not compared: 1 grant, 2 publications`; undefined
 * when everything was compared.
 */
export function describeNotCompared(list: NotCompared[]): string | undefined {
  if (list.length === 0) return undefined
  return `not compared: ${list.map((n) => `${n.count} ${pluralKind(n.kind, n.count)}`).join(', ')}`
}

/**
 * What a dump of `schema` leaves out, one message each (empty when nothing): the objects mig saw but
 * does not model, by name.
 *
 * @example
 * dumpGaps(schema) // ['not dumped (not modelled): grant t, statistics object t_ab']
 */
export function dumpGaps(schema: Schema): string[] {
  const missing = schema.unsupported ?? []
  if (!missing.length) return []
  const shown = missing.slice(0, 20).map((u) => `${u.kind} ${u.name}`)
  return [`not dumped (not modelled): ${shown.join(', ')}${missing.length > shown.length ? `, and ${missing.length - shown.length} more` : ''}`]
}
