/**
 * Error classes with structured fields. The CLI maps them to exit codes and hints;
 * core only throws them and never prints or exits.
 */

/** Where a class keeps its brand; `Symbol.for`, so every copy of @mig/core in a process uses the same key. */
const BRAND = Symbol.for('@mig/core.brand')

/**
 * Give a class of @mig/core a name that `instanceof` recognises across copies of the package: a
 * driver installed in the user's project brings its own @mig/core, while the CLI bundles one, and
 * an error one throws must still be, say, a `LockTimeoutError` to the other.
 */
export function brand(cls: abstract new (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(cls, BRAND, { value: `@mig/core:${name}` })
}

/**
 * `x instanceof cls`, or, when `cls` is branded, `x` was made by a class of the same brand (from
 * any copy of @mig/core). A subclass without its own brand matches only its own instances.
 */
export function isBranded(cls: abstract new (...args: never[]) => unknown, x: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, x)) return true
  if (typeof x !== 'object' || x === null || !Object.hasOwn(cls, BRAND)) return false
  const want = (cls as unknown as Record<symbol, unknown>)[BRAND]
  for (let p = Object.getPrototypeOf(x); p !== null; p = Object.getPrototypeOf(p)) {
    const c = (p as { constructor?: unknown }).constructor
    if (typeof c === 'function' && Object.hasOwn(c, BRAND) && (c as unknown as Record<symbol, unknown>)[BRAND] === want) return true
  }
  return false
}

/** Base class of every error mig throws on purpose. `hint` is a next step for the user. */
export class MigError extends Error {
  /** `instanceof` works across copies of @mig/core (see {@link brand}). */
  static override [Symbol.hasInstance](x: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof asks about (a subclass too)
    return isBranded(this, x)
  }
  override name = 'MigError'
  /** A short suggestion of what to do next ("run mig resolve 2024... --applied"). */
  hint?: string
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    if (options?.hint) this.hint = options.hint
  }
}
brand(MigError, 'MigError')

/** One problem in a config file, with the key and file it concerns. */
export interface ConfigProblem {
  file: string
  key?: string
  line?: number
  column?: number
  message: string
}

/** Bad or unknown configuration. Collects every problem found, not just the first. */
export class ConfigError extends MigError {
  override name = 'ConfigError'
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[], options?: { cause?: unknown; hint?: string }) {
    super(problems.map(formatProblem).join('\n'), options)
    this.problems = problems
  }
  get file(): string | undefined {
    return this.problems[0]?.file
  }
  get key(): string | undefined {
    return this.problems[0]?.key
  }
}
brand(ConfigError, 'ConfigError')

function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`
}

/** The migrations on disk do not form a valid project (duplicate versions, orphan downs, bad names). */
export class ProjectError extends MigError {
  override name = 'ProjectError'
  readonly problems: { file: string; message: string }[]
  constructor(problems: { file: string; message: string }[], options?: { hint?: string }) {
    super(problems.map((p) => `${p.file}: ${p.message}`).join('\n'), options)
    this.problems = problems
  }
}
brand(ProjectError, 'ProjectError')

/** The requested plan cannot be made (modified migration, unknown target version, missing down). */
export class PlanError extends MigError {
  override name = 'PlanError'
  /** What the plan refused on: lets the CLI pick an exit code and hint. */
  readonly reason: 'modified' | 'failed' | 'unknown-version' | 'not-applied' | 'no-down' | 'out-of-order' | 'dependency' | 'other'
  readonly versions: string[]
  constructor(reason: PlanError['reason'], message: string, versions: string[] = [], options?: { hint?: string }) {
    super(message, options)
    this.reason = reason
    this.versions = versions
  }
}
brand(PlanError, 'PlanError')

/** Who holds the migration lock, as far as the database can tell. */
export interface LockHolder {
  pid?: number | string
  application?: string
  host?: string
  user?: string
  since?: Date
  detail?: string
}

/** The migration lock was not acquired within `--lock-timeout`. */
export class LockTimeoutError extends MigError {
  override name = 'LockTimeoutError'
  readonly holder: LockHolder | undefined
  readonly timeoutMs: number
  constructor(timeoutMs: number, holder?: LockHolder) {
    super(`could not acquire the migration lock within ${timeoutMs}ms${holder ? `; held by ${describeHolder(holder)}` : ''}`, {
      hint: 'another mig is running against this database; wait for it or raise --lock-timeout',
    })
    this.holder = holder
    this.timeoutMs = timeoutMs
  }
}
brand(LockTimeoutError, 'LockTimeoutError')

/** Human-readable description of a lock holder. */
export function describeHolder(h: LockHolder): string {
  const parts: string[] = []
  if (h.pid !== undefined) parts.push(`pid ${h.pid}`)
  if (h.application) parts.push(h.application)
  if (h.user) parts.push(`user ${h.user}`)
  if (h.host) parts.push(`on ${h.host}`)
  if (h.since) parts.push(`since ${h.since.toISOString()}`)
  if (h.detail) parts.push(h.detail)
  return parts.length ? parts.join(', ') : 'another session'
}

/** The database could not be reached or refused the connection. The message never contains a password. */
export class ConnectionError extends MigError {
  override name = 'ConnectionError'
  readonly url: string
  constructor(url: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(`cannot connect to ${url}: ${message}`, options)
    this.url = url
  }
}
brand(ConnectionError, 'ConnectionError')

/** A database URL mig cannot use (unknown scheme, malformed). */
export class UrlError extends MigError {
  override name = 'UrlError'
}
brand(UrlError, 'UrlError')

/** A statement of a migration failed. `line` is the 1-based line of the statement in `file`. */
export class MigrationError extends MigError {
  override name = 'MigrationError'
  readonly migration: string
  readonly direction: 'up' | 'down'
  readonly file: string | undefined
  readonly statement: string | undefined
  readonly statementIndex: number | undefined
  readonly line: number | undefined
  constructor(fields: {
    migration: string
    direction: 'up' | 'down'
    message: string
    file?: string
    statement?: string
    statementIndex?: number
    line?: number
    cause?: unknown
    hint?: string
  }) {
    const where = fields.file ? ` (${fields.file}${fields.line ? `:${fields.line}` : ''})` : ''
    super(`${fields.migration}${where}: ${fields.message}`, { cause: fields.cause, hint: fields.hint })
    this.migration = fields.migration
    this.direction = fields.direction
    this.file = fields.file
    this.statement = fields.statement
    this.statementIndex = fields.statementIndex
    this.line = fields.line
  }
}
brand(MigrationError, 'MigrationError')

/** The database's stored env and the target's env differ, or a production guard refused. */
export class EnvironmentError extends MigError {
  override name = 'EnvironmentError'
}
brand(EnvironmentError, 'EnvironmentError')
