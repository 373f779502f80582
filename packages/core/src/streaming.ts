import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { normalizedText } from './checksum.js'
import type { MigrationBody } from './migration.js'

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
