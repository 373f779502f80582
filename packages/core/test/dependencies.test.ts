import { describe, expect, it } from 'vitest'
import { computeStatus, directory, discover, type HistoryRow, type Migration, orderByDependencies, PlanError, planDown, planUp, ProjectError } from '../src/index.js'
import { project } from './temp-project.js'


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
  return { id: rep ? version : `${version}_m${version}`, version, name: rep ? version.slice(3) : `m${version}`, kind: rep ? 'repeatable' : 'versioned', source: 'migrations', path: `${version}.sql`, up: body, down: body, verify: null, transaction: true, depends: [], draft: false, scope: 'shared', ...extra }
}
function row(version: string, extra: Partial<HistoryRow> = {}): HistoryRow {
  return { version, name: `m${version}`, kind: 'versioned', checksum: `sum${version}`, appliedAt: new Date(0), durationMs: 1, appliedBy: 'me', scope: 'shared', status: 'applied', error: null, statementIndex: null, statementLine: null, ...extra }
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
