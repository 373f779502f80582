import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { MigrationSource } from '../discovery.js'
import { type Driver, type ShadowDatabase, StatementFailure } from '../driver.js'
import { brand, MigError } from '../errors.js'
import { DEFAULT_HISTORY_TABLE } from '../history/store.js'
import { createMigrator, type Renderer } from '../migrator.js'
import { urlScheme } from '../url.js'
import type { Schema } from './model.js'

/** Where a schema comes from: `mig diff --from/--to`. */
export type SchemaSourceSpec = { kind: 'database'; url: string } | { kind: 'files'; path: string } | { kind: 'migrations' }

/** A schema source could not be read or materialised. */
export class SchemaSourceError extends MigError {
  override name = 'SchemaSourceError'
  /** The source as given (`migrations`, a path; URLs are not repeated here). */
  readonly source: string
  /** File and 1-based line of the failing statement, when a SQL file failed. */
  readonly file?: string
  readonly line?: number
  readonly statement?: string
  constructor(source: string, message: string, options: { cause?: unknown; hint?: string; file?: string; line?: number; statement?: string } = {}) {
    super(message, options)
    this.source = source
    this.file = options.file
    this.line = options.line
    this.statement = options.statement
  }
}
brand(SchemaSourceError, 'SchemaSourceError')

/** The driver lacks schema support. */
export class SchemaUnsupportedError extends MigError {
  override name = 'SchemaUnsupportedError'
  readonly feature: string
  constructor(feature: string, driverUrl: string) {
    super(`the driver for ${driverUrl} does not support ${feature}`, { hint: 'dump, diff and drift need a driver with introspect(), ddl and createShadow()' })
    this.feature = feature
  }
}
brand(SchemaUnsupportedError, 'SchemaUnsupportedError')

/**
 * Parse a `--from`/`--to` value: `migrations`, a database URL (`postgres://`, `mysql://`,
 * `sqlite:`), or a path to a `.sql` file or a folder of them.
 */
export function parseSchemaSource(src: string): SchemaSourceSpec {
  if (src === 'migrations') return { kind: 'migrations' }
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) && !/^[a-z]:[\\/]/i.test(src)) {
    urlScheme(src)
    return { kind: 'database', url: src }
  }
  return { kind: 'files', path: src }
}

/** What {@link materialize} works with. */
export interface MaterializeContext {
  /** The project's target driver, connected: gives the dialect and creates shadow databases. */
  driver: Driver
  /** Open (not yet connect) a driver for another URL of the same engine. */
  openDriver(url: string): Promise<Driver>
  /** Migration sources, for `migrations`. */
  sources?: MigrationSource[]
  /** History table name; default `schema_migrations`. */
  historyTable?: string
  /** Renderer for `.njk` migrations. */
  render?: Renderer
  /** Variables for code migrations. */
  vars?: Record<string, unknown>
  /** Use this database as shadow instead of creating one; it is emptied before and after. */
  shadowUrl?: string
  /** Base folder for relative paths. Default `process.cwd()`. */
  cwd?: string
}

/** The SQL files of a path: the file itself, or every `.sql` file under a folder in path order. */
export function schemaFiles(path: string): string[] {
  const st = statSync(path)
  if (st.isFile()) return [path]
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.sql')) out.push(p)
    }
  }
  walk(path)
  return out
}

/** Tables mig keeps for itself (left out of every diff): the history table and its `_log`/`_meta`. */
export function historyTables(historyTable = DEFAULT_HISTORY_TABLE): string[] {
  return [historyTable, `${historyTable}_log`, `${historyTable}_meta`]
}

async function introspectOf(driver: Driver): Promise<Schema> {
  if (!driver.introspect) throw new SchemaUnsupportedError('introspection', driver.displayUrl)
  return driver.introspect()
}

/**
 * Run `fn` on a fresh shadow database: `shadowUrl` (emptied) or one made by the driver. The shadow is
 * dropped afterwards, also when `fn` throws.
 */
export async function withShadow<T>(ctx: MaterializeContext, fn: (shadow: Driver) => Promise<T>): Promise<T> {
  let shadow: ShadowDatabase
  if (ctx.shadowUrl) {
    const url = ctx.shadowUrl
    shadow = {
      url,
      async drop() {
        const d = await ctx.openDriver(url)
        await d.connect()
        try {
          await d.dropAllObjects()
        } finally {
          await d.close()
        }
      },
    }
  } else {
    if (!ctx.driver.createShadow) throw new SchemaUnsupportedError('shadow databases', ctx.driver.displayUrl)
    shadow = await ctx.driver.createShadow()
  }
  try {
    const driver = await ctx.openDriver(shadow.url)
    await driver.connect()
    try {
      if (ctx.shadowUrl) await driver.dropAllObjects()
      return await fn(driver)
    } finally {
      await driver.close()
    }
  } finally {
    await shadow.drop()
  }
}

/** Apply SQL files to a connected driver. */
export async function applyFiles(driver: Driver, files: string[], source: string): Promise<void> {
  for (const file of files) {
    try {
      await driver.runScript(driver, { sql: readFileSync(file, 'utf8'), file })
    } catch (err) {
      if (err instanceof StatementFailure)
        throw new SchemaSourceError(source, `${file}:${err.line}: ${err.message}`, { cause: err, file, line: err.line, statement: err.statement.sql })
      throw new SchemaSourceError(source, `${file}: ${(err as Error).message}`, { cause: err, file })
    }
  }
}

/**
 * Read a schema from a source. A database URL is introspected directly; SQL files and `migrations`
 * are materialised in a shadow database (never parsed by mig) and the shadow is introspected.
 */
export async function materialize(src: string | SchemaSourceSpec, ctx: MaterializeContext): Promise<Schema> {
  const spec = typeof src === 'string' ? parseSchemaSource(src) : src
  if (spec.kind === 'database') {
    const d = await ctx.openDriver(spec.url)
    await d.connect()
    try {
      return await introspectOf(d)
    } finally {
      await d.close()
    }
  }
  if (spec.kind === 'files') {
    const path = resolve(ctx.cwd ?? process.cwd(), spec.path)
    let files: string[]
    try {
      files = schemaFiles(path)
    } catch (err) {
      throw new SchemaSourceError(spec.path, `cannot read ${spec.path}: ${(err as Error).message}`, { cause: err })
    }
    if (files.length === 0) throw new SchemaSourceError(spec.path, `no .sql files in ${relative(ctx.cwd ?? process.cwd(), path) || '.'}`)
    return withShadow(ctx, async (shadow) => {
      await applyFiles(shadow, files, spec.path)
      return introspectOf(shadow)
    })
  }
  return withShadow(ctx, async (shadow) => {
    await applyMigrations(shadow, ctx)
    return introspectOf(shadow)
  })
}

/** Apply migrations to a connected (shadow) driver; `only` restricts to versions (in order). */
export async function applyMigrations(shadow: Driver, ctx: MaterializeContext, only?: string[]): Promise<void> {
  const migrator = createMigrator({ driver: shadow, sources: ctx.sources ?? [], historyTable: ctx.historyTable, render: ctx.render, vars: ctx.vars })
  const runs = only ? only.map((v) => () => migrator.up({ only: v, allowOutOfOrder: true, includeDrafts: true })) : [() => migrator.up()]
  for (const run of runs) {
    const result = await run()
    if (!result.ok) {
      const e = result.error
      throw new SchemaSourceError('migrations', `migration ${e?.migration ?? '?'} failed in the shadow database: ${e?.message ?? 'unknown error'}`, {
        cause: e,
      })
    }
  }
}
