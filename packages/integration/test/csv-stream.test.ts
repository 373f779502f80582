import { tempProject, testDialects, type TempProject, writeCsv } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GNU_TIME, runMig, runMigMeasured, withDriver } from './cli.js'

const MIB = 1024 * 1024
/** Size of the CSV (MiB): `MIG_TEST_CSV_MIB`, default 32. */
const CSV_MIB = Number(process.env.MIG_TEST_CSV_MIB ?? 32)
/** Old-generation heap of the mig process (MiB): far below the CSV and the SQL made from it. */
const HEAP_MB = 32
/** A loose peak RSS ceiling (KiB); the precise targets are in bench/run.mjs. */
const RSS_LIMIT_KB = 200 * 1024

const TEMPLATE = [
  'CREATE TABLE big (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, note VARCHAR(40));',
  '{{ csv_insert("data/big.csv", "big", batch=1000, null_as="") }}',
  "INSERT INTO big (id, name) VALUES (0, 'last');",
  '',
].join('\n')

/**
 * A template loading a large CSV with `csv_insert` applies through the built CLI with the heap
 * capped far below the file (so the CSV or its SQL held whole would abort the process), every row
 * arriving, NULLs and quotes intact; a pinned CSV is what is applied after the working file changes.
 */
describe('large CSV through templates, streamed', () => {
  const projects: TempProject[] = []
  let project: TempProject
  let rows: number
  beforeAll(() => {
    project = tempProject({ 'mig.toml': 'migrations = ["migrations"]\n', 'migrations/001_load.sql.njk': TEMPLATE })
    projects.push(project)
    project.write({ 'data/.keep': '' })
    rows = writeCsv(project.path('data/big.csv'), CSV_MIB * MIB)
  })
  afterAll(() => {
    for (const p of projects) p.cleanup()
  })

  for (const dialect of testDialects()) {
    it(`${dialect.name}: ${CSV_MIB} MiB of CSV applied with a ${HEAP_MB} MiB heap; rows, NULLs and quotes arrive`, async () => {
      const url = await dialect.createDatabase()
      try {
        const up = await runMigMeasured(['up', '--database', url], project.dir, HEAP_MB)
        expect(up.code, up.stderr).toBe(0)
        console.log(
          `${dialect.name}: csv_insert of ${CSV_MIB} MiB (${rows} rows): ${up.wallMs} ms, peak RSS ${up.peakRssKb ? `${(up.peakRssKb / 1024).toFixed(0)} MiB` : 'n/a'}`,
        )
        if (GNU_TIME) expect(up.peakRssKb).toBeLessThan(RSS_LIMIT_KB)
        await withDriver(dialect.name, url, async (d) => {
          expect(Number((await d.query('SELECT COUNT(*) AS n FROM big'))[0]!.n)).toBe(rows + 1)
          expect(Number((await d.query('SELECT COUNT(*) AS n FROM big WHERE note IS NULL'))[0]!.n)).toBe(Math.floor(rows / 3) + 1)
          expect(await d.query('SELECT name, note FROM big WHERE id = 2')).toEqual([{ name: `name 2, ${'p'.repeat(40)}`, note: 'a "quoted" note' }])
          const [row] = await d.query(`SELECT status FROM schema_migrations WHERE version = '001'`)
          expect(row).toMatchObject({ status: 'applied' })
        })
        const status = await runMig(['status', '--database', url], project.dir)
        expect(status.code, status.stderr).toBe(0)
        expect(status.stdout).toMatch(/001\s+load\s+applied/)
      } finally {
        await dialect.dropDatabase(url)
      }
    })
  }

  it('pinned: the CSV as pinned is applied after the working file changes', async () => {
    const p = tempProject({
      'mig.toml': 'migrations = ["migrations"]\n',
      'migrations/001_load.sql.njk': TEMPLATE,
      'data/big.csv': 'id,name,note\n1,a,x\n2,b,\n',
    })
    projects.push(p)
    expect((await runMig(['pin', '001'], p.dir)).code).toBe(0)
    p.write({ 'data/big.csv': 'id,name,note\n7,changed,x\n' })
    const up = await runMig(['up', '--database', 'sqlite:./t.db'], p.dir)
    expect(up.code, up.stderr).toBe(0)
    await withDriver('sqlite', p.path('t.db'), async (d) => {
      expect(await d.query('SELECT id, name, note FROM big ORDER BY id')).toEqual([
        { id: 0, name: 'last', note: null },
        { id: 1, name: 'a', note: 'x' },
        { id: 2, name: 'b', note: null },
      ])
    })
  })
})
