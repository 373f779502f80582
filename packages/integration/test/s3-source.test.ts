import { STREAM_THRESHOLD } from '@mig/core'
import { tempProject, testDialects, type TempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMig, tableNames, withDriver } from './cli.js'
import { s3Env, type S3TestServer, startCuttingProxy, startS3 } from './s3-server.js'

/** A plain-SQL file over the streaming threshold: a table and many one-row INSERTs. */
function largeSql(rows: number): string {
  let text = 'CREATE TABLE big (id INTEGER PRIMARY KEY, payload VARCHAR(100) NOT NULL);\n'
  for (let i = 1; i <= rows; i++) text += `INSERT INTO big (id, payload) VALUES (${i}, '${'y'.repeat(60)}');\r\n`
  return text
}

const ROWS = 25_000
const FILES: Record<string, string> = {
  '001_users.sql': '-- mig:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- mig:down\nDROP TABLE users;\n',
  '002_big.up.sql': largeSql(ROWS),
  '002_big.down.sql': 'DROP TABLE big;\n',
  '003_posts/up.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n',
  '003_posts/down.sql': 'DROP TABLE posts;\n',
  'R__view.sql': 'DROP VIEW IF EXISTS answer;\nCREATE VIEW answer AS SELECT 42 AS value;\n',
}

const toml = (entry: string, endpoint: string) => `migrations = ["${entry}"]\n\n[s3]\nendpoint = "${endpoint}"\nforce_path_style = true\n`

/**
 * `migrations = ["s3://bucket/prefix"]` through the built CLI against a real S3-compatible server
 * (s3rver, in this process): listed over several pages, applied, the large file streamed; every
 * checksum equals the same files' in a local folder; failures name the s3 URL.
 */
