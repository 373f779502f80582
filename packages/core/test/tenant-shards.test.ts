import { describe, expect, it } from 'vitest'
import { assertTenantNames, parseShard, selectTenants, shardOf, TenantError } from '../src/index.js'

const names = Array.from({ length: 500 }, (_, i) => `t${i}_${(i * 7919) % 1000}`)

describe('tenant shards', () => {
  for (let n = 1; n <= 7; n++) {
    it(`are disjoint and complete for N = ${n}`, () => {
      const shards = Array.from({ length: n }, (_, i) => selectTenants(names, { shard: { index: i + 1, count: n } }))
      const all = shards.flat()
      expect(all.length).toBe(names.length)
      expect(new Set(all).size).toBe(names.length)
      expect([...all].sort()).toEqual([...names].sort())
      // every shard gets a share (no empty shard among 500 names)
      for (const s of shards) expect(s.length).toBeGreaterThan(0)
    })
  }

  it('are stable: the same name lands in the same shard every time', () => {
    expect(shardOf('acme', 3)).toBe(shardOf('acme', 3))
    // FNV-1a 32: "a" hashes to 0xe40c292c (the published test vector), "acme" to 0x45fd71af
    expect(shardOf('a', 1000)).toBe((0xe40c292c % 1000) + 1)
    expect(shardOf('acme', 3)).toBe((0x45fd71af % 3) + 1)
  })

  it('refuses bad shards and names', () => {
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/', '-1/3']) expect(() => parseShard(bad)).toThrow(TenantError)
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 })
    expect(() => assertTenantNames(['ok_1', 'Bad', 'semi;colon', 'a-b', '1x', ''])).toThrow(/"Bad", "semi;colon", "a-b", "1x", ""/)
    expect(() => selectTenants(['a', 'b'], { tenants: ['c'] })).toThrow(/no such tenant: c/)
  })
})
