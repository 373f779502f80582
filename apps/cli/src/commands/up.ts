import type { Migrator, RunResult } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { reportRun } from '../run-reporter.js'
import type { FleetCommandOptions } from './fleet.js'

/** Options of `mig up` (with the tenant selectors of a project with `[tenants]`). */
export interface UpCommandOptions extends FleetCommandOptions {
  to?: string
  only?: string
  dryRun?: boolean
  singleTransaction?: boolean
  allowOutOfOrder?: boolean
  includeDrafts?: boolean
  resume?: boolean
}

/**
 * The target's `pins` policy: `required` refuses unpinned templated migrations; `prompt` asks on a
 * TTY and refuses off a TTY unless --yes.
 */
async function checkPins(ctx: CommandContext, migrator: Migrator): Promise<void> {
  if (ctx.target.pins === 'none') return
  // @mig/templates (nunjucks) loads only for a pin policy, not on every `mig up`
  const { pinPolicyForUp } = await import('../templates.js')
  const decision = await pinPolicyForUp(ctx, migrator)
  if (decision.action === 'ok') return
  if (decision.action === 'prompt') {
    if (ctx.options.yes) return
    if (process.stdin.isTTY && ctx.out.mode === 'tty' && (await (await import('../prompt.js')).confirm(decision.message ?? 'Apply unpinned migrations?')))
      return
    throw new ExitError(
      decision.message ?? 'unpinned templated migrations',
      EXIT.failed,
      'pin them with mig pin <migration>, or pass --yes to apply them unpinned',
    )
  }
  throw new ExitError(decision.message ?? 'unpinned templated migrations', EXIT.failed, 'pin them with mig pin <migration>')
}

/** `mig up [N] [--to V] [--only V] [--dry-run] [--single-transaction] [--resume]` */
export async function upCommand(ctx: CommandContext, steps: number | undefined, opts: UpCommandOptions): Promise<number> {
  return withMigrator(ctx, async (migrator) => {
    if (!opts.dryRun) await checkPins(ctx, migrator)
    const shared = (seen?: (result: RunResult) => void) =>
      reportRun(ctx, migrator, async () => {
        const result = await migrator.up({
          steps,
          to: opts.to,
          only: opts.only,
          dryRun: opts.dryRun,
          singleTransaction: opts.singleTransaction,
          allowOutOfOrder: opts.allowOutOfOrder,
          includeDrafts: opts.includeDrafts,
          resume: opts.resume,
        })
        seen?.(result)
        return result
      })
    // tenants: the shared parts, then the tenant parts (commands/fleet.ts); loaded only for such projects
    if (ctx.config.tenants) {
      const fleet = await import('./fleet.js')
      return await (opts.dryRun ? fleet.fleetDryRun(ctx, migrator, opts, shared) : fleet.fleetUp(ctx, migrator, opts, shared))
    }
    const fleet = await import('./fleet.js')
    if (fleet.wantsTenants(opts)) (await import('../fleet-context.js')).tenantsConfig(ctx)
    // the connection still opens while the files are read, where the driver does that anyway
    const connecting = migrator.driver.capabilities.connectWhileDiscovering ? migrator.connect() : undefined
    connecting?.catch(() => {})
    const migrations = await migrator.discover().finally(() => connecting)
    await connecting
    fleet.refuseTenantParts(ctx, migrations)
    return shared()
  })
}
