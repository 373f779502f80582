import { cmp, objectKey, type Schema } from './model.js'

/** How many objects of one kind a diff did not compare. */
export interface NotCompared {
  /** Singular kind: `rule`, `aggregate`, `publication`. */
  kind: string
  count: number
}

/**
 * Objects of `from` and `to` that the diff engine does not compare: those dumped by definition
 * only ({@link Schema.objects}) and those neither dumped nor compared ({@link Schema.unsupported}).
 * An object present on both sides counts once. Sorted by kind.
 */
export function notCompared(from: Schema, to: Schema): NotCompared[] {
  const seen = new Map<string, Set<string>>()
  const add = (kind: string, key: string) => {
    const keys = seen.get(kind) ?? new Set<string>()
    keys.add(key)
    seen.set(kind, keys)
  }
  for (const s of [from, to]) {
    for (const o of s.objects ?? []) add(o.kind, objectKey(o))
    for (const u of s.unsupported ?? []) add(u.kind, u.name)
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
 * One line naming what was not compared, e.g. `not compared: 1 aggregate, 3 rules`; undefined
 * when everything was compared.
 */
export function describeNotCompared(list: NotCompared[]): string | undefined {
  if (list.length === 0) return undefined
  return `not compared: ${list.map((n) => `${n.count} ${pluralKind(n.kind, n.count)}`).join(', ')}`
}

/** Counts by kind of `items`, as `1 aggregate, 3 rules` (kinds sorted). */
function countKinds(items: { kind: string }[]): string {
  const counts = new Map<string, number>()
  for (const i of items) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1)
  return [...counts.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([kind, n]) => `${n} ${pluralKind(kind, n)}`)
    .join(', ')
}

/**
 * What a dump of `schema` leaves to the reader, one message each (empty when nothing): objects
 * dumped by definition that diff and drift do not compare, and objects not dumped at all, by name.
 *
 * @example
 * dumpGaps(schema) // ['dumped by definition, not compared by diff or drift: 1 aggregate, 6 rules', 'not dumped: publication pub_all']
 */
export function dumpGaps(schema: Schema): string[] {
  const out: string[] = []
  if (schema.objects?.length) out.push(`dumped by definition, not compared by diff or drift: ${countKinds(schema.objects)}`)
  const missing = schema.unsupported ?? []
  if (missing.length) {
    const shown = missing.slice(0, 20).map((u) => `${u.kind} ${u.name}`)
    out.push(`not dumped (not modelled): ${shown.join(', ')}${missing.length > shown.length ? `, and ${missing.length - shown.length} more` : ''}`)
  }
  return out
}
