import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { reportRun } from '../run-reporter.js'

/** Options of `mig up`. */
export interface UpCommandOptions {
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
async function checkPins(ctx: CommandContext, migrator: Awaited<ReturnType<CommandContext['migrator']>>): Promise<void> {
  if (ctx.target.pins === 'none') return
  // @mig/templates (nunjucks) loads only for a pin policy, not on every `mig up`
  const { pinPolicyForUp } = await import('./template-renderer.js')
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
  const migrator = await ctx.migrator()
  try {
    if (!opts.dryRun) await checkPins(ctx, migrator)
    return await reportRun(ctx, migrator, () =>
      migrator.up({
        steps,
        to: opts.to,
        only: opts.only,
        dryRun: opts.dryRun,
        singleTransaction: opts.singleTransaction,
        allowOutOfOrder: opts.allowOutOfOrder,
        includeDrafts: opts.includeDrafts,
        resume: opts.resume,
      }),
    )
  } finally {
    await migrator.close()
  }
}
