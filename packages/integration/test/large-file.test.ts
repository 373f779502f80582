import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { checksum, STREAM_THRESHOLD } from '@mig/core'
import { tempProject, testDialects, type TempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GNU_TIME, runMig, runMigMeasured, withDriver } from './cli.js'
import { capabilitiesOf } from './drivers.js'

const MIB = 1024 * 1024
/** Size of the large migration (MiB): `MIG_LARGE_FILE_MIB`, default 64. */
const LARGE_MIB = Number(process.env.MIG_LARGE_FILE_MIB ?? 64)
/**
 * The mig process runs with this much old-generation heap (MiB): far less than the file, so reading
 * it whole (one 64 MiB string, before any copy) aborts the process.
 */
const HEAP_MB = 32
/**
 * Peak RSS bound (KiB), when GNU time can measure it: streaming stays around 125 MiB on every
 * dialect (node, the drivers and a statement batch); the same file read whole peaks near 470 MiB.
 */
const RSS_LIMIT_KB = 160 * 1024

const ROWS_PER_INSERT = 20
const PAD = 'x'.repeat(60)

interface Generated {
  rows: number
  statements: number
  /** Line and 0-based statement index of the injected syntax error. */
  error?: { line: number; index: number }
}

/**
 * Write a migration of about `bytes` bytes: CREATE TABLE, then INSERTs of 20 rows (one per line).
 * `errorAt` (a fraction of the file) injects a statement with a syntax error on its second line.
 */
function writeLarge(file: string, bytes: number, options: { crlf?: boolean; errorAt?: number } = {}): Generated {
  const nl = options.crlf ? '\r\n' : '\n'
  const fd = openSync(file, 'w')
  let written = 0
  let line = 1
  let id = 0
  let statements = 0
  let error: Generated['error']
  const write = (text: string, lines: number) => {
    writeSync(fd, text)
    written += text.length
    line += lines
  }
  try {
    write(`-- ${LARGE_MIB} MiB of generated INSERT statements${nl}CREATE TABLE big (id INTEGER PRIMARY KEY, payload VARCHAR(100) NOT NULL);${nl}`, 2)
    statements++
    while (written < bytes) {
      if (options.errorAt !== undefined && !error && written >= bytes * options.errorAt) {
        error = { line, index: statements }
        write(`INSERT INTO big (id, payload) VALUES${nl}  (0, 'a'),,${nl}  (-1, 'b');${nl}`, 3)
        statements++
      }
      // 200 statements per write: fast to generate, nothing held
      let chunk = ''
      for (let s = 0; s < 200; s++) {
        chunk += 'INSERT INTO big (id, payload) VALUES'
        for (let r = 0; r < ROWS_PER_INSERT; r++) chunk += `${r ? ',' : ''}${nl}  (${++id}, '${PAD}')`
        chunk += `;${nl}`
      }
      write(chunk, 200 * (ROWS_PER_INSERT + 1))
      statements += 200
    }
  } finally {
    closeSync(fd)
  }
  return { rows: id, statements, error }
}

/** A down script over the streaming threshold: many small DELETEs, then DROP TABLE. */
function writeLargeDown(file: string): void {
  const fd = openSync(file, 'w')
  try {
    let written = 0
    for (let i = 0; written <= 2 * STREAM_THRESHOLD; i += 1000) {
      let chunk = ''
      for (let k = i; k < i + 1000; k++) chunk += `DELETE FROM big WHERE id = ${k + 1};\n`
      writeSync(fd, chunk)
      written += chunk.length
    }
    writeSync(fd, 'DROP TABLE big;\n')
  } finally {
    closeSync(fd)
  }
}