describe('s3:// migration sources', () => {
  let s3: S3TestServer
  const projects: TempProject[] = []
  const project = (files: Record<string, string>) => {
    const p = tempProject(files)
    projects.push(p)
    return p
  }
  beforeAll(async () => {
    s3 = await startS3()
    // more objects than one ListObjectsV2 page (1000 keys): the listing must follow the pages
    const filler: Record<string, string> = {}
    for (let i = 0; i < 1005; i++) filler[`many/notes/${String(i).padStart(4, '0')}.txt`] = 'x'
    await s3.bucket('mig-migrations', {
      ...Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`app/db/${k}`, v])),
      ...filler,
      'many/1_a.sql': 'CREATE TABLE paged (id INTEGER);\n',
    })
    expect(Buffer.byteLength(FILES['002_big.up.sql']!)).toBeGreaterThan(STREAM_THRESHOLD)
  })
  afterAll(async () => {
    for (const p of projects) p.cleanup()
    await s3?.close()
  })

  for (const dialect of testDialects()) {
    it(`${dialect.name}: up, status and down from S3; checksums equal the same files on disk`, async () => {
      const remoteUrl = await dialect.createDatabase()
      const localUrl = await dialect.createDatabase()
      try {
        const remote = project({ 'mig.toml': toml('s3://mig-migrations/app/db', s3.endpoint) })
        const env = s3Env(remote.dir)
        const up = await runMig(['up', '--database', remoteUrl], remote.dir, env)
        expect(up.code, up.stderr).toBe(0)
        expect(up.stdout).toMatch(/Applying 002_big\.\.\. done/)
        const status = await runMig(['status', '--database', remoteUrl], remote.dir, env)
        expect(status.code, status.stderr).toBe(0)
        expect(status.stdout).toMatch(/002\s+big\s+applied/)

        const local = project({
          'mig.toml': 'migrations = ["migrations"]\n',
          ...Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`migrations/${k}`, v])),
        })
        const localUp = await runMig(['up', '--database', localUrl], local.dir)
        expect(localUp.code, localUp.stderr).toBe(0)

        const sums = (url: string) =>
          withDriver(dialect.name, url, async (d) => {
            expect(Number((await d.query('SELECT COUNT(*) AS n FROM big'))[0]!.n)).toBe(ROWS)
            return d.query('SELECT version, checksum FROM schema_migrations ORDER BY version')
          })
        const remoteSums = await sums(remoteUrl)
        expect(remoteSums.map((r) => r.version)).toEqual(['001', '002', '003', 'R__view'])
        expect(remoteSums).toEqual(await sums(localUrl))

        const down = await runMig(['down', '--all', '--database', remoteUrl], remote.dir, env)
        expect(down.code, down.stderr + down.stdout).toBe(0)
        await withDriver(dialect.name, remoteUrl, async (d) => {
          expect(await d.query(`SELECT version FROM schema_migrations WHERE version <> 'R__view'`)).toEqual([])
        })
      } finally {
        await dialect.dropDatabase(remoteUrl)
        await dialect.dropDatabase(localUrl)
      }
    })
  }

  it('lists every page of a prefix with more than 1000 objects', async () => {
    const p = project({ 'mig.toml': toml('s3://mig-migrations/many', s3.endpoint) })
    const r = await runMig(['status', '--database', 'sqlite:./t.db'], p.dir, s3Env(p.dir))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/1\s+a\s+pending/)
  })

  it('a template streams a CSV from S3 with csv_insert', async () => {
    let csv = 'id,name\n'
    for (let i = 1; i <= 30_000; i++) csv += `${i},"row ${i}, from s3"\n`
    await s3.bucket('mig-data', { 'exports/rows.csv': csv })
    const toml = `migrations = ["migrations"]\n\n[s3]\nendpoint = "${s3.endpoint}"\nforce_path_style = true\n`
    const p = project({
      'mig.toml': toml,
      'migrations/001_load.sql.njk':
        'CREATE TABLE rows_from_s3 (id INTEGER PRIMARY KEY, name VARCHAR(40));\n{{ csv_insert("s3://mig-data/exports/rows.csv", "rows_from_s3", batch=500) }}\n',
    })
    const r = await runMig(['up', '--database', 'sqlite:./t.db'], p.dir, s3Env(p.dir))
    expect(r.code, r.stderr).toBe(0)
    await withDriver('sqlite', p.path('t.db'), async (d) => {
      expect(await d.query('SELECT COUNT(*) AS n, MAX(name) AS last FROM rows_from_s3')).toEqual([{ n: 30_000, last: 'row 9999, from s3' }])
    })
    const missing = project({
      'mig.toml': toml,
      'migrations/001_load.sql.njk': 'CREATE TABLE t (id INTEGER);\n{{ csv_insert("s3://mig-data/exports/none.csv", "t") }}\n',
    })
    const m = await runMig(['up', '--database', 'sqlite:./t.db'], missing.dir, s3Env(missing.dir))
    expect(m.code).not.toBe(0)
    expect(m.stderr).toContain('s3://mig-data/exports/none.csv')
  })

  for (const dialect of testDialects().filter((d) => d.name !== 'sqlite')) {
    it(`${dialect.name}: csv_insert of an S3 object (PostgreSQL: through COPY), every row arriving`, async () => {
      let csv = '\uFEFFid,name,note\n'
      for (let i = 1; i <= 20_000; i++) csv += `${i},"row ${i}, from s3",${i % 2 ? '' : '"a ""note"""'}\n`
      await s3.bucket(`notes-${dialect.name}`, { 'exports/notes.csv': csv })
      const toml = `migrations = ["migrations"]\n\n[s3]\nendpoint = "${s3.endpoint}"\nforce_path_style = true\n`
      const template = `CREATE TABLE notes (id INTEGER PRIMARY KEY, name VARCHAR(40), note VARCHAR(20));\n{{ csv_insert("s3://notes-${dialect.name}/exports/notes.csv", "notes", null_as="") }}\n`
      const p = project({
        'mig.toml': toml,
        'migrations/001_load.sql.njk': template,
      })
      const url = await dialect.createDatabase()
      try {
        const r = await runMig(['up', '--database', url], p.dir, s3Env(p.dir))
        expect(r.code, r.stderr).toBe(0)
        await withDriver(dialect.name, url, async (d) => {
          const [counts] = await d.query('SELECT COUNT(*) AS n, COUNT(note) AS notes FROM notes')
          expect([Number(counts!.n), Number(counts!.notes)]).toEqual([20_000, 10_000])
          expect(await d.query('SELECT id, name, note FROM notes WHERE id IN (1, 2) ORDER BY id')).toEqual([
            { id: 1, name: 'row 1, from s3', note: null },
            { id: 2, name: 'row 2, from s3', note: 'a "note"' },
          ])
        })
        const status = await runMig(['status', '--database', url], p.dir, s3Env(p.dir))
        expect(status.stdout).toMatch(/001\s+load\s+applied/)

        // the connection cut in the middle of the load (the reads before it: the checksum's, and on
        // PostgreSQL the header's): the migration fails naming the object, and nothing of it stays
        const proxy = await startCuttingProxy(s3.endpoint, '/exports/notes.csv', 256 * 1024, dialect.name === 'postgres' ? 2 : 1)
        const cutUrl = await dialect.createDatabase()
        try {
          const cut = project({ 'mig.toml': toml.replace(s3.endpoint, proxy.endpoint), 'migrations/001_load.sql.njk': template })
          const r2 = await runMig(['up', '--database', cutUrl], cut.dir, s3Env(cut.dir))
          expect(r2.code, r2.stdout + r2.stderr).toBe(1)
          expect(r2.stderr).toContain(`s3://notes-${dialect.name}/exports/notes.csv`)
          await withDriver(dialect.name, cutUrl, async (d) => {
            const rows = await d.query(`SELECT status FROM schema_migrations WHERE version = '001'`)
            expect(rows).not.toEqual([{ status: 'applied' }])
            if (dialect.name === 'postgres') expect(await tableNames(dialect.name, d)).not.toContain('notes')
          })
        } finally {
          await proxy.close()
          await dialect.dropDatabase(cutUrl)
        }
      } finally {
        await dialect.dropDatabase(url)
      }
    })
  }

  it('a missing bucket, missing credentials and a closed port: exit 2 naming the s3 URL', async () => {
    const missing = project({ 'mig.toml': toml('s3://no-such-bucket/db', s3.endpoint) })
    const r1 = await runMig(['status', '--database', 'sqlite:./t.db'], missing.dir, s3Env(missing.dir))
    expect(r1.code).toBe(2)
    expect(r1.stderr).toContain('s3://no-such-bucket/db: the bucket does not exist')

    const noKeys = project({ 'mig.toml': toml('s3://mig-migrations/app/db', s3.endpoint) })
    const r2 = await runMig(['status', '--database', 'sqlite:./t.db'], noKeys.dir, { ...s3Env(noKeys.dir), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' })
    expect(r2.code).toBe(2)
    expect(r2.stderr).toContain('s3://mig-migrations/app/db: no AWS credentials found')

    const closed = project({ 'mig.toml': toml('s3://mig-migrations/app/db', 'http://127.0.0.1:9') })
    const r3 = await runMig(['status', '--database', 'sqlite:./t.db'], closed.dir, s3Env(closed.dir))
    expect(r3.code).toBe(2)
    expect(r3.stderr).toMatch(/s3:\/\/mig-migrations\/app\/db: cannot reach the store \(ECONNREFUSED/)
  })

  for (const dialect of testDialects()) {
    it(`${dialect.name}: the connection cut in the middle of a streamed file fails the migration, naming the object; nothing of it stays`, async () => {
      // the first whole read is the checksum scan; the run's read is cut after 512 KiB
      const proxy = await startCuttingProxy(s3.endpoint, '/002_big.up.sql', 512 * 1024, 1)
      const url = await dialect.createDatabase()
      try {
        const p = project({ 'mig.toml': toml('s3://mig-migrations/app/db', proxy.endpoint) })
        const r = await runMig(['up', '--database', url], p.dir, s3Env(p.dir))
        expect(r.code, r.stdout + r.stderr).toBe(1)
        expect(r.stderr).toContain('s3://mig-migrations/app/db/002_big.up.sql')
        await withDriver(dialect.name, url, async (d) => {
          const rows = await d.query(`SELECT version, status FROM schema_migrations ORDER BY version`)
          expect(rows.find((row) => row.version === '001')).toMatchObject({ status: 'applied' })
          expect(rows.filter((row) => row.status === 'applied').map((row) => row.version)).not.toContain('002')
        })
      } finally {
        await proxy.close()
        await dialect.dropDatabase(url)
      }
    })
  }
})
