import { checksum, normalizeNewlines } from '../checksum.js'
import { MigError } from '../errors.js'
import type { Migration, MigrationBody, RenderContext } from '../migration.js'
import type { Renderer, StreamedPart } from '../options.js'
import { scanParts, scanStreamedBody, type StreamedBodyInfo, streamedLogText } from '../streaming.js'

/** A plain-SQL body read as a stream (see {@link MigrationBody.stream}). */
export function isStreamed(body: MigrationBody): boolean {
  return Boolean(body.stream) && !body.template
}

/**
 * What the migrations' bodies say: their SQL (templates rendered), their checksums, and what one
 * read of a streamed body found. Discovered migrations do not change within a migrator's life, so
 * checksums and streamed scans are computed once.
 */
export class MigrationBodies {
  /** Checksums of discovered migrations for planning (see {@link checksums}). */
  private readonly planChecksums = new WeakMap<Migration, string>()
  /** What one read of each streamed body found (see {@link streamedInfo}). */
  private readonly streamed = new WeakMap<MigrationBody, Promise<StreamedBodyInfo>>()
  /** Template bodies whose render was a stream: the plain streamed body that stands for each. */
  private readonly renderedStreams = new WeakMap<MigrationBody, MigrationBody>()
  /** The parts of a streamed stand-in whose render gave them ({@link StreamedSql.parts}). */
  private readonly renderedParts = new WeakMap<MigrationBody, StreamedPart[]>()

  constructor(private readonly render: Renderer | undefined) {}

  /**
   * The SQL a body runs, rendered when it is a template, line endings normalised. For a body that
   * is streamed (a plain-SQL file over `STREAM_THRESHOLD`, see {@link MigrationBody.stream}) it is
   * the note the log keeps instead: the file's first 16 KiB and its size and checksum.
   */
  async sql(m: Migration, body: MigrationBody, direction: RenderContext['direction']): Promise<string> {
    if (isStreamed(body)) return streamedLogText(await this.streamedInfo(body))
    if (!body.template) return normalizeNewlines(await body.read())
    if (!this.render) throw new MigError(`${body.file} is a template but no renderer is configured`, { hint: 'install @mig/templates' })
    const out = await this.render(body, { migration: m, direction })
    if (typeof out === 'string') return normalizeNewlines(out)
    // a streamed render stands in for the template from now on: checksummed, run and logged like a large file
    let plain = this.renderedStreams.get(body)
    if (!plain) {
      plain = { file: body.file, line: body.line, template: false, read: () => collect(out.stream()), stream: () => out.stream() }
      this.renderedStreams.set(body, plain)
      if (out.parts) {
        // checksummed and logged from its parts: the CSV's bytes hashed, no SQL made of them
        this.renderedParts.set(plain, out.parts)
        this.streamed.set(plain, scanParts(out.parts, body.line))
      }
    }
    const info = await this.streamedInfo(plain)
    return info.logText ?? streamedLogText(info)
  }

  /** The parts of a streamed stand-in (a render with bulk loads), if its render gave them. */
  partsOf(body: MigrationBody): StreamedPart[] | undefined {
    return this.renderedParts.get(body)
  }

  /** The body to execute: the streamed stand-in of a template whose render was a stream, else `body`. */
  runnable(body: MigrationBody): MigrationBody {
    return this.renderedStreams.get(body) ?? body
  }

  /** The up checksum of every migration that has an up body, by id. */
  async checksums(migrations: Migration[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    await Promise.all(
      migrations.map(async (m) => {
        if (!m.up) return
        // a discovered migration's text does not change within a run: hash it once
        let sum = this.planChecksums.get(m)
        if (sum === undefined) {
          sum = await this.upChecksum(m, m.up)
          this.planChecksums.set(m, sum)
        }
        out.set(m.id, sum)
      }),
    )
    return out
  }

  /**
   * Checksum of an up body: of `sql` (its SQL, when already rendered), else of its SQL rendered
   * now; a streamed body is hashed from its file, once per migrator (like a small file's text).
   */
  async upChecksum(m: Migration, up: MigrationBody, sql?: string): Promise<string> {
    if (isStreamed(up)) return (await this.streamedInfo(up)).checksum
    const text = sql ?? (await this.sql(m, up, 'up'))
    const plain = this.renderedStreams.get(up)
    return plain ? (await this.streamedInfo(plain)).checksum : checksum(text)
  }

  /** One pass over a streamed body (checksum, size, head for the log), cached for the migrator's life. */
  streamedInfo(body: MigrationBody): Promise<StreamedBodyInfo> {
    let info = this.streamed.get(body)
    if (!info) {
      info = scanStreamedBody(body)
      this.streamed.set(body, info)
    }
    return info
  }
}

/** The whole text of a stream of chunks (a driver without `runStatements`; a tenant part rendered as a stream). */
export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = ''
  for await (const c of chunks) text += c
  return text
}
