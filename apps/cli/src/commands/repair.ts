import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'

/**
 * `mig repair`: clear every failed or interrupted migration (their history rows are removed, so
 * `mig up` runs them again once fixed). Logged with action `repair`.
 */
export async function repairCommand(ctx: CommandContext): Promise<number> {
  const migrator = await ctx.migrator()
  try {
    const cleared = await migrator.repair()
    ctx.out.json({ event: 'repaired', migrations: cleared })
    for (const r of cleared) ctx.out.line(`Cleared ${r.previousStatus} state of ${r.version}_${r.name}`)
    ctx.out.line(cleared.length ? `Repaired ${cleared.length} migration${cleared.length === 1 ? '' : 's'}` : 'Nothing to repair')
    return EXIT.ok
  } finally {
    await migrator.close()
  }
}
