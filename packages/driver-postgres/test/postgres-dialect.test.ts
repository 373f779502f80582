import { describe, expect, it } from 'vitest'
import { advisoryKey, inlineParams, postgresConfig, toNumberedPlaceholders } from '../src/index.js'
import { withoutPsqlRestrict } from '../src/postgres-dialect.js'

describe('placeholders', () => {
  it('numbers ? outside quotes, comments and dollar bodies', () => {
    expect(toNumberedPlaceholders(`SELECT ?, '?', "a?", $$?$$, $t$ ? $t$ -- ?\n, ? /* ? */`)).toBe(`SELECT $1, '?', "a?", $$?$$, $t$ ? $t$ -- ?\n, $2 /* ? */`)
    // E'' escapes, '' inside quotes, $ inside identifiers, a trailing placeholder, unterminated quotes
    expect(toNumberedPlaceholders(`SELECT E'\\'?', 'it''s ?', a$b?, ?`)).toBe(`SELECT E'\\'?', 'it''s ?', a$b$1, $2`)
    expect(toNumberedPlaceholders(`SELECT ? '?`)).toBe(`SELECT $1 '?`)
    expect(toNumberedPlaceholders('no placeholders at all')).toBe('no placeholders at all')
  })

  it('inlines parameters as literals, E-quoting backslashes', () => {
    const at = new Date('2024-01-15T10:00:00.000Z')
    expect(inlineParams('INSERT INTO t VALUES (?, ?, ?, ?, ?)', ["it's", 'a\\b', 3, null, at])).toBe(
      `INSERT INTO t VALUES ('it''s',  E'a\\\\b', 3, NULL, '2024-01-15T10:00:00.000Z')`,
    )
    expect(() => inlineParams('SELECT ?, ?', [1])).toThrow(/placeholders/)
  })
})

describe('postgresConfig', () => {
  it('turns ?search_path= into a connection option and sets application_name', () => {
    const c = postgresConfig('postgres://u:p@h:5433/db?search_path=app,public&sslmode=disable')
    expect(c.options).toBe('-c search_path="app","public"')
    expect(c.application_name).toBe('mig')
    expect(c.connectionString).toBe('postgres://u:p@h:5433/db?sslmode=disable')
  })
})

describe('advisoryKey', () => {
  it('is a stable signed 64-bit key per name', () => {
    expect(advisoryKey('mig:schema_migrations')).toBe(advisoryKey('mig:schema_migrations'))
    expect(advisoryKey('mig:a')).not.toBe(advisoryKey('mig:b'))
    expect(advisoryKey('mig:a') >= -(2n ** 63n) && advisoryKey('mig:a') < 2n ** 63n).toBe(true)
  })
})

describe('withoutPsqlRestrict', () => {
  it("turns pg_dump's psql \\restrict lines into comments of the same length", () => {
    const dump = '--\n\\restrict abc123\n\nSET x = 1;\n\\unrestrict abc123\n'
    const out = withoutPsqlRestrict(dump)
    expect(out).toBe('--\n--estrict abc123\n\nSET x = 1;\n--nrestrict abc123\n')
    expect(out.length).toBe(dump.length)
    expect(withoutPsqlRestrict("SELECT '\\restrict';")).toBe("SELECT '\\restrict';")
  })
})
