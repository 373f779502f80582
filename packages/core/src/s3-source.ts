/**
 * Migrations kept in an S3 bucket (or an S3-compatible store): `migrations = ["s3://bucket/prefix"]`.
 * The objects under the prefix are listed (ListObjectsV2, every page) and read like the files of a
 * folder: small ones whole at discovery, large ones (over `STREAM_THRESHOLD`) streamed from
 * GetObject each time they are checksummed or run, so they are checksummed like the same file on
 * disk and never held whole. `@aws-sdk/client-s3` is imported only when such an entry is loaded.
 */
import type { S3Client } from '@aws-sdk/client-s3'
import { minimatch } from 'minimatch'
import { normalizeNewlines } from './checksum.js'
import { parseDirectives, splitSections } from './directives.js'
import { applyDirectives, baseMigration, type DiscoveryProblem, type MigrationSource, REPEATABLE, VERSIONED } from './discovery.js'
import { MigError } from './errors.js'
import type { Migration, MigrationBody } from './migration.js'
import { STREAM_THRESHOLD } from './streaming.js'

/** `[s3]` of mig.toml: how to reach the store. Credentials come from the SDK's standard chain. */
export interface S3Settings {
  /** Endpoint of an S3-compatible store (`http://127.0.0.1:9000`). Default: AWS (or `AWS_ENDPOINT_URL`). */
  endpoint?: string
  /** Region. Default: the SDK's (`AWS_REGION`, the profile), else `us-east-1`. */
  region?: string
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint` (most S3-compatible stores need it). Default false. */
  forcePathStyle?: boolean
}

/** Options of {@link s3Source}. */
export interface S3SourceOptions {
  /** minimatch patterns, relative to the prefix, of objects to leave out (mig.toml `ignore`). */
  ignore?: string[]
  s3?: S3Settings
}

/** A parsed `s3://bucket/prefix` URL; `prefix` is empty or ends with `/`. */
export interface S3Location {
  bucket: string
  prefix: string
}

/** True when a `migrations` entry names an S3 location. */
export function isS3Url(entry: string): boolean {
  return entry.startsWith('s3://')
}

/** Split `s3://bucket/prefix` into bucket and prefix (with a trailing `/`). */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url)
  if (!m) throw new MigError(`${url} is not an S3 URL (expected s3://bucket/prefix)`)
  const prefix = m[2]!.replace(/^\/+/, '')
  return { bucket: m[1]!, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix }
}

/** Bytes read at discovery from a large object, for its header directives. */
const HEADER_BYTES = 64 * 1024
const FOLDER_FILE = /^(\d+)[_-]([^/]+)\/(up|down|verify)\.sql(\.njk)?$/

/** An S3 client for the settings (the SDK loaded now). */
async function createClient(settings: S3Settings): Promise<S3Client> {
  // the SDK warns on every run on Node 20 about its future releases; mig decides its own support
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  let sdk: typeof import('@aws-sdk/client-s3')
  try {
    sdk = await import('@aws-sdk/client-s3')
  } catch (err) {
    throw new MigError('reading s3:// sources needs the package @aws-sdk/client-s3 (npm install @aws-sdk/client-s3)', { cause: err })
  }
  const { S3Client } = sdk
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: settings.forcePathStyle ?? false,
  })
}

/** What went wrong talking to S3, in words (the caller names the URL). */
export function describeS3Error(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const name = e.name ?? ''
  if (name === 'NoSuchBucket') return `the bucket does not exist (check the URL, the region and [s3] endpoint in mig.toml)`
  if (name === 'CredentialsProviderError' || /credential/i.test(e.message ?? ''))
    return `no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where a role is available)`
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return `access denied (${name}); check the credentials and the bucket's policy`
  const code = e.code ?? (err as { cause?: { code?: string } }).cause?.code
  if (code) return `cannot reach the store (${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''})`
  return `${name && name !== 'Error' ? `${name}: ` : ''}${e.message ?? String(err)}`
}