const mib = (kb: number | undefined) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`)

/**
 * Large plain-SQL migrations are streamed (SPEC: "memory does not grow with file size"): a 64 MiB
 * file applied and reverted through the built CLI with the node heap capped far below the file's
 * size and the peak RSS bounded; its checksum (LF-normalised) equals the whole file's; the log keeps
 * a note, not the file; a syntax error deep in a large file names the file and its line.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: large migration files are streamed`, () => {
    const transactional = capabilitiesOf(dialect.name).transactionalDdl
    const projects: TempProject[] = []
    const urls: string[] = []
    afterAll(async () => {
      for (const p of projects) p.cleanup()
      for (const u of urls) await dialect.dropDatabase(u)
    })
    const database = async () => {
      const url = await dialect.createDatabase()
      urls.push(url)
      return url
    }

    let project: TempProject
    let generated: Generated
    beforeAll(() => {
      project = tempProject({ 'mig.toml': 'migrations = ["migrations"]\n' })
      projects.push(project)
      project.write({ 'migrations/.keep': '' })
      const t0 = Date.now()
      generated = writeLarge(project.path('migrations/001_big.up.sql'), LARGE_MIB * MIB, { crlf: true })
      writeLargeDown(project.path('migrations/001_big.down.sql'))
      console.log(`${dialect.name}: generated ${LARGE_MIB} MiB (${generated.statements} statements, ${generated.rows} rows) in ${Date.now() - t0} ms`)
    })

    it(`applies a ${LARGE_MIB} MiB file (CRLF) with a ${HEAP_MB} MiB heap; status, validate and down stream it too`, async () => {
      const url = await database()
      const file = project.path('migrations/001_big.up.sql')
      const size = statSync(file).size
      const up = await runMigMeasured(['up', '--database', url], project.dir, HEAP_MB)
      expect(up.code, up.stderr).toBe(0)
      expect(up.stdout).toMatch(/Applying 001_big\.\.\. done/)
      const status = await runMigMeasured(['status', '--database', url], project.dir, HEAP_MB)
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toMatch(/001\s+big\s+applied/)
      const validate = await runMigMeasured(['validate', '--database', url], project.dir, HEAP_MB)
      expect(validate.code, validate.stderr + validate.stdout).toBe(0)
      console.log(
        `${dialect.name}: mig up of ${LARGE_MIB} MiB: ${up.wallMs} ms, peak RSS ${mib(up.peakRssKb)}; ` +
          `status: ${status.wallMs} ms, peak RSS ${mib(status.peakRssKb)}${GNU_TIME ? '' : ' (no /usr/bin/time: RSS not measured)'}`,
      )
      if (GNU_TIME) {
        expect(up.peakRssKb).toBeLessThan(RSS_LIMIT_KB)
        expect(status.peakRssKb).toBeLessThan(RSS_LIMIT_KB)
      }

      // everything ran; the checksum is the whole (LF-normalised) file's; the log keeps a note
      const sum = checksum(readFileSync(file, 'utf8'))
      await withDriver(dialect.name, url, async (d) => {
        expect(Number((await d.query('SELECT COUNT(*) AS n FROM big'))[0]!.n)).toBe(generated.rows)
        const [row] = await d.query(`SELECT checksum, status FROM schema_migrations WHERE version = '001'`)
        expect(row).toMatchObject({ checksum: sum, status: 'applied' })
        const [log] = await d.query(`SELECT sql_text, checksum FROM schema_migrations_log WHERE version = '001' AND action = 'apply'`)
        const text = String(log!.sql_text)
        expect(log!.checksum).toBe(sum)
        expect(text.length).toBeLessThan(17 * 1024)
        expect(text.startsWith(`-- ${LARGE_MIB} MiB of generated INSERT statements\nCREATE TABLE big`)).toBe(true)
        expect(text).toContain(`-- … (streamed, ${size} bytes, sha256 ${sum}; the log keeps the first 16 KiB)`)
      })

      const down = await runMigMeasured(['down', '--database', url], project.dir, HEAP_MB)
      expect(down.code, down.stderr).toBe(0)
      expect(down.stdout).toMatch(/Rolling back 001_big\.\.\. done/)
      if (GNU_TIME) expect(down.peakRssKb).toBeLessThan(RSS_LIMIT_KB)
      await withDriver(dialect.name, url, async (d) => {
        expect(await d.query(`SELECT version FROM schema_migrations`)).toEqual([])
        const [log] = await d.query(`SELECT sql_text FROM schema_migrations_log WHERE version = '001' AND action = 'revert'`)
        expect(String(log!.sql_text)).toMatch(
          /^DELETE FROM big WHERE id = 1;\n[\s\S]*-- … \(streamed, \d+ bytes, sha256 [0-9a-f]{64}; the log keeps the first 16 KiB\)\n$/,
        )
        await expect(d.query('SELECT COUNT(*) FROM big')).rejects.toThrow()
      })
    })

    it('a syntax error deep in a large file names the file and the line; rolled back, or a failed row', async () => {
      const url = await database()
      const p = tempProject({ 'mig.toml': 'migrations = ["migrations"]\n' })
      projects.push(p)
      p.write({ 'migrations/.keep': '' })
      const g = writeLarge(p.path('migrations/001_bad.up.sql'), 8 * MIB, { errorAt: 0.9 })
      const { line, index } = g.error!
      const r = await runMig(['up', '--database', url], p.dir)
      expect(r.code, r.stdout + r.stderr).toBe(1)
      // PostgreSQL's position and MySQL's "at line 2" point at the bad line; SQLite names the statement's first line.
      const errorLine = dialect.name === 'sqlite' ? line : line + 1
      expect(r.stderr).toContain(`001_bad.up.sql:${errorLine}`)
      await withDriver(dialect.name, url, async (d) => {
        const rows = await d.query(`SELECT status, statement_index, statement_line, error FROM schema_migrations`)
        if (transactional) {
          // nothing recorded but the failed attempt in the log; the table was rolled back with it
          expect(rows).toEqual([])
          await expect(d.query('SELECT COUNT(*) FROM big')).rejects.toThrow()
          const [log] = await d.query(`SELECT status, sql_text FROM schema_migrations_log WHERE version = '001'`)
          expect(log!.status).toBe('failed')
          expect(String(log!.sql_text)).toContain('(streamed, ')
        } else {
          expect(rows).toHaveLength(1)
          expect(rows[0]).toMatchObject({ status: 'failed', statement_index: index + 1, statement_line: errorLine })
          expect(String(rows[0]!.error)).toMatch(new RegExp(`failed at statement ${index + 1} \\(line ${errorLine}\\)`))
        }
      })
    })
  })
}
