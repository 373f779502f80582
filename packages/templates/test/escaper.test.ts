import { describe, expect, it } from 'vitest'
import { mysqlDialect } from '@mig/driver-mysql'
import { postgresDialect } from '@mig/driver-postgres'
import { sqliteDialect } from '@mig/driver-sqlite'
import { createEscaper, EscapeError, SqlEscaper } from '../src/index.js'

// the escaper of each driver's dialect object, as the renderer makes it
const pg = createEscaper(postgresDialect)
const my = createEscaper(mysqlDialect)
const myNbe = createEscaper(mysqlDialect, { backslashEscapes: false })
const lite = createEscaper(sqliteDialect)

describe('literals', () => {
  it('quotes strings per dialect, doubling quotes and handling backslashes', () => {
    expect(pg.literal("O'Brien")).toBe("'O''Brien'")
    expect(pg.literal('a\\b')).toBe("E'a\\\\b'")
    expect(pg.literal("it's a\\n")).toBe("E'it''s a\\\\n'")
    expect(my.literal("O'Brien \\ x")).toBe("'O''Brien \\\\ x'")
    expect(my.literal('a\0b')).toBe("'a\\0b'")
    expect(myNbe.literal("O'Brien \\ x")).toBe("'O''Brien \\ x'")
    expect(lite.literal("O'Brien \\ x")).toBe("'O''Brien \\ x'")
    expect(lite.literal("a\0b'")).toBe("('a' || char(0) || 'b''')")
    expect(pg.literal('')).toBe("''")
    // carriage returns are escaped: core normalises line endings of the SQL that runs
    expect(pg.literal('a\r\nb')).toBe("E'a\\r\nb'")
    expect(my.literal('a\r\nb')).toBe("'a\\r\nb'")
    expect(myNbe.literal("a\r'b")).toBe("CONCAT('a', CHAR(13 USING utf8mb4), '''b')")
    expect(lite.literal('a\r\0b')).toBe("('a' || char(13) || '' || char(0) || 'b')")
  })

  it('writes numbers, booleans, null, dates, bytes and objects', () => {
    for (const e of [pg, my, lite]) {
      expect(e.literal(42)).toBe('42')
      expect(e.literal(-1.5)).toBe('-1.5')
      expect(e.literal(-0)).toBe('0')
      expect(e.literal(10n ** 20n)).toBe('100000000000000000000')
      expect(e.literal(true)).toBe('TRUE')
      expect(e.literal(false)).toBe('FALSE')
      expect(e.literal(null)).toBe('NULL')
      expect(e.literal(new Date('2024-01-02T03:04:05.000Z'))).toBe("'2024-01-02T03:04:05.000Z'")
      expect(e.literal({ a: "x'y" })).toBe(`'{"a":"x''y"}'`)
    }
    expect(pg.literal(Buffer.from([1, 255]))).toBe("decode('01ff', 'hex')")
    expect(my.literal(new Uint8Array([1, 255]))).toBe("X'01ff'")
    expect(lite.literal(Buffer.from('hi'))).toBe("X'6869'")
  })

  it('writes arrays as ARRAY[...] on PostgreSQL and as a list elsewhere', () => {
    expect(pg.literal([1, 'a', null])).toBe("ARRAY[1, 'a', NULL]")
    expect(
      pg.literal([
        [1, 2],
        [3, 4],
      ]),
    ).toBe('ARRAY[ARRAY[1, 2], ARRAY[3, 4]]')
    expect(pg.literal([])).toBe("'{}'")
    expect(my.literal([1, "b'"])).toBe("1, 'b'''")
    expect(lite.literal(['x', 2])).toBe("'x', 2")
    expect(my.literal([])).toBe('NULL')
    expect(lite.literal([])).toBe('NULL')
  })

  it('refuses what cannot be written', () => {
    expect(() => pg.literal(undefined)).toThrow(EscapeError)
    expect(() => pg.literal(Number.NaN)).toThrow(/NaN/)
    expect(() => my.literal(Number.POSITIVE_INFINITY)).toThrow(/Infinity/)
    expect(() => pg.literal('a\0b')).toThrow(/NUL/)
    expect(() => lite.literal('\ud800x')).toThrow(/surrogate/)
    expect(() => pg.literal(() => 1)).toThrow(/function/)
  })
})

describe('identifiers', () => {
  it('quotes per dialect, doubling the quote character', () => {
    expect(pg.identifier('we"ird')).toBe('"we""ird"')
    expect(my.identifier('we`ird')).toBe('`we``ird`')
    expect(lite.identifier('we"ird')).toBe('"we""ird"')
  })

  it('splits schema-qualified names on dots; arrays give parts verbatim', () => {
    expect(pg.identifier('audit.users')).toBe('"audit"."users"')
    expect(my.identifier('db.t')).toBe('`db`.`t`')
    expect(pg.identifier(['odd.name'])).toBe('"odd.name"')
    expect(lite.identifier(['main', 'a.b'])).toBe('"main"."a.b"')
  })

  it('refuses names the engine would change or reject', () => {
    expect(() => pg.identifier('')).toThrow(/empty/)
    expect(() => pg.identifier('a..b')).toThrow(/empty/)
    expect(() => lite.identifier(['a\0'])).toThrow(/NUL/)
    expect(() => pg.identifier(['a\rb'])).toThrow(/carriage return/)
    expect(() => pg.identifier(['x'.repeat(64)])).toThrow(/63 bytes/)
    expect(pg.identifier(['x'.repeat(63)])).toBe(`"${'x'.repeat(63)}"`)
    expect(() => pg.identifier(['é'.repeat(32)])).toThrow(/64 bytes/)
    expect(() => my.identifier(['x'.repeat(65)])).toThrow(/65 characters/)
    expect(() => my.identifier(['😀'])).toThrow(/Basic Multilingual Plane/)
    expect(() => my.identifier(['name '])).toThrow(/space/)
    expect(() => my.identifier(['name\t'])).toThrow(/space/)
  })
})

describe('createEscaper', () => {
  it("takes the escaping from the driver's dialect object, with the connection's backslash mode", () => {
    expect(pg).toBeInstanceOf(SqlEscaper)
    expect([pg.dialect, my.dialect, lite.dialect]).toEqual(['postgres', 'mysql', 'sqlite'])
    // MySQL's default sql_mode reads backslash escapes; the driver reports the session's mode
    expect((my as SqlEscaper).backslashEscapes).toBe(true)
    expect((myNbe as SqlEscaper).backslashEscapes).toBe(false)
    expect(() => createEscaper('postgres' as never)).toThrow(/no SQL escaper for "postgres": pass a driver's dialect object/)
    const custom = createEscaper(sqliteDialect)
    expect(createEscaper(custom)).toBe(custom)
  })
})
