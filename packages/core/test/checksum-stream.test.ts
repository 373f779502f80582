import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  checksum,
  checksumStream,
  directory,
  discover,
  fileChunks,
  type MigrationBody,
  NewlineNormalizer,
  normalizeNewlines,
  normalizedText,
  STREAM_THRESHOLD,
  STREAMED_LOG_HEAD,
  scanStreamedBody,
  splitStatements,
  splitStream,
  streamedLogText,
} from '../src/index.js'

async function* chunksOf<T>(parts: T[]): AsyncGenerator<T> {
  yield* parts
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = []
  let prev = 0
  for (const k of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, k))
    prev = k
  }
  return out
}

// CRLF, lone CR, LF, CR at the very start and end, multi-byte characters (2, 3 and 4 bytes: a
// surrogate pair in UTF-16), a byte order mark and an invalid byte.
const SAMPLES: Record<string, Buffer> = {
  crlf: Buffer.from('CREATE TABLE t (a int);\r\nINSERT INTO t VALUES (1);\r\n-- é\r\n', 'utf8'),
  lf: Buffer.from('CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n', 'utf8'),
  mixed: Buffer.from("\rSELECT 'é€𝄞';\r\r\n\n\rSELECT 2;\r\n\r", 'utf8'),
  bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SELECT 1;\r\n', 'utf8')]),
  invalid: Buffer.concat([Buffer.from('SELECT \r', 'utf8'), Buffer.from([0xff, 0xc3]), Buffer.from('\n1;\r\n', 'utf8')]),
  empty: Buffer.alloc(0),
  crOnly: Buffer.from('\r\r\r', 'utf8'),
}

describe('checksumStream', () => {
  for (const [name, bytes] of Object.entries(SAMPLES)) {
    const whole = checksum(bytes.toString('utf8'))

    it(`${name}: equals the whole-text checksum for every split into two chunks`, async () => {
      for (let k = 0; k <= bytes.length; k++) {
        expect(await checksumStream(chunksOf(cut(bytes, [k]))), `split at byte ${k}`).toBe(whole)
      }
    })

    it(`${name}: equals it for every split into three chunks, as bytes and as strings`, async () => {
      const text = bytes.toString('utf8')
      for (let a = 0; a <= bytes.length; a++) {
        for (let b = a; b <= bytes.length; b++) {
          expect(await checksumStream(chunksOf(cut(bytes, [a, b]))), `bytes split at ${a}, ${b}`).toBe(whole)
        }
      }
      for (let a = 0; a <= text.length; a++) {
        for (let b = a; b <= text.length; b++) {
          // strings cut between \r and \n (never inside a surrogate pair: decoders never do that)
          if (/[\ud800-\udbff]/.test(text[a - 1] ?? '') || /[\ud800-\udbff]/.test(text[b - 1] ?? '')) continue
          const parts = [text.slice(0, a), text.slice(a, b), text.slice(b)]
          expect(await checksumStream(chunksOf(parts)), `text split at ${a}, ${b}`).toBe(whole)
        }
      }
    })

    it(`${name}: one byte at a time`, async () => {
      const ones = [...bytes].map((b) => Buffer.from([b]))
      expect(await checksumStream(chunksOf(ones))).toBe(whole)
      // and the normalised text itself is the same
      let text = ''
      for await (const t of normalizedText(chunksOf(ones))) text += t
      expect(text).toBe(normalizeNewlines(bytes.toString('utf8')))
    })
  }

  it('NewlineNormalizer holds back a final CR until it knows what follows', () => {
    const lf = new NewlineNormalizer()
    expect(lf.push('a\r')).toBe('a')
    expect(lf.push('\nb\r')).toBe('\nb')
    expect(lf.push('c')).toBe('\nc')
    expect(lf.push('\r')).toBe('')
    expect(lf.end()).toBe('\n')
  })
})

describe('streamed bodies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mig-stream-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** A CRLF file of about `bytes` bytes of INSERT statements. */
  function bigSql(bytes: number, extra = ''): string {
    const lines = [`-- mig:depends 1\r\n`, 'CREATE TABLE big (id int, v text);\r\n', extra]
    let size = lines.join('').length
    for (let i = 0; size < bytes; i++) {
      const l = `INSERT INTO big VALUES (${i}, 'é ${'x'.repeat(40)}');\r\n`
      lines.push(l)
      size += l.length
    }
    return lines.join('')
  }

  it('files over STREAM_THRESHOLD are streamed (up and down); smaller ones and templates are not', async () => {
    const m = join(dir, 'migrations')
    const big = bigSql(STREAM_THRESHOLD + 10)
    const files: Record<string, string> = {
      '1_small.sql': 'SELECT 1;\n',
      '2_big.up.sql': big,
      '2_big.down.sql': big,
      '3_tpl.up.sql.njk': big,
    }
    mkdirSync(m, { recursive: true })
    for (const [f, t] of Object.entries(files)) writeFileSync(join(m, f), t)
    const ms = await discover([directory(m)])
    const [small, large, tpl] = ms
    expect(small!.up!.stream).toBeUndefined()
    expect(large!.up!.stream).toBeTypeOf('function')
    expect(large!.down!.stream).toBeTypeOf('function')
    expect(large!.depends).toEqual(['1'])
    expect(tpl!.up!.stream).toBeUndefined()

    // one pass: checksum as if read whole, size, head for the log
    const info = await scanStreamedBody(large!.up!)
    expect(info.checksum).toBe(checksum(big))
    expect(info.bytes).toBe(Buffer.byteLength(big))
    expect(info.runLine).toBeUndefined()
    expect(info.head.length).toBeLessThanOrEqual(STREAMED_LOG_HEAD)
    expect(info.head.endsWith('\n')).toBe(true)
    expect(normalizeNewlines(big).startsWith(info.head)).toBe(true)
    const note = streamedLogText(info)
    expect(note.length).toBeLessThan(STREAMED_LOG_HEAD + 200)
    expect(note).toContain(`-- … (streamed, ${Buffer.byteLength(big)} bytes, sha256 ${checksum(big)}; the log keeps the first 16 KiB)`)

    // the statements split from the stream are those of the whole text, lines included
    const streamed = []
    for await (const st of splitStream(normalizedText(fileChunks(join(m, '2_big.up.sql'))))) streamed.push(st)
    expect(streamed).toEqual(splitStatements(normalizeNewlines(big)))
  })

  it('finds a -- mig:run line anywhere in the file, with its line', async () => {
    const file = join(dir, 'run.sql')
    const text = `${bigSql(300_000)}  --  mig:run ./export.sh\r\nSELECT 1;\r\n`
    writeFileSync(file, text)
    const body: MigrationBody = { file, line: 1, template: false, read: async () => text, stream: () => fileChunks(file) }
    const info = await scanStreamedBody(body)
    expect(info.runLine).toBe(
      normalizeNewlines(text)
        .split('\n')
        .findIndex((l) => l.includes('mig:run')) + 1,
    )
    const noRun = `${bigSql(300_000)}-- mig:running is not a command\r\n-- mig:run`
    writeFileSync(file, noRun)
    expect((await scanStreamedBody(body)).runLine).toBeUndefined()
  })
})
