/**
 * Dependencies between migrations (`-- mig:depends`, `depends` in meta.toml, `dependsOn` in code):
 * resolving references, finding missing targets and cycles, and ordering by them.
 */
import type { DiscoveryProblem } from './discovery.js'
import type { Migration } from './migration.js'

/**
 * Rewrite every `depends` entry to the version it names. An entry may be a version
 * (`20240115100000`), a migration id (`20240115100000_create_users`) or a repeatable
 * (`R__views`). Returns a problem for each entry that names no migration and for each cycle;
 * a cycle problem names every migration in it, in order.
 */
export function resolveDependencies(migrations: Migration[]): DiscoveryProblem[] {
  const problems: DiscoveryProblem[] = []
  const byRef = new Map<string, Migration>()
  for (const m of migrations) {
    byRef.set(m.version, m)
    byRef.set(m.id, m)
    if (/^\d+$/.test(m.version)) byRef.set(BigInt(m.version).toString(), m)
  }
  for (const m of migrations) {
    const resolved: string[] = []
    for (const ref of m.depends) {
      const target = byRef.get(ref) ?? (/^\d+$/.test(ref) ? byRef.get(BigInt(ref).toString()) : undefined)
      if (!target) {
        problems.push({ file: m.path, message: `${m.id} depends on ${ref}, which does not exist` })
        continue
      }
      if (target === m) {
        problems.push({ file: m.path, message: `${m.id} depends on itself` })
        continue
      }
      if (!resolved.includes(target.version)) resolved.push(target.version)
    }
    m.depends = resolved
  }
  for (const cycle of findCycles(migrations)) {
    const names = cycle.map((m) => m.id)
    problems.push({ file: cycle[0]!.path, message: `dependency cycle: ${[...names, names[0]].join(' -> ')}` })
  }
  return problems
}

/** Every cycle (strongly connected component of more than one migration) in the dependency graph. */
export function findCycles(migrations: Migration[]): Migration[][] {
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: Migration[][] = []
  let counter = 0
  const visit = (v: string) => {
    index.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    onStack.add(v)
    for (const w of byVersion.get(v)?.depends ?? []) {
      if (!byVersion.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1) out.push(orderCycle(scc.map((x) => byVersion.get(x)!)))
    }
  }
  for (const m of migrations) if (!index.has(m.version)) visit(m.version)
  return out
}

/** Order the members of a cycle along its edges, starting from the first in sort order. */
function orderCycle(members: Migration[]): Migration[] {
  const set = new Map(members.map((m) => [m.version, m]))
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : 1))
  const path: Migration[] = [sorted[0]!]
  const seen = new Set([sorted[0]!.version])
  for (;;) {
    const next = path.at(-1)!.depends.map((d) => set.get(d)).find((m) => m && !seen.has(m.version))
    if (!next) break
    path.push(next)
    seen.add(next.version)
  }
  for (const m of sorted) if (!seen.has(m.version)) path.push(m)
  return path
}

/**
 * Stable topological order: each migration comes after the migrations of `list` it depends on,
 * otherwise the input order is kept. Dependencies outside `list` are ignored.
 * `reverse` orders dependents first (for rolling back).
 */
export function orderByDependencies(list: Migration[], reverse = false): Migration[] {
  const pos = new Map(list.map((m, i) => [m.version, i]))
  // edges: before[x] = migrations that must come before x
  const before = new Map<string, Set<string>>(list.map((m) => [m.version, new Set()]))
  for (const m of list) {
    for (const d of m.depends) {
      if (!pos.has(d)) continue
      if (reverse) before.get(d)!.add(m.version)
      else before.get(m.version)!.add(d)
    }
  }
  const done = new Set<string>()
  const out: Migration[] = []
  while (out.length < list.length) {
    const next = list.find((m) => !done.has(m.version) && [...before.get(m.version)!].every((d) => done.has(d)))
    // A cycle cannot reach here (discovery rejects them); keep input order if it does.
    const pick = next ?? list.find((m) => !done.has(m.version))!
    done.add(pick.version)
    out.push(pick)
  }
  return out
}
