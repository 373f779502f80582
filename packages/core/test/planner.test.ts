import { describe, expect, it } from 'vitest'
import { computeStatus, type HistoryRow, type Migration, PlanError, planDown, planUp } from '../src/index.js'

function mig(version: string, extra: Partial<Migration> = {}): Migration {
  const body = { file: `${version}.sql`, line: 1, template: false, read: async () => `-- ${version}` }
  return {
    id: `${version}_m${version}`,
    version,
    name: `m${version}`,
    kind: 'versioned',
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

describe('planUp', () => {
  const ms = [mig('1'), mig('2'), mig('10'), mig('20')]
  it('applies all pending in numeric order', () => {
    expect(ids(planUp(input(ms, [row('1')])))).toEqual(['2', '10', '20'])
  })
  it('limits to N, up to V, or only V', () => {
    expect(ids(planUp(input(ms, []), { steps: 2 }))).toEqual(['1', '2'])
    expect(ids(planUp(input(ms, []), { to: '10' }))).toEqual(['1', '2', '10'])
    expect(ids(planUp(input(ms, []), { only: '10' }))).toEqual(['10'])
  })
  it('refuses an unknown version', () => {
    expect(() => planUp(input(ms, []), { to: '3' })).toThrow(/no migration has version 3/)
  })
  it('stops on a modified migration', () => {
    const inp = input(ms, [row('1', { checksum: 'other' })])
    expect(() => planUp(inp)).toThrow(PlanError)
    expect(() => planUp(inp)).toThrow(/changed after being applied: 1_m1/)
  })
  it('stops on a failed migration', () => {
    expect(() => planUp(input(ms, [row('1', { status: 'failed', error: 'boom' })]))).toThrow(/failed earlier.*boom/)
  })
  it('refuses out-of-order pending migrations unless allowed', () => {
    const inp = input(ms, [row('1'), row('10')])
    expect(() => planUp(inp)).toThrow(/older than the newest applied one: 2_m2/)
    expect(ids(planUp(inp, { allowOutOfOrder: true }))).toEqual(['2', '20'])
  })
  it('skips drafts unless included', () => {
    const withDraft = [mig('1'), mig('2', { draft: true })]
    expect(ids(planUp(input(withDraft, [])))).toEqual(['1'])
    expect(ids(planUp(input(withDraft, []), { includeDrafts: true }))).toEqual(['1', '2'])
  })
})

describe('planDown', () => {
  const ms = [mig('1'), mig('2'), mig('3')]
  const hist = [row('1'), row('2'), row('3')]
  it('reverts the last one by default, newest first', () => {
    expect(ids(planDown(input(ms, hist)))).toEqual(['3'])
    expect(ids(planDown(input(ms, hist), { steps: 2 }))).toEqual(['3', '2'])
    expect(ids(planDown(input(ms, hist), { all: true }))).toEqual(['3', '2', '1'])
  })
  it('--to V keeps V', () => {
    expect(ids(planDown(input(ms, hist), { to: '1' }))).toEqual(['3', '2'])
  })
  it('--to a version that is not applied is an error', () => {
    expect(() => planDown(input(ms, [row('1')]), { to: '2' })).toThrow(/version 2 is not applied/)
  })
  it('refuses a migration without a down', () => {
    expect(() => planDown(input([mig('1', { down: null })], [row('1')]))).toThrow(/no down migration for 1_m1/)
  })
})

describe('computeStatus', () => {
  it('reports every status', () => {
    const ms = [mig('1'), mig('2'), mig('3'), mig('4', { draft: true }), mig('5'), mig('7')]
    const st = computeStatus(
      input(ms, [row('1'), row('2', { checksum: 'x' }), row('3', { status: 'failed' }), row('5', { kind: 'adopted', checksum: 'y' }), row('6')]),
    )
    expect(st.map((s) => `${s.version}:${s.status}`)).toEqual(['1:applied', '2:modified', '3:failed', '4:draft', '5:adopted', '6:missing', '7:pending'])
  })
})

describe('dotted versions (Flyway folders)', () => {
  it('a pending 1.5 below an applied 1.10 is out of order; versions sort as Flyway sorts them', () => {
    const migrations = [mig('1.10'), mig('1.5'), mig('1.2')]
    const status = computeStatus({ migrations, history: [row('1.2'), row('1.10')], checksums: new Map() })
    expect(status.map((s) => [s.version, s.status, s.outOfOrder ?? false])).toEqual([
      ['1.2', 'applied', false],
      ['1.5', 'pending', true],
      ['1.10', 'applied', false],
    ])
  })
})
