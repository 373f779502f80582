import { describe, expect, it, onTestFinished } from 'vitest'
import {
  compareVersions,
  computeStatus,
  directory,
  discover,
  type HistoryRow,
  type Migration,
  orderByDependencies,
  PlanError,
  planDown,
  planUp,
  ProjectError,
} from '../src/index.js'
import { tempProject } from '../src/testing/index.js'

/** A temporary folder with these files, removed after the test. */
function project(files: Record<string, string>): string {
  const p = tempProject(files)
  onTestFinished(p.cleanup)
  return p.dir
}

async function problems(files: Record<string, string>): Promise<string[]> {
  const dir = project(files)
  try {
    await discover([directory(dir)])
  } catch (err) {
    expect(err).toBeInstanceOf(ProjectError)
    return (err as ProjectError).problems.map((p) => p.message)
  }
  throw new Error('expected a ProjectError')
}

function mig(version: string, extra: Partial<Migration> = {}): Migration {
  const body = { file: `${version}.sql`, line: 1, template: false, read: async () => `-- ${version}` }
  const rep = version.startsWith('R__')
  return {
    id: rep ? version : `${version}_m${version}`,
    version,
    name: rep ? version.slice(3) : `m${version}`,
    kind: rep ? 'repeatable' : 'versioned',
    source: 'migrations',
    path: `${version}.sql`,
    up: body,
    down: body,
    verify: null,
    transaction: true,
    depends: [],
    draft: false,
    scope: 'shared',
    ...extra,
  }
}
function row(version: string, extra: Partial<HistoryRow> = {}): HistoryRow {
  return {
    version,
    name: `m${version}`,
    kind: 'versioned',
    checksum: `sum${version}`,
    appliedAt: new Date(0),
    durationMs: 1,
    appliedBy: 'me',
    scope: 'shared',
    status: 'applied',
    error: null,
    statementIndex: null,
    statementLine: null,
    ...extra,
  }
}
function input(migrations: Migration[], history: HistoryRow[]) {
  return { migrations, history, checksums: new Map(migrations.map((m) => [m.id, `sum${m.version}`])) }
}
const ids = (ms: Migration[]) => ms.map((m) => m.version)

describe('dependencies in discovery', () => {
  it('resolves versions, ids and R__ names to versions', async () => {
    const dir = project({
      '1_a.sql': '',
      '2_b.sql': '-- mig:depends 1_a R__v\nSELECT 1;',
      'R__v.sql': '-- mig:depends 1\nSELECT 1;',
      '3_c/up.sql': '',
      '3_c/meta.toml': 'depends = ["0002"]\n',
    })
    const ms = await discover([directory(dir)])
    expect(Object.fromEntries(ms.map((m) => [m.id, m.depends]))).toEqual({ '1_a': [], '2_b': ['1', 'R__v'], '3_c': ['2'], R__v: ['1'] })
  })
  it('a depends on a missing version is a problem naming both', async () => {
    expect(await problems({ '1_a.sql': '-- mig:depends 99\nSELECT 1;' })).toEqual(['1_a depends on 99, which does not exist'])
  })
  it('a cycle names every migration in it', async () => {
    const msgs = await problems({
      '1_a.sql': '-- mig:depends 3\nSELECT 1;',
      '2_b.sql': '-- mig:depends 1\nSELECT 1;',
      '3_c.sql': '-- mig:depends 2\nSELECT 1;',
      '4_d.sql': 'SELECT 1;',
      'R__x.sql': '-- mig:depends R__y\nSELECT 1;',
      'R__y.sql': '-- mig:depends R__x\nSELECT 1;',
    })
    expect(msgs.sort()).toEqual(['dependency cycle: 1_a -> 3_c -> 2_b -> 1_a', 'dependency cycle: R__x -> R__y -> R__x'])
  })
})

