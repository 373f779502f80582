import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Change, canonicalize, type Driver, diffSchemas, renderMigration, type Schema } from '@mig/core'
import { parse } from 'yaml'

/**
 * Where the sqldef corpus lives: a copy in this package (`corpus/sqldef`, MIT, with its README and
 * licence), so CI needs nothing outside the repository. Override with `SQLDEF_CORPUS`.
 */
export const SQLDEF_DIR = process.env.SQLDEF_CORPUS ?? fileURLToPath(new URL('../corpus/sqldef', import.meta.url))

/** One sqldef test case (see the corpus README for the fields). */
export interface SqldefCase {
  file: string
  name: string
  current: string
  desired: string
  up?: string
  down?: string
  error?: string
  enableDrop: boolean
  minVersion?: string
  maxVersion?: string
  flavor?: string
  offline?: boolean
  user?: string
  config?: Record<string, unknown>
  /** Uses sqldef-only fields (`managed_roles`, `manage`). */
  sqldefOnly: boolean
}

/** Load every case of one dialect folder (`sqlite`, `postgres`, `mysql`), in file then key order. */
export function loadSqldefCases(dialect: string, dir = SQLDEF_DIR): SqldefCase[] {
  const folder = join(dir, dialect)
  const out: SqldefCase[] = []
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const doc = parse(readFileSync(join(folder, file), 'utf8')) as Record<string, Record<string, unknown>>
    for (const [name, c] of Object.entries(doc)) {
      out.push({
        file,
        name,
        current: (c.current as string | undefined) ?? '',
        desired: (c.desired as string | undefined) ?? '',
        up: c.up as string | undefined,
        down: c.down as string | undefined,
        error: c.error as string | undefined,
        enableDrop: c.enable_drop !== false,
        minVersion: c.min_version as string | undefined,
        maxVersion: c.max_version as string | undefined,
        flavor: c.flavor as string | undefined,
        offline: c.offline as boolean | undefined,
        user: c.user as string | undefined,
        config: c.config as Record<string, unknown> | undefined,
        sqldefOnly: c.managed_roles !== undefined || c.manage !== undefined,
      })
    }
  }
  return out
}

/** Compare versions segment by segment over the segments both have (sqldef's rule). */
export function versionInRange(server: string, min?: string, max?: string): boolean {
  const seg = (v: string) =>
    v
      .split(/[.-]/)
      .map((x) => Number.parseInt(x, 10))
      .filter((n) => !Number.isNaN(n))
  const cmp = (a: string, b: string) => {
    const x = seg(a)
    const y = seg(b)
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
    return 0
  }
  if (min && cmp(server, min) < 0) return false
  if (max && cmp(server, max) > 0) return false
  return true
}

/** A way to get fresh, empty, connected databases of one engine for the corpus. */
export interface SchemaTestTarget {
  /** A fresh empty database; `close()` disconnects and removes it. */
  open(): Promise<{ driver: Driver; close(): Promise<void> }>
  /** History/other tables to ignore. */
  ignoreTables?: string[]
  /** The engine cannot insert a column mid-table (PostgreSQL): compare columns ignoring order. */
  ignoreColumnOrder?: boolean
}

