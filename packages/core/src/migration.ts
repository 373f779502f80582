/** The in-memory model of a migration, whatever form it had on disk. */

/** Versioned migrations run once, in version order; repeatables re-run whenever their checksum changes. */
export type MigrationKind = 'versioned' | 'repeatable'

/** `shared` runs once per database; `tenant` once per tenant schema. */
export type MigrationScope = 'shared' | 'tenant'

/** The tenant a tenant part runs in: templates see it as `tenant.name` and `tenant.schema`. */
export interface TenantContext {
  /** The tenant's name as registered (`mig tenant create <name>`). */
  name: string
  /** Its schema (PostgreSQL), database (MySQL) or file (SQLite), from `[tenants] schema`. */
  schema: string
}

/** Context a template or code migration is rendered with; filled by the migrator. */
export interface RenderContext {
  migration: Migration
  direction: 'up' | 'down' | 'verify'
  /** Prefer pinned components (lock.toml) when present. */
  pinned?: boolean
  /** Set when a tenant part renders: the tenant it runs in. */
  tenant?: TenantContext
  /** Variables of this render when they differ from the renderer's own (a tenant's variables merged over the target's). */
  vars?: Record<string, unknown>
}

/** One runnable script of a migration (up, down or verify). */
export interface MigrationBody {
  /** File the body comes from, as given to discovery (absolute). */
  file: string
  /** 1-based line in `file` where the body starts (single-file migrations with sections). */
  line: number
  /** True when the body is a nunjucks template (`.njk`) and must be rendered before it runs. */
  template: boolean
  /** Raw text of the body (the template source for templates). */
  read(): Promise<string>
  /**
   * Set on plain-SQL bodies that are a whole file larger than `STREAM_THRESHOLD` (1 MiB): the raw
   * text in chunks, read from the file each time it is called. The migrator then checksums, runs
   * and logs the body from the stream, never holding it whole. Unset for everything else
   * (templates, code, sections of single-file migrations, small files).
   */
  stream?(): AsyncIterable<string>
}

/** Code executed by a code migration (`.ts`/`.js` exporting `up`/`down`) or a `code()` source. */
export type MigrationFn = (ctx: MigrationContext) => Promise<void> | void

/** What a code migration receives. */
export interface MigrationContext {
  /** Run a statement; tagged template values become parameters. */
  sql(strings: TemplateStringsArray, ...values: unknown[]): Promise<Record<string, unknown>[]>
  /** Run one statement with `?` placeholders. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  /** The driver's own client (pg Client, mysql2 Connection, better-sqlite3 Database). */
  client: unknown
  vars: Record<string, unknown>
  log(message: string): void
}

/** A migration discovered on disk or given in code. */
export interface Migration {
  /** `{version}_{name}` for versioned migrations, `R__{name}` for repeatables. */
  id: string
  /** Digits for versioned migrations (compared numerically); `R__{name}` for repeatables. */
  version: string
  name: string
  kind: MigrationKind
  /** Label of the source it came from (folder or package). */
  source: string
  /** The migration's file or folder. */
  path: string
  up: MigrationBody | null
  down: MigrationBody | null
  /** Optional check run after `up`, in the same transaction. */
  verify: MigrationBody | null
  /**
   * The tenant part: runs once in every tenant (`[tenants]` in mig.toml), after the shared part
   * (`up`). Null when the migration has none. A migration with only a tenant part has an empty `up`.
   */
  tenantUp?: MigrationBody | null
  /** Reverts the tenant part; runs before the shared `down`. */
  tenantDown?: MigrationBody | null
  /** Code migrations: functions instead of SQL bodies. */
  code?: { up: MigrationFn; down?: MigrationFn; file?: string }
  /** Code migration files (`.ts`, `.mts`, `.js`, `.mjs`): loaded into `code` before a run (see `loadCodeMigrations`). */
  codeFile?: string
  /** False for `-- mig:no-transaction` / `transaction = false`. */
  transaction: boolean
  /** Versions (or `R__` names) that must be applied first. */
  depends: string[]
  draft: boolean
  /** `tenant` when the whole migration is a tenant part (`-- mig:scope tenant`, `scope = "tenant"`). */
  scope: MigrationScope
  description?: string
  /** Absolute path of `lock.toml` when the migration is pinned. */
  lockFile?: string
  /**
   * How the tool that wrote the folder names this migration, when it is not mig's version
   * (Liquibase `author:id`, a sqitch change name): shown by `status`, matched by `adopt --from`.
   */
  toolId?: string
  /** The checksum that tool records for this migration (Flyway's CRC32 of a repeatable): `adopt --from` adopts it only when equal. */
  toolChecksum?: string
}

const DIGITS = /^\d+$/
const LEADING_ZEROS = /^0+/
/** A version of dot-separated numbers (`1.2.10`), as Flyway writes them. */
const DOTTED = /^\d+(?:\.\d+)*$/

/** Compare two digit strings of any length as numbers, without allocating BigInts. */
function compareDigits(a: string, b: string): number {
  // drop leading zeros, then the longer is larger, else compare the digits
  const x = a[0] === '0' ? a.replace(LEADING_ZEROS, '') : a
  const y = b[0] === '0' ? b.replace(LEADING_ZEROS, '') : b
  if (x.length !== y.length) return x.length < y.length ? -1 : 1
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Compare two versions numerically: digit strings of any length, or dotted versions (Flyway's
 * `1.1 < 1.2 < 1.10`), compared part by part with missing parts as 0 (so `1.0` equals `1`).
 */
export function compareVersions(a: string, b: string): number {
  if (DIGITS.test(a) && DIGITS.test(b)) return compareDigits(a, b)
  if (DOTTED.test(a) && DOTTED.test(b)) {
    const x = a.split('.')
    const y = b.split('.')
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const c = compareDigits(x[i] ?? '0', y[i] ?? '0')
      if (c !== 0) return c
    }
    return 0
  }
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Sort: versioned by version, then repeatables by name. */
export function compareMigrations(a: Migration, b: Migration): number {
  if (a.kind !== b.kind) return a.kind === 'versioned' ? -1 : 1
  if (a.kind === 'versioned') return compareVersions(a.version, b.version)
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}
