import { DEFAULT_HISTORY_TABLE, HistoryStore } from '../history/store.js'
import { diffSchemas, type SchemaDiff } from './diff.js'
import { applyMigrations, historyTables, type MaterializeContext, SchemaUnsupportedError, withShadow } from './materialize.js'

/** Result of {@link drift}. */
export interface DriftResult {
  /** True when the live database differs from what its applied migrations produce. */
  drifted: boolean
  /** Changes that would turn the expected schema (shadow) into the live one. */
  diff: SchemaDiff
  /** Versions replayed in the shadow database, in order. */
  applied: string[]
}

/**
 * Compare the live database with what its applied migrations should have produced: replay the
 * applied versioned migrations (per the history table of `ctx.driver`) in a shadow database and
 * diff shadow -> live. History tables are left out of the comparison.
 */
export async function drift(ctx: MaterializeContext): Promise<DriftResult> {
  if (!ctx.driver.introspect) throw new SchemaUnsupportedError('introspection', ctx.driver.displayUrl)
  const historyTable = ctx.historyTable ?? DEFAULT_HISTORY_TABLE
  const store = new HistoryStore(ctx.driver, historyTable)
  let rows: Awaited<ReturnType<HistoryStore['rows']>> = []
  try {
    rows = await store.rows()
  } catch {
    rows = [] // no history table yet: nothing applied
  }
  const applied = rows.filter((r) => r.kind !== 'repeatable' && r.status === 'applied').map((r) => r.version)
  const live = await ctx.driver.introspect()
  const expected = await withShadow(ctx, async (shadow) => {
    await applyMigrations(shadow, ctx, applied)
    if (!shadow.introspect) throw new SchemaUnsupportedError('introspection', shadow.displayUrl)
    return shadow.introspect()
  })
  const diff = diffSchemas(expected, live, { ignoreTables: historyTables(historyTable) })
  return { drifted: diff.changes.length > 0, diff, applied }
}
