import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'
import { plural } from '../ui/format.js'

/**
 * `mig repair`: clear every failed or interrupted migration (their history rows are removed, so
 * `mig up` runs them again once fixed). Logged with action `repair`.
 */
export async function repairCommand(ctx: CommandContext): Promise<number> {
  const cleared = await withMigrator(ctx, (migrator) => migrator.repair())
  ctx.out.event({ event: 'repaired', migrations: cleared })
  for (const r of cleared) ctx.out.line(`Cleared ${r.previousStatus} state of ${r.version}_${r.name}`)
  ctx.out.line(cleared.length ? `Repaired ${plural(cleared.length, 'migration')}` : 'Nothing to repair')
  return EXIT.ok
}
