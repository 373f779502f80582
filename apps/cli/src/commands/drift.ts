import { describeNotCompared, drift } from '@mig/core'
import { withSchemaDriver } from '../connect.js'
import type { CommandContext } from '../context.js'
import { materializeContext } from '../schema-context.js'

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
  const result = await withSchemaDriver(ctx, (driver) => drift(materializeContext(ctx, driver, options.shadowUrl)))
  const { out } = ctx
  const changes = result.diff.changes.map((c) => ({ kind: c.kind, summary: c.summary, destructive: c.destructive }))
  const notCompared = describeNotCompared(result.diff.notCompared)
  out.result({ drifted: result.drifted, applied: result.applied, changes, notCompared: result.diff.notCompared }, () => {
    const checked = `${result.applied.length} applied migration(s)`
    if (!result.drifted) return out.line(notCompared ? `No drift in compared objects (${checked} checked); ${notCompared}` : `No drift (${checked} checked)`)
    out.line(`Drift: the database differs from its ${checked}:`)
    for (const c of changes) out.line(c.summary)
    if (notCompared) out.line(notCompared)
  })
  return result.drifted ? 1 : 0
}
