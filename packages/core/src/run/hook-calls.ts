import { normalizeNewlines } from '../checksum.js'
import type { Driver } from '../driver.js'
import { MigrationError } from '../errors.js'
import { migrationInfo } from '../events.js'
import { callHooks, type HookContext, HookError, type HookName } from '../hooks.js'
import type { Migration } from '../migration.js'
import type { MigratorOptions } from '../options.js'

/**
 * Call the configured callbacks of `hook` for a run (or one migration of it) on `driver`; the
 * first failure throws a {@link HookError}.
 */
export async function callHook(
  options: Pick<MigratorOptions, 'hooks' | 'env'>,
  driver: Driver,
  hook: HookName,
  direction: 'up' | 'down',
  plan: Migration[],
  extra: Partial<HookContext> = {},
): Promise<void> {
  if (!options.hooks?.[hook]) return
  const ctx: HookContext = {
    hook,
    direction,
    migrations: plan.map(migrationInfo),
    database: driver.displayUrl,
    sql: async (text, file) => {
      await driver.runScript(driver, { sql: normalizeNewlines(text), file: file ?? `${hook} hook`, line: 1 })
    },
    ...extra,
  }
  if (options.env) ctx.env = options.env
  await callHooks(options.hooks, ctx)
}

/** A hook's failure as the {@link MigrationError} of its migration (or of the run). */
export function hookFailure(err: unknown, direction: 'up' | 'down', m?: Migration): MigrationError {
  const he = err instanceof HookError ? err : new HookError('after_up', err)
  return new MigrationError({ migration: m?.id ?? he.hook, direction, message: he.message, cause: he })
}
