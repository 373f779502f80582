import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type CsvLoad, checksum, hashBytes, type StreamedPart, scanParts } from '../src/index.js'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

async function* chunks(parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p)
}

const load = (csv: string[]): CsvLoad => ({
  table: '"t"',
  columns: async () => ['"a"'],
  header: true,
  delimiter: ',',
  bytes: () => chunks(csv),
  source: 'csv_insert("data/t.csv", "t")',
})

describe('hashBytes', () => {
  it('hashes bytes with line endings normalised, wherever the chunks split (a \\r\\n across two chunks too)', async () => {
    const lf = 'a,b\n"x\ny",z\n\nlast'
    const variants = [
      ['a,b\r\n"x\r\ny",z\r\n\r\nlast'],
      ['a,b\r', '\n"x\r', '\ny",z\r\n\r', '\nlast'],
      ['a,b\r\n"x\ry",z\r\r', 'last'],
      ['a', ',b\n"x\ny",z\n\nlast'],
    ]
    for (const v of variants) {
      const out = await hashBytes(chunks(v))
      expect(out.sha256).toBe(sha(lf))
      expect(out.bytes).toBe(Buffer.byteLength(v.join('')))
    }
    expect((await hashBytes(chunks(['end\r']))).sha256).toBe(sha('end\n'))
    expect((await hashBytes(chunks(['a\rb']))).sha256).not.toBe(sha('ab'))
  })
})

describe('scanParts', () => {
  it("checksums the text with each load as its call and its bytes' hash; the log text is what was hashed", async () => {
    const parts = (csv: string[]): StreamedPart[] => [
      { sql: 'CREATE TABLE t (a TEXT);\r\n' },
      { load: load(csv), describe: 'csv_insert("data/t.csv", "t")', sql: () => chunks([]) as unknown as AsyncIterable<string> },
      { sql: '\nSELECT 1;\n' },
    ]
    const info = await scanParts(parts(['a\n1\n', '2\n']))
    expect(info.logText).toBe(`CREATE TABLE t (a TEXT);\n/* csv_insert("data/t.csv", "t"): 6 bytes, sha256 ${sha('a\n1\n2\n')} */\nSELECT 1;\n`)
    expect(info.checksum).toBe(checksum(info.logText!))
    expect(info.runLine).toBeUndefined()
    // other bytes, another checksum; the same bytes in other chunks, the same
    expect((await scanParts(parts(['a\n1\n3\n']))).checksum).not.toBe(info.checksum)
    expect((await scanParts(parts(['a\n', '1\n2\n']))).checksum).toBe(info.checksum)
    const run = await scanParts([{ sql: 'SELECT 1;\n-- mig:run echo hi\n' }], 5)
    expect(run.runLine).toBe(6)
  })
})
