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
  let anyDepends = false
  for (const m of migrations) {
    byRef.set(m.version, m)
    byRef.set(m.id, m)
    // a version with leading zeros is also found by its number (0042 by 42)
    if (m.version.length > 1 && m.version[0] === '0' && /^\d+$/.test(m.version)) byRef.set(BigInt(m.version).toString(), m)
    if (m.depends.length) anyDepends = true
  }
  // most projects declare no dependencies: nothing to resolve, no cycle possible
  if (!anyDepends) return problems
  for (const m of migrations) {
    if (!m.depends.length) continue
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
    const next = path
      .at(-1)!
      .depends.map((d) => set.get(d))
      .find((m) => m && !seen.has(m.version))
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
  const pos = new Map<string, number>()
  for (let i = 0; i < list.length; i++) pos.set(list[i]!.version, i)
  // edges by position: waiting[i] = how many of i's predecessors are not placed yet; next[j] = what j unblocks
  const waiting = new Array<number>(list.length).fill(0)
  const next: number[][] = list.map(() => [])
  let edges = 0
  for (let i = 0; i < list.length; i++) {
    const seen = new Set<number>()
    for (const d of list[i]!.depends) {
      const j = pos.get(d)
      if (j === undefined || j === i || seen.has(j)) continue
      seen.add(j)
      const [from, to] = reverse ? [i, j] : [j, i]
      next[from]!.push(to)
      waiting[to]!++
      edges++
    }
  }
  if (!edges) return [...list]
  // Kahn's algorithm, always taking the first ready migration in input order (a min-heap of positions)
  const heap: number[] = []
  const push = (x: number) => {
    heap.push(x)
    for (let k = heap.length - 1; k > 0; ) {
      const p = (k - 1) >> 1
      if (heap[p]! <= x) break
      heap[k] = heap[p]!
      heap[p] = x
      k = p
    }
  }
  const pop = (): number => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length) {
      heap[0] = last
      for (let k = 0; ; ) {
        const l = 2 * k + 1
        const r = l + 1
        let m = k
        if (l < heap.length && heap[l]! < heap[m]!) m = l
        if (r < heap.length && heap[r]! < heap[m]!) m = r
        if (m === k) break
        const t = heap[k]!
        heap[k] = heap[m]!
        heap[m] = t
        k = m
      }
    }
    return top
  }
  for (let i = 0; i < list.length; i++) if (!waiting[i]) push(i)
  const done = new Array<boolean>(list.length).fill(false)
  const out: Migration[] = []
  let firstUndone = 0
  while (out.length < list.length) {
    let pick: number
    if (heap.length) pick = pop()
    else {
      // A cycle cannot reach here (discovery rejects them); keep input order if it does.
      while (done[firstUndone]) firstUndone++
      pick = firstUndone
    }
    if (done[pick]) continue
    done[pick] = true
    out.push(list[pick]!)
    for (const t of next[pick]!) if (--waiting[t]! === 0 && !done[t]) push(t)
  }
  return out
}
