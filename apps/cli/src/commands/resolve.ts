import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'

/** Options of `mig resolve`. */
export interface ResolveCommandOptions {
  applied?: boolean
  rolledBack?: boolean
  acceptChecksum?: boolean
  reason?: string
}

/**
 * `mig resolve <version> --applied|--rolled-back`: after fixing a failed migration by hand, record it
 * as applied, or forget it so `mig up` runs it again. `--accept-checksum --reason TEXT`: an applied
 * migration whose file was edited on purpose keeps its row and takes the file's new checksum. Both
 * are logged (action `resolve` / `accept-checksum`).
 */
export async function resolveCommand(ctx: CommandContext, version: string, opts: ResolveCommandOptions): Promise<number> {
  const chosen = [opts.applied, opts.rolledBack, opts.acceptChecksum].filter(Boolean).length
  if (chosen !== 1) {
    throw new ExitError(
      'pass exactly one of --applied, --rolled-back or --accept-checksum',
      EXIT.usage,
      `--applied if ${version}'s changes are in the database, --rolled-back if they are not, --accept-checksum if its applied file was edited on purpose`,
    )
  }
  if (opts.acceptChecksum) return acceptChecksum(ctx, version, opts.reason)
  const as = opts.applied ? 'applied' : 'rolled-back'
  const r = await withMigrator(ctx, (migrator) => migrator.resolve(version, as))
  ctx.out.event({ event: 'resolved', ...r })
  ctx.out.line(`Resolved ${r.version}_${r.name} as ${as === 'applied' ? 'applied' : 'rolled back'} (was ${r.previousStatus})`)
  return EXIT.ok
}

async function acceptChecksum(ctx: CommandContext, version: string, reason: string | undefined): Promise<number> {
  if (!reason?.trim()) {
    throw new ExitError(
      '--accept-checksum needs --reason TEXT: why the edit is harmless (kept in the log)',
      EXIT.usage,
      `mig resolve ${version} --accept-checksum --reason "comment only"`,
    )
  }
  const r = await withMigrator(ctx, (migrator) => migrator.acceptChecksum(version, reason.trim()))
  ctx.out.event({ event: 'checksum-accepted', ...r })
  ctx.out.line(`Accepted the edit of ${r.version}_${r.name}: checksum ${r.previousChecksum.slice(0, 12)} -> ${r.checksum.slice(0, 12)} (logged)`)
  return EXIT.ok
}
