import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'

// the SDK warns about its future Node versions on Node 20; the tests need not see it (set here, not
// a setting read from outside: test-settings.test.ts looks for those)
const SDK_WARNING = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'
process.env[SDK_WARNING] ??= 'true'

/** Credentials s3rver accepts (any signature with this key pair). */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** The environment a `mig` process needs to reach {@link startS3}'s server: its keys, no profiles, no instance metadata. */
export function s3Env(dir: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
  }
}

/** A running S3-compatible server (s3rver, files in a temp folder) on 127.0.0.1. */
export interface S3TestServer {
  endpoint: string
  client: S3Client
  /** Create a bucket and put `files` (key → text) in it. */
  bucket(name: string, files: Record<string, string>): Promise<void>
  close(): Promise<void>
}

const SERVER_SCRIPT = fileURLToPath(new URL('./fixtures/s3rver-process.mjs', import.meta.url))

/** Start s3rver (3.7.1) in a child process (path-style addressing, fake credentials); see fixtures/s3rver-process.mjs. */
export async function startS3(): Promise<S3TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mig-s3-'))
  const child = spawn(process.execPath, ['--openssl-legacy-provider', SERVER_SCRIPT, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.on('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)))
    child.stdout!.on('data', (d) => {
      out += d
      const m = /port (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
  })
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3_CREDENTIALS })
  return {
    endpoint,
    client,
    async bucket(name, files) {
      await client.send(new CreateBucketCommand({ Bucket: name }))
      for (const [key, body] of Object.entries(files)) await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }))
    },
    async close() {
      client.destroy()
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill()
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A proxy in front of `target` that cuts the connection after `cutAfter` bytes of every response
 * to a whole-object GET of a key ending in `suffix`, except the first `passes` ones: a network
 * failure in the middle of a file.
 */
export async function startCuttingProxy(
  target: string,
  suffix: string,
  cutAfter: number,
  passes: number,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const to = new URL(target)
  let seen = 0
  const proxy: Server = createServer((req, res) => {
    const cut = req.method === 'GET' && (req.url ?? '').split('?')[0]!.endsWith(suffix) && !req.headers.range && ++seen > passes
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      let sent = 0
      up.on('data', (chunk: Buffer) => {
        if (cut && sent + chunk.length > cutAfter) {
          res.write(chunk.subarray(0, Math.max(0, cutAfter - sent)))
          res.socket?.destroy()
          up.destroy()
          return
        }
        sent += chunk.length
        res.write(chunk)
      })
      up.on('end', () => res.end())
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections()
        proxy.close(() => resolve())
      }),
  }
}