/** Every object under the location (key, size), all pages. */
async function listObjects(client: S3Client, at: S3Location): Promise<{ key: string; size: number }[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3')
  const out: { key: string; size: number }[] = []
  let token: string | undefined
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: at.bucket, Prefix: at.prefix, ContinuationToken: token }))
    for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, size: o.Size ?? 0 })
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return out.sort((a, b) => (a.key < b.key ? -1 : 1))
}

/** The object's text in chunks (UTF-8, never splitting a character), read from GetObject. */
async function* objectChunks(client: S3Client, bucket: string, key: string, range?: string): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of objectBytes(client, bucket, key, range)) yield decoder.decode(chunk, { stream: true })
  const rest = decoder.decode()
  if (rest) yield rest
}

/** The object's bytes in chunks, read from GetObject. */
async function* objectBytes(client: S3Client, bucket: string, key: string, range?: string): AsyncIterable<Uint8Array> {
  const url = `s3://${bucket}/${key}`
  const { GetObjectCommand } = await import('@aws-sdk/client-s3')
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }))
    yield* res.Body as AsyncIterable<Uint8Array>
  } catch (err) {
    throw new MigError(`reading ${url} failed: ${describeS3Error(err)}`, { cause: err })
  }
}

/**
 * The text of one object, `s3://bucket/key`, in chunks as it is read (a large CSV for a template's
 * `csv_insert`). The SDK is loaded on the first call.
 */
export async function* s3ObjectText(url: string, settings: S3Settings = {}): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8')
  for await (const chunk of s3ObjectBytes(url, settings)) yield decoder.decode(chunk, { stream: true })
  const rest = decoder.decode()
  if (rest) yield rest
}

/** The bytes of one object, `s3://bucket/key`, in chunks as they are read (a CSV a bulk load is fed). */
export async function* s3ObjectBytes(url: string, settings: S3Settings = {}): AsyncIterable<Uint8Array> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)
  if (!m) throw new MigError(`${url} does not name an object (expected s3://bucket/key)`)
  let client: S3Client
  try {
    client = await createClient(settings)
  } catch (err) {
    throw new MigError(`reading ${url} failed: ${describeS3Error(err)}`, { cause: err })
  }
  try {
    yield* objectBytes(client, m[1]!, m[2]!)
  } finally {
    client.destroy()
  }
}

async function objectText(client: S3Client, bucket: string, key: string, range?: string): Promise<string> {
  let text = ''
  for await (const c of objectChunks(client, bucket, key, range)) text += c
  return text
}

/**
 * Migrations under `s3://bucket/prefix`: the same names as in a folder (`{version}_{name}.sql`,
 * `.up.sql` / `.down.sql`, `R__{name}.sql`, `{version}_{name}/up.sql|down.sql|verify.sql`, `.njk`
 * templates). Listing failures (missing bucket, credentials, network) are discovery problems
 * naming the URL; a read failing while a migration runs fails that migration.
 */
