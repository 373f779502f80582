import * as crypto from 'node:crypto'

/** Normalise line endings to LF, so a checkout on Windows does not change a checksum. */
export function normalizeNewlines(sql: string): string {
  return sql.includes('\r') ? sql.replace(/\r\n?/g, '\n') : sql
}

/** One-shot hashing (Node >= 20.12): no Hash object per migration. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash

/** sha256 hex of the exact SQL that runs, after line endings are normalised to LF. */
export function checksum(sql: string): string {
  const text = normalizeNewlines(sql)
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * Normalises line endings of text that arrives in chunks, exactly as {@link normalizeNewlines} does
 * on the whole text: `\r\n` and a lone `\r` become `\n`, even when a chunk ends between `\r` and `\n`
 * (a chunk's final `\r` is held back until the next chunk, or {@link end}, says what follows it).
 */
export class NewlineNormalizer {
  private pendingCR = false

  /** The normalised text of `chunk` (possibly without its last character, held back). */
  push(chunk: string): string {
    if (!chunk) return ''
    let text = chunk
    let prefix = ''
    if (this.pendingCR) {
      prefix = '\n'
      // the held-back \r was the first half of \r\n
      if (text.charCodeAt(0) === 10) text = text.slice(1)
      this.pendingCR = false
    }
    if (text.charCodeAt(text.length - 1) === 13) {
      this.pendingCR = true
      text = text.slice(0, -1)
    }
    return prefix + normalizeNewlines(text)
  }

  /** No more text: what was held back. */
  end(): string {
    const out = this.pendingCR ? '\n' : ''
    this.pendingCR = false
    return out
  }
}

/**
 * Decode (UTF-8, like `readFile(file, 'utf8')`: a byte order mark is kept) and normalise line endings
 * of a stream of chunks: the same text as `normalizeNewlines(readFileSync(file, 'utf8'))`, in pieces.
 */
export async function* normalizedText(chunks: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const lf = new NewlineNormalizer()
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    const out = lf.push(text)
    if (out) yield out
  }
  const rest = lf.push(decoder.decode()) + lf.end()
  if (rest) yield rest
}

/**
 * {@link checksum} of text given in chunks (a file stream): equal to the checksum of the same text
 * read whole, whatever the chunk boundaries. Memory does not grow with the text.
 */
export async function checksumStream(chunks: AsyncIterable<string | Uint8Array>): Promise<string> {
  const hash = crypto.createHash('sha256')
  for await (const text of normalizedText(chunks)) hash.update(text, 'utf8')
  return hash.digest('hex')
}
