import { describe, expect, it } from 'vitest'
import { flattenValues, parseConfig, templatize } from '../src/index.js'

const values = { schema: 'mig00aa', region: 'mig11bb' }

describe('templatize', () => {
  it('puts a name back as | ident (quoted or not, whole or in part) and a string as a literal', () => {
    const sql =
      'CREATE TABLE mig00aa.t (r text DEFAULT \'mig11bb\'::text, s text DEFAULT \'in mig11bb\');\nCREATE VIEW "mig00aa"."v_mig11bb" AS SELECT `mig00aa`;\n'
    const { text, used } = templatize(sql, { values })
    expect(text).toBe(
      'CREATE TABLE {{ vars.schema | ident }}.t (r text DEFAULT {{ vars.region }}::text, s text DEFAULT {{ "in " ~ vars.region }});\n' +
        'CREATE VIEW {{ vars.schema | ident }}.{{ ("v_" ~ vars.region) | ident }} AS SELECT {{ vars.schema | ident }};\n',
    )
    expect([...used].sort()).toEqual(['region', 'schema'])
  })
  it("reads escapes where the dialect or E'…' says so, and doubled quotes", () => {
    expect(templatize("SELECT E'a\\'mig11bb', 'it''s mig11bb'", { values }).text).toBe(`SELECT {{ "a'" ~ vars.region }}, {{ "it's " ~ vars.region }}`)
    expect(templatize("SELECT 'a\\'mig11bb'", { values, backslashEscapes: true }).text).toBe(`SELECT {{ "a'" ~ vars.region }}`)
    expect(templatize('SELECT "a""mig00aa"', { values }).text).toBe('SELECT {{ ("a\\"" ~ vars.schema) | ident }}')
  })
  it('keeps text without values as it is, escaping what would open a template tag', () => {
    const { text, used } = templatize("SELECT '{{x}}', '{%', '{#' -- a comment\n", { values })
    expect(text).toBe(`SELECT '{{ "{" | raw }}{x}}', '{{ "{" | raw }}%', '{{ "{" | raw }}#' -- a comment\n`)
    expect(used.size).toBe(0)
  })
  it('a value in a comment is printed raw', () => {
    expect(templatize('/* for mig00aa */ SELECT 1', { values }).text).toBe('{{ ("/* for " ~ vars.schema ~ " */") | raw }} SELECT 1')
    expect(templatize('SELECT 1 -- for mig00aa\n', { values }).text).toBe('SELECT 1 {{ ("-- for " ~ vars.schema) | raw }}\n')
  })
  it('a dotted name with a value is a list, which | ident does not split', () => {
    expect(templatize('SELECT "a.mig00aa"', { values }).text).toBe('SELECT {{ ["a." ~ vars.schema] | ident }}')
  })
})

describe('flattenValues', () => {
  it('gives each variable its own value, a plain lowercase name', () => {
    const v = flattenValues(['a', 'b'])
    expect(v.a).not.toBe(v.b)
    expect(v.a).toMatch(/^[a-z][a-z0-9]+$/)
  })
})

describe('[flatten] in mig.toml', () => {
  it('reads vars, and rejects unknown keys and other shapes', () => {
    expect(parseConfig('[flatten]\nvars = ["schema"]\n', '/p/mig.toml').flatten).toEqual({ vars: ['schema'] })
    expect(() => parseConfig('[flatten]\nvar = ["schema"]\n', '/p/mig.toml')).toThrow(/flatten\.var: unknown key .*did you mean "vars"/)
    expect(() => parseConfig('[flatten]\nvars = "schema"\n', '/p/mig.toml')).toThrow(/flatten\.vars: must be a list of variable names/)
  })
})
