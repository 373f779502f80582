import { describeNotCompared, drift } from '@mig/core'
import type { CommandContext } from '../context.js'
import { materializeContext, openTargetDriver } from './schema-shared.js'

/** Options of `mig drift`. */
export interface DriftCommandOptions {
  /** Shadow database to use instead of a temporary one. */
  shadowUrl?: string
}

/**
 * `mig drift`: replay the applied migrations in a shadow database and diff it with the live one.
 * Prints the differences (live relative to expected) and returns 1 when there are any, else 0.
 */
export async function driftCommand(ctx: CommandContext, options: DriftCommandOptions = {}): Promise<number> {
  const driver = await openTargetDriver(ctx)
  try {
    const result = await drift(materializeContext(ctx, driver, options.shadowUrl))
    const notCompared = describeNotCompared(result.diff.notCompared)
    if (ctx.out.mode === 'json') {
      ctx.out.json({
        drifted: result.drifted,
        applied: result.applied,
        changes: result.diff.changes.map((c) => ({ kind: c.kind, summary: c.summary, destructive: c.destructive })),
        notCompared: result.diff.notCompared,
      })
    } else if (result.drifted) {
      ctx.out.line(`Drift: the database differs from its ${result.applied.length} applied migration(s):`)
      for (const c of result.diff.changes) ctx.out.line(c.summary)
      if (notCompared) ctx.out.line(notCompared)
    } else if (notCompared) ctx.out.line(`No drift in compared objects (${result.applied.length} applied migration(s) checked); ${notCompared}`)
    else ctx.out.line(`No drift (${result.applied.length} applied migration(s) checked)`)
    return result.drifted ? 1 : 0
  } finally {
    await driver.close()
  }
}
