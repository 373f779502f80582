import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { normalizedText, normalizeNewlines } from './checksum.js'
import type { MigrationBody } from './migration.js'
import type { StreamedPart } from './options.js'

/**
 * Plain-SQL migration files larger than this (bytes) are streamed: discovery reads only their
 * header, their checksum is computed from a stream, their statements are split as the file is
 * read and fed to the driver one by one (or in bounded batches), and the log keeps a note instead
 * of their text. Smaller files are read whole (once per run) and sent as they are. 1 MiB.
 */
export const STREAM_THRESHOLD = 1024 * 1024

/** How much of a streamed file the log keeps (characters, cut at a line end): 16 KiB. */
export const STREAMED_LOG_HEAD = 16 * 1024

/** Size of the chunks a streamed file is read in (bytes). */
const CHUNK_BYTES = 64 * 1024

/** The text of a file in chunks (UTF-8), without holding it whole. */
export function fileChunks(file: string): AsyncIterable<string> {
  return createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })
}

/** What one pass over a streamed body found. */
export interface StreamedBodyInfo {
  /** {@link checksum} of the body's text (LF-normalised sha256 hex), as if it were read whole. */
  checksum: string
  /** Bytes of the text (UTF-8), before line endings are normalised. */
  bytes: number
  /** Its first {@link STREAMED_LOG_HEAD} characters, line endings normalised, cut at a line end. */
  head: string
  /** First line (1-based in the file) holding a `-- mig:run` command, if any: not supported when streaming. */
  runLine?: number
  /** A render given in parts ({@link scanParts}): what the log keeps, the text whose checksum is {@link checksum}. */
  logText?: string
}

const RUN_LINE = /^[ \t]*--[ \t]*mig:run[ \t]+\S/m

function newlines(s: string, end: number): number {
  let n = 0
  for (let k = s.indexOf('\n'); k >= 0 && k < end; k = s.indexOf('\n', k + 1)) n++
  return n
}

/** Read a streamed body once: its checksum, size, head, and whether it has `-- mig:run` lines. */
export async function scanStreamedBody(body: MigrationBody): Promise<StreamedBodyInfo> {
  if (!body.stream) throw new Error(`${body.file} is not a streamed body`)
  const hash = createHash('sha256')
  let bytes = 0
  let head = ''
  let headDone = false
  let runLine: number | undefined
  // the current line's start (it may span chunks) and its number
  let partial = ''
  let line = body.line
  const counted = async function* (chunks: AsyncIterable<string>) {
    for await (const c of chunks) {
      bytes += Buffer.byteLength(c, 'utf8')
      yield c
    }
  }
  for await (const text of normalizedText(counted(body.stream()))) {
    hash.update(text, 'utf8')
    if (!headDone) {
      head += text.slice(0, STREAMED_LOG_HEAD + 1 - head.length)
      if (head.length > STREAMED_LOG_HEAD) {
        head = head.slice(0, head.lastIndexOf('\n', STREAMED_LOG_HEAD) + 1)
        headDone = true
      }
    }
    if (runLine === undefined) {
      // test complete lines only; the last (partial) line waits for the next chunk
      const s = partial + text
      const cut = s.lastIndexOf('\n')
      if (cut >= 0) {
        const m = RUN_LINE.exec(s.slice(0, cut))
        if (m) runLine = line + newlines(s, m.index)
        else {
          line += newlines(s, cut + 1)
          // only a line's first characters matter to RUN_LINE
          partial = s.slice(cut + 1, cut + 65)
        }
      } else partial = s.slice(0, 64)
    }
  }
  if (runLine === undefined && RUN_LINE.test(partial)) runLine = line
  return { checksum: hash.digest('hex'), bytes, head, runLine }
}

/**
 * What the log's `sql_text` keeps for a streamed body: its first 16 KiB (cut at a line end), then
 * a comment line `-- … (streamed, <bytes> bytes, sha256 <checksum>; the log keeps the first 16 KiB)`.
 */
export function streamedLogText(info: StreamedBodyInfo): string {
  const head = info.head && !info.head.endsWith('\n') ? `${info.head}\n` : info.head
  return `${head}-- … (streamed, ${info.bytes} bytes, sha256 ${info.checksum}; the log keeps the first ${STREAMED_LOG_HEAD / 1024} KiB)\n`
}

const LF = Buffer.from('\n')

/**
 * sha256 of bytes given in chunks with line endings normalised as {@link normalizeNewlines} does
 * (`\r\n` and a lone `\r` become `\n`), so a checkout that rewrites them does not change it; and
 * how many bytes there were. Chunks without `\r` (the usual case) are hashed as they are.
 */
export async function hashBytes(chunks: AsyncIterable<Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  let pendingCR = false
  for await (const chunk of chunks) {
    bytes += chunk.length
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    if (!buf.length) continue
    if (pendingCR) {
      hash.update(LF)
      // the held-back \r was the first half of \r\n
      if (buf[0] === 10) buf = buf.subarray(1)
      pendingCR = false
    }
    let from = 0
    for (let cr = buf.indexOf(13); cr >= 0; cr = buf.indexOf(13, from)) {
      hash.update(buf.subarray(from, cr))
      if (cr === buf.length - 1) {
        pendingCR = true
        from = buf.length
        break
      }
      hash.update(LF)
      from = buf[cr + 1] === 10 ? cr + 2 : cr + 1
    }
    if (from < buf.length) hash.update(from ? buf.subarray(from) : buf)
  }
  if (pendingCR) hash.update(LF)
  return { sha256: hash.digest('hex'), bytes }
}

/**
 * Read a render given in parts ({@link StreamedSql.parts}) once: its SQL text as it is, each load
 * as a comment naming the call and the size and sha256 of its bytes (the bytes hashed, no SQL made
 * of them). That text is what the log keeps, and its checksum the migration's.
 */
export async function scanParts(parts: StreamedPart[], line = 1): Promise<StreamedBodyInfo> {
  let text = ''
  let bytes = 0
  for (const p of parts) {
    if (!('load' in p)) {
      text += normalizeNewlines(p.sql)
      continue
    }
    const sum = await hashBytes(p.load.bytes())
    bytes += sum.bytes
    text += `/* ${p.describe.replace(/\*\//g, '* /')}: ${sum.bytes} bytes, sha256 ${sum.sha256} */`
  }
  bytes += Buffer.byteLength(text, 'utf8')
  const m = RUN_LINE.exec(text)
  const runLine = m ? line + newlines(text, m.index) : undefined
  return { checksum: createHash('sha256').update(text, 'utf8').digest('hex'), bytes, head: text.slice(0, STREAMED_LOG_HEAD), runLine, logText: text }
}
