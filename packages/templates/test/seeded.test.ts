import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createRenderer, seededFunctions } from '../src/index.js'
import { postgresDialect } from '@mig/driver-postgres'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('seeded template functions', () => {
  it('give the same values for the same seed, other values for another, and count their calls', () => {
    const a = seededFunctions('orders')
    const b = seededFunctions('orders')
    const values = [a.uuid_v4(), a.uuid_v7(), a.uuid_v4()]
    expect([b.uuid_v4(), b.uuid_v7(), b.uuid_v4()]).toEqual(values)
    expect(a.calls).toBe(3)
    expect(values[0]).toMatch(V4)
    expect(values[1]).toMatch(V7)
    expect(new Set(values).size).toBe(3)
    expect(seededFunctions('users').uuid_v4()).not.toBe(values[0])
  })

  it('uuid_v7 values sort in call order, from 2025-01-01', () => {
    const f = seededFunctions('x')
    const ids = Array.from({ length: 20 }, () => f.uuid_v7())
    expect([...ids].sort()).toEqual(ids)
    expect(Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2025, 0, 1))
  })

  it('override the built-in functions for one render', () => {
    const r = createRenderer({ root: mkdtempSync(join(tmpdir(), 'mig-seeded-')), dialect: postgresDialect })
    const seeds = seededFunctions('t')
    const expected = seededFunctions('t').uuid_v4()
    expect(r.renderSource('SELECT {{ uuid_v4() }};', 't.sql.njk', { globals: { uuid_v4: seeds.uuid_v4 } })).toBe(`SELECT '${expected}';`)
    expect(r.renderSource('SELECT {{ uuid_v4() }};', 't.sql.njk')).not.toBe(`SELECT '${expected}';`)
  })
})
