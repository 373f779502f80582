import type { CoreContext } from './context.js'
import { isProductionEnv } from './env.js'
import { EnvironmentError } from './errors.js'
import type { HistoryRow } from './history/store.js'
import { now } from './run/clock.js'

/**
 * Refuse a database whose stored env differs from the target's. `write`: store the target's env
 * when the database has none yet (the first write to it).
 */
export async function checkEnv(ctx: CoreContext, write: boolean): Promise<void> {
  const want = ctx.options.env
  const stored = await ctx.store.getMeta('env')
  if (stored && want && stored !== want) {
    throw new EnvironmentError(`this database says it is ${stored}; your target says ${want}`, {
      hint: `check --target / --database, or run mig env set ${want} --confirm if the database really changed role`,
    })
  }
  if (!stored && want && write) await ctx.recorder.setMeta(ctx.driver, 'env', want)
}

/** Drafts are never applied to a production database (the target's env, else the stored one). */
export async function refuseDraftsOnProduction(ctx: CoreContext): Promise<void> {
  const env = ctx.options.env ?? (await ctx.store.getMeta('env').catch(() => undefined))
  if (isProductionEnv(env)) {
    throw new EnvironmentError(`--include-drafts is refused: the target env is ${env}, and drafts are never applied to production`, {
      hint: 'apply drafts to a dev or staging database; remove -- mig:draft when the migration is ready',
    })
  }
}

/** What {@link withLock} gives its callback. */
export interface Locked {
  /** The history rows of the context's scope (or all, see {@link withLock}), read under the lock (empty when there is no history table yet). */
  history: HistoryRow[]
  /**
   * Create the history tables and record the env; call it only when about to write, so a refused
   * plan writes nothing.
   */
  prepare(): Promise<void>
}

/**
 * Take the migration lock, read the history under it (refusing a database of another env), and
 * call `fn`; release the lock whatever happens. `allScopes`: the rows of every scope, not only the
 * context's (a shared `down` checks that no tenant still has the tenant part applied).
 */
export async function withLock<T>(ctx: CoreContext, fn: (locked: Locked) => Promise<T>, options: { allScopes?: boolean } = {}): Promise<T> {
  await ctx.session.connect()
  const started = now()
  let waited = false
  // written with the schema resolved now: what a migration does to the session (search_path, USE)
  // never redirects the history writes
  if (ctx.driver.resolveSchema && !ctx.store.configured.includes('.')) ctx.store.qualify(await ctx.driver.resolveSchema(ctx.store.configured))
  const lock = await ctx.driver.acquireLock({
    key: `mig:${ctx.store.configured}`,
    timeoutMs: ctx.options.lockTimeoutMs,
    onWait: (holder) => {
      waited = true
      ctx.emit('lock:waiting', { holder })
    },
  })
  ctx.emit('lock:acquired', { waitedMs: waited ? Math.round(now() - started) : 0 })
  let out: T
  try {
    const rows = await ctx.store.rowsIfExists(options.allScopes ? undefined : ctx.scope)
    const exists = rows !== undefined
    if (exists) await checkEnv(ctx, false)
    out = await fn({
      history: rows ?? [],
      prepare: async () => {
        if (!exists) await ctx.store.ensure()
        await checkEnv(ctx, true)
      },
    })
  } catch (err) {
    await lock.release().catch(() => {})
    throw err
  }
  try {
    await lock.release()
  } catch (err) {
    // Releasing may commit the last deferred history writes: a run that already failed keeps its
    // own error, any other run fails with this one.
    if ((out as { ok?: unknown } | undefined)?.ok === false) return out
    throw err
  }
  return out
}