describe('ordering and planning with dependencies', () => {
  it('repeatables follow their declared dependencies, then name', () => {
    const ms = [mig('1'), mig('R__a', { depends: ['R__c'] }), mig('R__b'), mig('R__c')]
    expect(ids(planUp(input(ms, [])))).toEqual(['1', 'R__b', 'R__c', 'R__a'])
  })
  it('orderByDependencies is stable and reversible', () => {
    const ms = [mig('1', { depends: ['3'] }), mig('2'), mig('3')]
    expect(ids(orderByDependencies(ms))).toEqual(['2', '3', '1'])
    expect(ids(orderByDependencies(ms, true))).toEqual(['1', '2', '3'])
  })
  it('an older pending migration whose dependencies are applied is not out of order', () => {
    const ms = [mig('1'), mig('2', { depends: ['1'] }), mig('3')]
    expect(ids(planUp(input(ms, [row('1'), row('3')])))).toEqual(['2'])
    expect(computeStatus(input(ms, [row('1'), row('3')])).find((s) => s.version === '2')!.outOfOrder).toBeUndefined()
    expect(computeStatus(input([mig('1'), mig('2'), mig('3')], [row('1'), row('3')])).find((s) => s.version === '2')!.outOfOrder).toBe(true)
  })
  it('an older pending migration without depends, or with an unapplied one, is refused', () => {
    expect(() => planUp(input([mig('1'), mig('2'), mig('3')], [row('1'), row('3')]))).toThrow(/older than the newest applied one: 2_m2/)
    const ms = [mig('1'), mig('2', { depends: ['4'] }), mig('3'), mig('4')]
    expect(() => planUp(input(ms, [row('1'), row('3')]))).toThrow(/older than the newest applied one: 2_m2/)
  })
  it('a dependency that is not applied and not in the run is an error', () => {
    const ms = [mig('1'), mig('2', { depends: ['3'] }), mig('3')]
    expect(() => planUp(input(ms, []), { to: '2' })).toThrow(/2_m2 depends on 3_m3, which is not applied and is not part of this run/)
    expect(() => planUp(input(ms, []), { only: '2' })).toThrow(PlanError)
    const drafty = [mig('1', { draft: true }), mig('2', { depends: ['1'] })]
    expect(() => planUp(input(drafty, []))).toThrow(/a draft; pass --include-drafts/)
    expect(ids(planUp(input(drafty, []), { includeDrafts: true }))).toEqual(['1', '2'])
  })
  it('a pending dependency with a later version is applied first', () => {
    const ms = [mig('1', { depends: ['2'] }), mig('2')]
    expect(ids(planUp(input(ms, [])))).toEqual(['2', '1'])
  })
  it('down refuses to revert what an applied migration depends on, unless forced', () => {
    const ms = [mig('1'), mig('2'), mig('3', { depends: ['1'] })]
    const hist = [row('1'), row('2'), row('3')]
    expect(ids(planDown(input(ms, hist)))).toEqual(['3'])
    expect(() => planDown(input(ms, hist), { all: true })).not.toThrow()
    const inp = input([mig('1'), mig('2', { depends: ['1'] }), mig('3')], hist)
    expect(ids(planDown(inp, { steps: 2 }))).toEqual(['3', '2'])
    const blocked = input([mig('1'), mig('2'), mig('3'), mig('R__v', { depends: ['3'] })], [...hist, row('R__v', { kind: 'repeatable' })])
    expect(() => planDown(blocked)).toThrow(/cannot roll back: 3_m3 is needed by R__v/)
    expect(ids(planDown(blocked, { force: true }))).toEqual(['3'])
    // dependents inside the same batch are reverted first
    const inBatch = input([mig('1', { depends: ['2'] }), mig('2'), mig('3')], hist)
    expect(ids(planDown(inBatch, { all: true }))).toEqual(['3', '1', '2'])
  })
})

/** The first implementation of orderByDependencies (quadratic), kept as the reference for the fast one. */
function referenceOrder(list: Migration[], reverse = false): Migration[] {
  const pos = new Map(list.map((m, i) => [m.version, i]))
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
    const pick = next ?? list.find((m) => !done.has(m.version))!
    done.add(pick.version)
    out.push(pick)
  }
  return out
}

describe('orderByDependencies', () => {
  it('orders like the reference implementation on random graphs, forwards and in reverse', () => {
    let seed = 42
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let round = 0; round < 300; round++) {
      const n = 1 + rand(30)
      const versions = Array.from({ length: n }, (_, i) => String(i + 1))
      const ms = versions.map((v, i) => {
        // acyclic: depend only on later-listed or earlier-listed versions by a fixed rank, plus unknown versions
        const depends: string[] = []
        for (let k = rand(4); k > 0; k--) {
          const j = rand(n)
          if (j !== i && (round % 2 ? j > i : j < i)) depends.push(versions[j]!)
        }
        if (rand(5) === 0) depends.push('999')
        return mig(v, { depends })
      })
      const shuffled = [...ms].sort(() => rand(3) - 1)
      for (const reverse of [false, true]) expect(ids(orderByDependencies(shuffled, reverse))).toEqual(ids(referenceOrder(shuffled, reverse)))
    }
  })
  it('keeps the input order without dependencies, and returns a new array', () => {
    const ms = [mig('3'), mig('1'), mig('2')]
    const out = orderByDependencies(ms)
    expect(ids(out)).toEqual(['3', '1', '2'])
    expect(out).not.toBe(ms)
  })
  it('orders 5,000 chained migrations quickly', () => {
    const ms = Array.from({ length: 5000 }, (_, i) => mig(String(i + 1), { depends: i ? [String(i)] : [] })).reverse()
    const t = performance.now()
    const out = orderByDependencies(ms)
    expect(performance.now() - t).toBeLessThan(1000)
    expect(out[0]!.version).toBe('1')
    expect(out.at(-1)!.version).toBe('5000')
  })
})

describe('compareVersions', () => {
  it('compares digit strings as numbers, like BigInt', () => {
    const samples = [
      '0',
      '00',
      '1',
      '01',
      '001',
      '9',
      '10',
      '010',
      '20240115100000',
      '020240115100000',
      '20240115100001',
      '99999999999999999999',
      '100000000000000000000',
      '0000000000000000000000000000001',
    ]
    for (const a of samples) {
      for (const b of samples) {
        const x = BigInt(a)
        const y = BigInt(b)
        expect(compareVersions(a, b)).toBe(x < y ? -1 : x > y ? 1 : 0)
      }
    }
  })
})
