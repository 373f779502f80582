import type { DependentObject, QueryExecutor } from '../driver.js'
import { MigrationError } from '../errors.js'
import { migrationInfo } from '../events.js'
import type { Migration } from '../migration.js'
import { now } from './clock.js'
import { runMigration } from './one-migration.js'
import type { MigrationResult, RunResult } from './results.js'
import type { RunContext, RunTarget } from './target.js'

/*
 * The dev loop's re-apply: a set of repeatables, in dependency order, in one transaction where the
 * engine allows, with the database objects that depend on what they define dropped first and
 * re-created after (drivers with `dependentObjects`).
 */

/** A name as written in SQL (`"Public".v`, `v`), unquoted and lower-cased part by part. */
function normalName(name: string): string {
  return name
    .split('.')
    .map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.replace(/^[`[]|[`\]]$/g, '').toLowerCase()))
    .join('.')
}

/** The unqualified part of a normalised name. */
const bare = (name: string) => name.slice(name.lastIndexOf('.') + 1)

const IDENT = String.raw`(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[\w$]+)`
const CREATED = new RegExp(
  String.raw`\bcreate\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|materialized|recursive|definer\s*=\s*\S+|algorithm\s*=\s*\w+|sql\s+security\s+\w+)\s+)*(?:view|function|procedure|trigger)\s+(?:if\s+not\s+exists\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)`,
  'gi',
)

/**
 * The views, functions, procedures and triggers a script creates (`CREATE [OR REPLACE] VIEW x`…),
 * as normalised names (unquoted, lower case unless quoted).
 */
export function definedObjects(sql: string): string[] {
  const out = new Set<string>()
  for (const m of sql.matchAll(CREATED)) out.add(normalName(m[1]!.replace(/\s+/g, '')))
  return [...out]
}

/** Whether `sql` mentions `name` (its unqualified part) as a whole word. */
export function mentions(sql: string, name: string): boolean {
  const word = bare(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(?<![\\w$])${word}(?![\\w$])`, 'i').test(sql)
}

/** A repeatable to re-apply and its rendered SQL. */
export interface ReapplyItem {
  migration: Migration
  sql: string
}

/**
 * Order repeatables to re-apply so that each comes after the ones it depends on: its `-- mig:depends`, and any
 * repeatable defining an object its SQL names (a view using a view). Ties keep the given order; a
 * cycle keeps the given order for what is left.
 */
export function orderReapply(items: ReapplyItem[]): ReapplyItem[] {
  const defined = new Map(items.map((i) => [i.migration.version, definedObjects(i.sql)]))
  const needs = new Map<ReapplyItem, Set<ReapplyItem>>()
  for (const a of items) {
    const deps = new Set<ReapplyItem>()
    for (const b of items) {
      if (a === b) continue
      const explicit = a.migration.depends.some((d) => d === b.migration.version || d === b.migration.name || d === b.migration.id)
      const own = defined.get(a.migration.version)!
      if (explicit || defined.get(b.migration.version)!.some((n) => !own.includes(n) && mentions(a.sql, n))) deps.add(b)
    }
    needs.set(a, deps)
  }
  const out: ReapplyItem[] = []
  const left = [...items]
  while (left.length) {
    const i = left.findIndex((a) => [...needs.get(a)!].every((d) => out.includes(d)))
    out.push(...left.splice(Math.max(i, 0), 1))
  }
  return out
}

/** Options of {@link reapplyRepeatables}. */
export interface ReapplyOptions {
  /** Versions that had a history row in the target's scope (a re-apply, not a first apply). */
  hadRows: ReadonlySet<string>
}

/** What {@link reapplyRepeatables} did: the run, and the dependent objects it dropped and re-created. */
export interface ReapplyResult extends RunResult {
  recreated: DependentObject[]
  /** Versions that had no history row before (applied for the first time). */
  firstApplied: string[]
  /** The round ran in one transaction: a failure left the previous state. */
  transactional: boolean
}

/**
 * Re-apply repeatables on `target`: ordered by {@link orderReapply}, in one transaction when
 * the driver has transactional DDL and none is `-- mig:no-transaction` (a failure then leaves the
 * previous state: nothing is recorded), each recorded as repeatables are. Objects that depend on
 * what they define (the driver's `dependentObjects`) are dropped first, last dependent first, and
 * re-created after, unless one of the repeatables defines them.
 */
export async function reapplyRepeatables(ctx: RunContext, target: RunTarget, items: ReapplyItem[], options: ReapplyOptions): Promise<ReapplyResult> {
  const started = now()
  const ordered = orderReapply(items)
  const plan = ordered.map((i) => i.migration)
  const driver = target.driver
  ctx.emit('plan', { direction: 'up', migrations: plan.map(migrationInfo), dryRun: false })
  const results: MigrationResult[] = []
  const recreated: DependentObject[] = []
  const task = (m: Migration, index: number) => ({ migration: m, direction: 'up' as const, index, total: plan.length, hadRow: options.hadRows.has(m.version) })
  const ownNames = new Set(ordered.flatMap((i) => definedObjects(i.sql)))
  const ownedBy = (o: DependentObject) => ownNames.has(normalName(o.name)) || ownNames.has(bare(normalName(o.name)))
  const runAll = async (exec: QueryExecutor, outerTx: QueryExecutor | undefined) => {
    const dependents = driver.dependentObjects ? await driver.dependentObjects(exec, [...ownNames]) : []
    for (const o of [...dependents].reverse()) await exec.query(o.drop, [])
    for (let i = 0; i < plan.length; i++) {
      const r = await runMigration(ctx, target, task(plan[i]!, i), outerTx ? { outerTx } : {})
      results.push(r)
      if (r.status === 'failed') throw r.error
    }
    for (const o of dependents) {
      if (ownedBy(o)) continue
      await exec.query(o.create, [])
      recreated.push(o)
    }
  }
  const single = driver.capabilities.transactionalDdl && plan.every((m) => m.transaction)
  try {
    if (single) await driver.transaction((tx) => runAll(tx, tx))
    else await runAll(driver, undefined)
  } catch (err) {
    if (!(err instanceof MigrationError)) throw err
    if (single) for (const r of results) if (r.status !== 'failed') r.status = 'rolled-back'
  }
  const failed = results.filter((r) => r.status === 'failed' || r.error)
  const durationMs = Math.round(now() - started)
  const applied = results.filter((r) => r.status === 'applied').length
  ctx.emit('done', { direction: 'up', applied, failed: failed.length, skipped: plan.length - results.length, durationMs })
  const out: ReapplyResult = {
    direction: 'up',
    ok: failed.length === 0,
    dryRun: false,
    results,
    durationMs,
    recreated: failed.length ? [] : recreated,
    transactional: single,
    firstApplied: plan.filter((m) => !options.hadRows.has(m.version)).map((m) => m.version),
  }
  if (failed[0]?.error) out.error = failed[0].error
  return out
}
