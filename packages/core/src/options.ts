import type { MigrationSource } from './discovery.js'
import type { CsvLoad, Driver } from './driver.js'
import type { MigratorHooks, RunCommand } from './hooks.js'
import type { MigrationBody, RenderContext } from './migration.js'
import type { DownOptions, UpOptions } from './planner.js'

/**
 * SQL a renderer gives as a stream instead of one string (a template loading a large CSV): core
 * checksums, runs and logs it like a large plain-SQL file, calling `stream()` once per pass.
 */
export interface StreamedSql {
  /** The SQL in chunks, from the start each time it is called. */
  stream(): AsyncIterable<string>
  /**
   * The same render in parts, in order: SQL text as it is, and bulk loads whose INSERT statements
   * `stream()` writes out. When given, core checksums and logs the parts (a load as its call and
   * the hash of its bytes, not the SQL made of them), and a driver with `loadCsv` loads each CSV
   * its own way inside the migration's transaction.
   */
  parts?: StreamedPart[]
}

/**
 * A part of a {@link StreamedSql}: SQL text, or the rows of a CSV: `describe` names the call with
 * its options (checksummed with the CSV's bytes), `sql()` gives its INSERT statements in chunks
 * (for a driver that declines the load).
 */
export type StreamedPart = { sql: string } | { load: CsvLoad; describe: string; sql(): AsyncIterable<string> }

/** Renders a template body to SQL (or a {@link StreamedSql}); supplied by `@mig/templates` (or anything with the same shape). */
export type Renderer = (body: MigrationBody, context: RenderContext) => Promise<string | StreamedSql>

/** Options of {@link createMigrator}. */
export interface MigratorOptions {
  driver: Driver
  sources: MigrationSource[]
  /** History table, optionally schema-qualified. Default `schema_migrations`. */
  historyTable?: string
  /** Needed for `.njk` migrations. */
  render?: Renderer
  /** Bound on the wait for the migration lock; default: wait forever. */
  lockTimeoutMs?: number
  /**
   * The target's env (`dev`, `production`). Stored in the database on first write; a later run
   * whose env differs is refused with {@link EnvironmentError}.
   */
  env?: string
  /** Variables given to code migrations (`ctx.vars`). */
  vars?: Record<string, unknown>
  /** Scope of this run (`shared`, or a tenant). Default `shared`. */
  scope?: string
  /** Callbacks around the run and each migration (see {@link MigratorHooks}). */
  hooks?: MigratorHooks
  /** Runs `-- mig:run <command>` lines of no-transaction migrations. Without it such lines fail the migration. */
  runCommand?: RunCommand
  /**
   * Masks secrets in SQL (and errors) before they are written to the log, e.g.
   * `(t) => renderer.maskSecrets(t)` from `@mig/templates`. Default: none.
   */
  redact?: (text: string) => string
  /**
   * Secret the variables in the log are encrypted with (AES-256-GCM). Default: `MIG_ENCRYPTION_KEY`
   * from the environment; without one, only variable names are logged.
   */
  encryptionKey?: string
}

/** Options of {@link Migrator.up}. */
export interface RunUpOptions extends UpOptions {
  dryRun?: boolean
  /** Apply the whole batch in one transaction (needs transactional DDL). */
  singleTransaction?: boolean
}

/** Options of {@link Migrator.down}. */
export interface RunDownOptions extends DownOptions {
  dryRun?: boolean
}
