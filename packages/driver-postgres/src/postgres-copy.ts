import { type CopyBlocker, type CopyDatabaseOptions, type DatabaseCopy, DatabaseCopyError, withDatabase } from '@mig/core'
import type pg from 'pg'
import { postgresDialect } from './postgres-dialect.js'
import { openClient, postgresConfig } from './postgres-driver.js'

/** The database a URL names. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres'
}

/** A database name for a copy of `source`: recognisable, unique, within PostgreSQL's 63 bytes. */
export function copyName(source: string): string {
  const random = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  return `${source.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_copy_${random}`
}

const queues = new WeakMap<pg.Client, Promise<unknown>>()

/** Run `sql` on `client` after what was sent to it before has finished (pg wants one query at a time per client). */
function serially(client: pg.Client, sql: string): Promise<unknown> {
  const run = () => client.query(sql)
  const next = (queues.get(client) ?? Promise.resolve()).then(run, run)
  queues.set(
    client,
    next.catch(() => {}),
  )
  return next
}

/** Sessions connected to `database`, other than the asking one. */
async function blockers(admin: pg.Client, database: string): Promise<CopyBlocker[]> {
  const res = await admin.query(
    'SELECT pid, usename, application_name, client_addr::text AS client, state FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY pid',
    [database],
  )
  return res.rows.map((r) => ({
    pid: Number(r.pid),
    user: r.usename ?? undefined,
    application: r.application_name || undefined,
    client: r.client ?? 'local',
    state: r.state ?? undefined,
  }))
}

function describe(b: CopyBlocker): string {
  return `pid ${b.pid} (${[b.application && `application ${b.application}`, b.user && `user ${b.user}`, b.client && `from ${b.client}`, b.state].filter(Boolean).join(', ')})`
}

/**
 * Copy `url`'s database with `CREATE DATABASE … TEMPLATE` (or create an empty one), through
 * `admin`, a connection to another database of the server: PostgreSQL copies a template only while
 * nobody is connected to it, so a busy template is reported with the sessions that hold it.
 */
export async function copyPostgresDatabase(
  admin: pg.Client,
  url: string,
  options: CopyDatabaseOptions = {},
  /** Where `drop()` runs: another connection lets a drop and the next copy run at the same time. Default `admin`. */
  dropper: () => Promise<pg.Client> = async () => admin,
): Promise<DatabaseCopy> {
  const source = databaseOf(url)
  const name = copyName(source)
  const q = postgresDialect.quoteIdent
  try {
    // PostgreSQL 15's default strategy (WAL_LOG) is kept: FILE_COPY was faster on an idle server
    // but its checkpoint made each copy take seconds while other sessions wrote
    await serially(admin, options.empty ? `CREATE DATABASE ${q(name)}` : `CREATE DATABASE ${q(name)} TEMPLATE ${q(source)}`)
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code === '55006') {
      const held = await blockers(admin, source)
      throw new DatabaseCopyError(
        source,
        `cannot copy database "${source}": ${held.length || 'other'} session${held.length === 1 ? ' is' : 's are'} connected to it${held.length ? `: ${held.map(describe).join('; ')}` : ''}`,
        {
          blockers: held,
          hint: 'PostgreSQL copies a database only while nobody is connected to it: close those sessions, or pass --from-migrations',
          cause: err,
        },
      )
    }
    throw new DatabaseCopyError(source, `cannot copy database "${source}": ${e.message}`, { cause: err })
  }
  let dropped = false
  return {
    url: withDatabase(url, name),
    name,
    contents: options.empty ? 'empty' : 'copied',
    source,
    async drop() {
      if (dropped) return
      await serially(await dropper(), `DROP DATABASE IF EXISTS ${q(name)} WITH (FORCE)`)
      dropped = true
    },
  }
}

/** The URL of a database to administer copies from: `postgres`, or `template1` when the source is `postgres`. */
export function adminUrl(url: string): string {
  return withDatabase(url, databaseOf(url) === 'postgres' ? 'template1' : 'postgres')
}

/**
 * The copies a driver makes: one connection to the server's `postgres` database creates them,
 * another drops them, so a drop and the next copy run at the same time. Both open on first use.
 */
export class PostgresCopies {
  private admin: Promise<pg.Client> | undefined
  private dropper: Promise<pg.Client> | undefined

  constructor(
    private readonly url: string,
    private readonly displayUrl: string,
  ) {}

  private open(): Promise<pg.Client> {
    return openClient(postgresConfig(adminUrl(this.url), 'mig'), this.displayUrl)
  }

  /** See {@link copyPostgresDatabase}. */
  async copy(options?: CopyDatabaseOptions): Promise<DatabaseCopy> {
    this.admin ??= this.open()
    return copyPostgresDatabase(await this.admin, this.url, options, () => {
      this.dropper ??= this.open()
      return this.dropper
    })
  }

  /** Close both connections. */
  async close(): Promise<void> {
    const clients = [this.admin, this.dropper]
    this.admin = undefined
    this.dropper = undefined
    for (const c of clients) if (c) await (await c.catch(() => undefined))?.end().catch(() => {})
  }
}
