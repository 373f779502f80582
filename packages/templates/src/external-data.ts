/**
 * `read_url(url)` and `read_command(name, args)`: data from outside the project, off unless
 * `[sources]` in mig.toml allows it. nunjucks renders synchronously, so a render that asks for
 * something not fetched yet stops; the renderer fetches it (see {@link ExternalData.resolving}) and
 * renders again, until every read is answered. What was read is recorded like a data file, so
 * `mig pin` stores it and a pinned render reads it from `pinned/` without any access.
 */
import { isAbsolute, resolve } from 'node:path'
import { type ExternalSources, MigError } from '@mig/core'

/** Lock key of a `read_url` result: `url:<url>`. */
export function urlKey(url: string): string {
  return `url:${url}`
}

/** Lock key of a `read_command` result: `command:<name> <args as JSON>`. */
export function commandKey(name: string, args: readonly string[]): string {
  return `command:${name} ${JSON.stringify(args)}`
}

/** Largest answer kept (bytes): 64 MiB. */
const MAX_BYTES = 64 * 1024 * 1024
/** How long one read may take: 60 s. */
const TIMEOUT_MS = 60_000
/** Renders of one template before giving up (each answers at least one more read). */
const MAX_ROUNDS = 100

/** What a render asked for and has not got yet. */
interface Pending {
  key: string
  fetch: () => Promise<Buffer>
}

/** Fetches and caches what templates read from outside the project, within what `[sources]` allows. */
export class ExternalData {
  private readonly answers = new Map<string, Buffer | Error>()
  private pending: Pending | undefined

  constructor(
    private readonly allowed: ExternalSources | undefined,
    private readonly root: string,
  ) {}

  /**
   * Run a (synchronous) render until every `read_url` / `read_command` it makes is answered:
   * each round fetches what the last one asked for. A failed fetch is rethrown inside the render,
   * so the error names the template line.
   */
  async resolving<T>(render: () => T): Promise<T> {
    for (let round = 0; ; round++) {
      this.pending = undefined
      try {
        return render()
      } catch (err) {
        const wanted = this.pending as Pending | undefined
        if (!wanted || round >= MAX_ROUNDS) throw err
        this.answers.set(wanted.key, await wanted.fetch().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))))
      }
    }
  }

  /** The body of `url` (GET): refused unless a prefix in `allow_urls` covers it. */
  url(url: unknown): Buffer {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new MigError('read_url() takes an http:// or https:// URL')
    const prefixes = this.allowed?.allowUrls ?? []
    if (!prefixes.some((p) => url.startsWith(p)))
      throw new MigError(`read_url("${url}") is not allowed`, { hint: 'add a prefix of it to [sources] allow_urls in mig.toml' })
    return this.answer(urlKey(url), () => fetchUrl(url))
  }

  /** Standard output of the command `name` run with `args`: refused unless `allow_commands` names it. */
  command(name: unknown, args: unknown): Buffer {
    if (typeof name !== 'string' || !name) throw new MigError('read_command() takes a command name and a list of arguments')
    const list = args === undefined ? [] : Array.isArray(args) ? args.map(String) : undefined
    if (!list) throw new MigError(`read_command("${name}", …): the arguments must be a list`)
    if (!(this.allowed?.allowCommands ?? []).includes(name))
      throw new MigError(`read_command("${name}") is not allowed`, { hint: 'add the command to [sources] allow_commands in mig.toml' })
    return this.answer(commandKey(name, list), () => runCommand(name, list, this.root))
  }

  private answer(key: string, fetch: () => Promise<Buffer>): Buffer {
    const known = this.answers.get(key)
    if (known instanceof Error) throw known
    if (known) return known
    this.pending = { key, fetch }
    throw new MigError(`${key} is being read`)
  }
}

async function fetchUrl(url: string): Promise<Buffer> {
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    throw new MigError(`read_url("${url}"): ${cause?.code ?? (err as Error).message}`)
  }
  if (!res.ok) throw new MigError(`read_url("${url}"): HTTP ${res.status} ${res.statusText}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  if (bytes.length > MAX_BYTES) throw new MigError(`read_url("${url}"): the answer is over ${MAX_BYTES / 1024 / 1024} MiB`)
  return bytes
}

async function runCommand(name: string, args: string[], root: string): Promise<Buffer> {
  const { execFile } = await import('node:child_process')
  // a name with a slash is a path relative to the project root; a bare name is looked up on PATH
  const file = name.includes('/') && !isAbsolute(name) ? resolve(root, name) : name
  return new Promise((done, fail) => {
    execFile(file, args, { cwd: root, encoding: 'buffer', maxBuffer: MAX_BYTES, timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
      if (!err) return done(stdout)
      const code = (err as { code?: unknown }).code
      const why = typeof code === 'string' ? code : `exit code ${code ?? (err as { signal?: string }).signal}`
      const tail = stderr.toString('utf8').trim().split('\n').slice(-3).join(' / ')
      fail(new MigError(`read_command("${name}"): ${why}${tail ? `: ${tail}` : ''}`))
    })
  })
}
