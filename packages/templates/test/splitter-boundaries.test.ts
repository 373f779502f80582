/**
 * Property: rendered literals never move statement boundaries. 10,000 random strings rendered as
 * `SELECT <literal> AS c;` lines, line endings normalised as core does, split with core's splitter
 * under each driver's options, must give back exactly one statement per string.
 */
import { normalizeNewlines, type SplitOptions, type SqlDialect, splitStatements } from '@mig/core'
import { type TempProject, tempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlDialect } from '@mig/driver-mysql'
import { postgresDialect } from '@mig/driver-postgres'
import { sqliteDialect } from '@mig/driver-sqlite'
import { createRenderer } from '../src/index.js'
import { prng, randomString } from './random-strings.js'

const COUNT = 10_000
const SEED = Number(process.env.MIG_ESCAPE_SEED ?? Math.floor(Math.random() * 2 ** 31))

const CASES: { name: string; dialect: SqlDialect; nbe?: boolean; split: SplitOptions; nul: boolean }[] = [
  { name: 'postgres', dialect: postgresDialect, split: {}, nul: false },
  { name: 'sqlite', dialect: sqliteDialect, split: {}, nul: true },
  { name: 'mysql', dialect: mysqlDialect, split: { delimiterCommand: true, backslashEscapes: true }, nul: true },
  { name: 'mysql (NO_BACKSLASH_ESCAPES)', dialect: mysqlDialect, nbe: true, split: { delimiterCommand: true, backslashEscapes: false }, nul: true },
]

let project: TempProject
beforeAll(() => {
  project = tempProject()
})
afterAll(() => project.cleanup())

describe('statement boundaries survive escaping', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const rng = prng(SEED)
      const strings = Array.from({ length: COUNT }, () => randomString(rng, { maxLength: 40, nul: c.nul, astral: true }))
      const renderer = createRenderer({ root: project.dir, dialect: c.dialect, backslashEscapes: c.nbe === undefined ? undefined : !c.nbe, vars: { strings } })
      const sql = normalizeNewlines(renderer.renderSource('{% for s in vars.strings %}SELECT {{ s }} AS c;\n{% endfor %}', 'split.sql.njk'))
      const statements = splitStatements(sql, c.split)
      const expected = strings.map((s) => `SELECT ${normalizeNewlines(renderer.escaper.literal(s))} AS c`)
      const got = statements.map((s) => s.sql.trim().replace(/;$/, ''))
      const mismatches = expected.filter((e, i) => got[i] !== e).length
      console.log(`splitter ${c.name}: ${COUNT} strings (seed ${SEED}), ${statements.length} statements, ${mismatches} mismatches`)
      expect(statements.length).toBe(COUNT)
      expect(mismatches).toBe(0)
    })
  }
})
