import { tempProject, testDialects, type TempProject } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'

const TABLES = [
  'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT);',
  'CREATE TABLE c_t (id INTEGER PRIMARY KEY, "Odd Name" TEXT, note TEXT);',
  'CREATE TABLE t2 (id INTEGER PRIMARY KEY, name TEXT, note TEXT);',
  '',
].join('\n')

/** A header, a byte order mark, quotes, embedded commas and newlines, empty and quoted-empty fields, null_as. */
const A_CSV = '\uFEFFid,name,note\n1,"a, b",x\n2,"multi\nline",\n3,"",""\n4,plain,"say ""hi"""\n5,,\n6," spaced ",NULL\n'
/** No header (`columns=` in another order), `;` between fields, `null_as="\N"`, quoted \N, CRLF inside quotes. */
const B_CSV = 'x;10;ten\n\\N;11;"semi;colon"\n"\\N";12;\n;13;"crlf\r\ninside"\n'
/** CRLF line ends, a quoted header naming a column with a space, no null_as: empty fields stay empty strings. */
const C_CSV = 'id,"Odd Name",note\r\n20,,\r\n21,"",""\r\n22,"q""q",z\r\n'

const LOAD = [
  '{{ csv_insert("data/a.csv", "t", null_as="") }}',
  'SELECT 1;',
  '{{ csv_insert("data/b.csv", "t", columns=["note", "id", "name"], delimiter=";", null_as="\\\\N", batch=2) }}',
  '{{ csv_insert("data/c.csv", "c_t") }}',
  '',
].join('\n')

const ROWS_T = 'SELECT id, name, note FROM t ORDER BY id'
const ROWS_C = 'SELECT id, "Odd Name" AS odd, note FROM c_t ORDER BY id'

/**
 * On PostgreSQL `csv_insert` loads through COPY FROM STDIN (the driver's `loadCsv`); the rows must
 * be exactly those of its INSERT statements (`mig build` writes them out), which are run on a
 * second database and compared. A later statement that fails rolls the COPY back.
 */
describe.runIf(testDialects().some((d) => d.name === 'postgres'))('csv_insert through COPY on PostgreSQL', () => {
  const dialect = testDialects().find((d) => d.name === 'postgres')!
  const projects: TempProject[] = []
  afterAll(() => {
    for (const p of projects) p.cleanup()
  })

  it('COPY gives the rows the INSERT statements give; the checksum holds; a failure after the COPY rolls it back', async () => {
    const p = tempProject({
      'mig.toml': 'migrations = ["migrations"]\n',
      'migrations/001_tables.sql': TABLES,
      'migrations/002_load.sql.njk': LOAD,
      'data/a.csv': A_CSV,
      'data/b.csv': B_CSV,
      'data/c.csv': C_CSV,
    })
    projects.push(p)
    const copied = await dialect.createDatabase()
    const inserted = await dialect.createDatabase()
    try {
      const up = await runMig(['up', '--database', copied], p.dir)
      expect(up.code, up.stderr).toBe(0)

      // the same template's INSERT statements, written out by mig build, run on another database
      const built = await runMig(['build', '002', '--database', inserted], p.dir)
      expect(built.code, built.stderr).toBe(0)
      expect(built.stdout).toContain('INSERT INTO "t" ("id", "name", "note") VALUES')
      expect(built.stdout).toContain('INSERT INTO "c_t" ("id", "Odd Name", "note") VALUES')
      await withDriver('postgres', inserted, async (d) => {
        await d.transaction(async (tx) => {
          await d.runScript(tx, { sql: TABLES })
          await d.runScript(tx, { sql: built.stdout })
        })
      })

      const read = (url: string) => withDriver('postgres', url, async (d) => ({ t: await d.query(ROWS_T), c: await d.query(ROWS_C) }))
      const viaCopy = await read(copied)
      const viaInsert = await read(inserted)
      expect(viaCopy).toEqual(viaInsert)
      expect(viaCopy.t).toEqual([
        { id: 1, name: 'a, b', note: 'x' },
        { id: 2, name: 'multi\nline', note: null },
        { id: 3, name: null, note: null },
        { id: 4, name: 'plain', note: 'say "hi"' },
        { id: 5, name: null, note: null },
        { id: 6, name: ' spaced ', note: 'NULL' },
        { id: 10, name: 'ten', note: 'x' },
        { id: 11, name: 'semi;colon', note: null },
        { id: 12, name: '', note: null },
        { id: 13, name: 'crlf\r\ninside', note: '' },
      ])
      expect(viaCopy.c).toEqual([
        { id: 20, odd: '', note: '' },
        { id: 21, odd: '', note: '' },
        { id: 22, odd: 'q"q', note: 'z' },
      ])

      // the log keeps the template's text and each CSV's size and hash, not SQL made of the rows
      await withDriver('postgres', copied, async (d) => {
        const [log] = await d.query<{ sql_text: string }>(`SELECT sql_text FROM schema_migrations_log WHERE version = '002'`)
        expect(log!.sql_text).toContain('SELECT 1;')
        expect(log!.sql_text).toMatch(/\/\* csv_insert\("data\/a\.csv", "t", null_as=""\): \d+ bytes, sha256 [0-9a-f]{64} \*\//)
        expect(log!.sql_text).not.toContain('INSERT')
      })
      // the checksum recorded is the one computed again: nothing changed
      const status = await runMig(['status', '--database', copied], p.dir)
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toMatch(/002\s+load\s+applied/)
      // a CSV that changes changes the checksum
      p.write({ 'data/c.csv': `${C_CSV}23,x,y\r\n` })
      const changed = await runMig(['status', '--database', copied], p.dir)
      expect(changed.stdout).toMatch(/002\s+load\s+(changed|modified)/)
      p.write({ 'data/c.csv': C_CSV })

      // a statement failing after the COPY: the migration's transaction rolls the rows back
      p.write({ 'migrations/003_fail.sql.njk': '{{ csv_insert("data/a.csv", "t2", null_as="") }}\nSELECT 1/0;\n' })
      const failed = await runMig(['up', '--database', copied], p.dir)
      expect(failed.code).not.toBe(0)
      expect(failed.stderr).toContain('division by zero')
      await withDriver('postgres', copied, async (d) => {
        expect(Number((await d.query('SELECT COUNT(*) AS n FROM t2'))[0]!.n)).toBe(0)
        expect(await d.query(`SELECT status FROM schema_migrations WHERE version = '003'`)).not.toEqual([{ status: 'applied' }])
      })

      // a row COPY refuses fails the migration naming the CSV's line, and nothing of it stays
      p.write({
        'migrations/003_fail.sql.njk': '{{ csv_insert("data/bad.csv", "t2") }}\n',
        'data/bad.csv': 'id,name\n1,a\nnot a number,b\n',
      })
      const bad = await runMig(['up', '--database', copied], p.dir)
      expect(bad.code).not.toBe(0)
      expect(bad.stderr).toMatch(/invalid input syntax for type integer: "not a number" \(COPY t2, line 3/)
      await withDriver('postgres', copied, async (d) => {
        expect(Number((await d.query('SELECT COUNT(*) AS n FROM t2'))[0]!.n)).toBe(0)
      })
    } finally {
      await dialect.dropDatabase(copied)
      await dialect.dropDatabase(inserted)
    }
  })
})