export function s3Source(url: string, options: S3SourceOptions = {}): MigrationSource {
  const at = parseS3Url(url)
  const patterns = options.ignore ?? []
  return {
    name: url,
    async load(problems: DiscoveryProblem[]) {
      let client: S3Client
      let objects: { key: string; size: number }[]
      try {
        client = await createClient(options.s3 ?? {})
        objects = await listObjects(client, at)
      } catch (err) {
        problems.push({ file: url, message: err instanceof MigError ? err.message : describeS3Error(err) })
        return []
      }
      const body = async (key: string, size: number, template: boolean, streamable: boolean): Promise<[MigrationBody, string]> => {
        const file = `s3://${at.bucket}/${key}`
        if (size <= STREAM_THRESHOLD || !streamable || template) {
          const text = await objectText(client, at.bucket, key)
          return [{ file, line: 1, template, read: async () => text }, text]
        }
        const head = await objectText(client, at.bucket, key, `bytes=0-${HEADER_BYTES - 1}`)
        const stream = () => objectChunks(client, at.bucket, key)
        return [{ file, line: 1, template, read: () => objectText(client, at.bucket, key), stream }, head.slice(0, head.lastIndexOf('\n') + 1)]
      }
      const byId = new Map<string, Migration>()
      const downs: { id: string; key: string; size: number; template: boolean }[] = []
      for (const { key, size } of objects) {
        const rel = key.slice(at.prefix.length)
        const file = `s3://${at.bucket}/${key}`
        if (rel.split('/').some((p) => p.startsWith('.')) || patterns.some((p) => minimatch(rel, p, { dot: true }))) continue
        try {
          const folder = FOLDER_FILE.exec(rel)
          const flat = rel.includes('/') ? null : VERSIONED.exec(rel)
          const rep = rel.includes('/') ? null : REPEATABLE.exec(rel)
          if (folder || flat?.[3] === 'down') {
            const [, version, name, part, njk] = (folder ?? flat) as RegExpExecArray
            const id = `${version}_${name}`
            if (part === 'down') downs.push({ id, key, size, template: Boolean(njk) })
            else if (part === 'verify') downs.push({ id: `verify:${id}`, key, size, template: Boolean(njk) })
            else {
              const mig = baseMigration({ id, version: version!, name: name!, kind: 'versioned', source: url, path: `s3://${at.bucket}/${at.prefix}${id}` })
              const [up, head] = await body(key, size, Boolean(njk), true)
              mig.up = up
              applyDirectives(mig, parseDirectives(head))
              byId.set(id, mig)
            }
          } else if (flat) {
            const [, version, name, direction, njk] = flat
            const id = `${version}_${name}`
            const mig = baseMigration({ id, version: version!, name: name!, kind: 'versioned', source: url, path: file })
            if (direction !== 'up' && size > STREAM_THRESHOLD)
              throw new Error('single-file migrations (with -- mig:up / -- mig:down sections) must be under 1 MiB; use .up.sql and .down.sql for large files')
            const [up, text] = await body(key, size, Boolean(njk), true)
            if (direction === 'up') mig.up = up
            else {
              const s = splitSections(normalizeNewlines(text))
              mig.up = { ...up, line: s.up.line, read: async () => s.up.text }
              if (s.down) mig.down = { ...up, line: s.down.line, read: async () => s.down!.text }
            }
            applyDirectives(mig, parseDirectives(text))
            if (byId.has(id)) problems.push({ file, message: `same migration as ${byId.get(id)!.path}` })
            else byId.set(id, mig)
          } else if (rep) {
            const mig = baseMigration({ id: `R__${rep[1]}`, version: `R__${rep[1]}`, name: rep[1]!, kind: 'repeatable', source: url, path: file })
            const [up, head] = await body(key, size, Boolean(rep[2]), true)
            mig.up = up
            applyDirectives(mig, parseDirectives(head))
            byId.set(mig.id, mig)
          } else if (/\.(sql|njk)$/.test(rel)) {
            problems.push({ file, message: 'does not match {version}_{name}.sql, .up.sql, .down.sql, R__{name}.sql or {version}_{name}/up.sql' })
          }
        } catch (err) {
          problems.push({ file, message: err instanceof MigError ? err.message : describeS3Error(err) })
        }
      }
      for (const d of downs) {
        const verify = d.id.startsWith('verify:')
        const mig = byId.get(verify ? d.id.slice(7) : d.id)
        const file = `s3://${at.bucket}/${d.key}`
        if (!mig) {
          problems.push({ file, message: `${verify ? 'verify' : 'down'} migration without its up` })
          continue
        }
        try {
          const [b] = await body(d.key, d.size, d.template, !verify)
          if (verify) mig.verify = b
          else mig.down = b
        } catch (err) {
          problems.push({ file, message: err instanceof MigError ? err.message : describeS3Error(err) })
        }
      }
      return [...byId.values()]
    },
  }
}