/** Canonical JSON of a schema for equality checks, independent of the diff engine. */
export function schemaFingerprint(schema: Schema, ignoreColumnOrder = false): string {
  const s = canonicalize(schema)
  const fold = (x: string) => (s.caseInsensitive ? x.toLowerCase() : x)
  return JSON.stringify(
    {
      ...s,
      tables: s.tables
        .map((t) => ({
          ...t,
          foreignKeys: t.foreignKeys.map(({ impliedIndex: _i, ...f }) => f),
          name: fold(t.name),
          columns: ignoreColumnOrder ? [...t.columns].sort((a, b) => (a.name < b.name ? -1 : 1)) : t.columns,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    },
    null,
    1,
  )
}

function assertSameSchema(actual: Schema, expected: Schema, ignoreColumnOrder: boolean | undefined, what: string): void {
  const a = schemaFingerprint(actual, ignoreColumnOrder)
  const e = schemaFingerprint(expected, ignoreColumnOrder)
  if (a !== e) {
    const al = a.split('\n')
    const el = e.split('\n')
    const i = al.findIndex((l, k) => l !== el[k])
    throw new Error(
      `${what}: introspected schema differs near line ${i}:\n  got      ${al.slice(Math.max(0, i - 3), i + 3).join('\n  got      ')}\n  expected ${el.slice(Math.max(0, i - 3), i + 3).join('\n  expected ')}`,
    )
  }
}

/**
 * The case's own `current` or `desired` SQL is rejected by the server when run in order (sqldef
 * parses and reorders it; mig materialises it in a real database). Not a diff failure.
 */
export class CaseNotExecutableError extends Error {
  override name = 'CaseNotExecutableError'
}

async function apply(driver: Driver, sql: string, what: string): Promise<void> {
  if (!sql.trim()) return
  try {
    await driver.runScript(driver, { sql })
  } catch (err) {
    if (what === 'applying current' || what === 'applying desired')
      throw new CaseNotExecutableError(`${what.replace('applying ', '')} is rejected by the server: ${(err as Error).message}`, { cause: err })
    throw new Error(`${what} failed: ${(err as Error).message}\n--- SQL ---\n${sql}`, { cause: err })
  }
}

async function introspect(driver: Driver): Promise<Schema> {
  if (!driver.introspect) throw new Error('driver cannot introspect')
  return driver.introspect()
}

function leftover(changes: Change[], enableDrop: boolean): Change[] {
  return enableDrop ? changes : changes.filter((c) => !c.destructive)
}

/**
 * Run one corpus case the way the brief asks: materialise `current`, diff to `desired` (itself
 * materialised in another fresh database), apply the generated up, check that the result
 * introspects equal to `desired` (a second diff is empty), then apply the generated down and check
 * that the result equals `current`. With `enable_drop: false`, destructive statements stay
 * commented out and only they may remain. Throws with the SQL involved on failure.
 */
export async function runSqldefCase(target: SchemaTestTarget, c: SqldefCase): Promise<void> {
  const a = await target.open()
  const b = await target.open()
  try {
    const opts = { ignoreTables: target.ignoreTables }
    await apply(a.driver, c.current, 'applying current')
    await apply(b.driver, c.desired, 'applying desired')
    const current = await introspect(a.driver)
    const desired = await introspect(b.driver)
    const ddl = a.driver.ddl
    if (!ddl) throw new Error('driver has no ddl')
    const again = diffSchemas(current, await introspect(a.driver), opts)
    if (again.changes.length) throw new Error(`introspection is not stable:\n${again.changes.map((x) => x.summary).join('\n')}`)
    const up = renderMigration(diffSchemas(current, desired, opts), ddl, { allowDestructive: c.enableDrop, hints: false })
    await apply(a.driver, up.sql, 'applying generated up')
    const afterUp = leftover(diffSchemas(await introspect(a.driver), desired, opts).changes, c.enableDrop)
    if (afterUp.length) throw new Error(`second diff after up is not empty:\n${afterUp.map((x) => x.summary).join('\n')}\n--- up ---\n${up.sql}`)
    if (c.enableDrop) assertSameSchema(await introspect(a.driver), desired, target.ignoreColumnOrder, `after up\n--- up ---\n${up.sql}`)
    const down = renderMigration(diffSchemas(await introspect(a.driver), current, opts), ddl, { allowDestructive: c.enableDrop, hints: false })
    await apply(a.driver, down.sql, 'applying generated down')
    const afterDown = leftover(diffSchemas(await introspect(a.driver), current, opts).changes, c.enableDrop)
    if (afterDown.length) throw new Error(`diff after down is not empty:\n${afterDown.map((x) => x.summary).join('\n')}\n--- down ---\n${down.sql}`)
    if (c.enableDrop) assertSameSchema(await introspect(a.driver), current, target.ignoreColumnOrder, `after down\n--- down ---\n${down.sql}`)
  } finally {
    await a.close()
    await b.close()
  }
}
