import type { Migrator, RunResult } from '@mig/core'
import type { CommandContext } from './context.js'
import { EXIT } from './exit.js'
import { followSignals } from './signals.js'
import { plural } from './ui/format.js'

/**
 * Run `run` (a migrator's `up`, `down` or `fresh`) while the output shows its events: the Ink view
 * on a terminal, the plain lines of SPEC otherwise, NDJSON with --json. Prints the error of a
 * failed run; returns the exit code (1 when a migration failed).
 */
export async function reportRun(ctx: CommandContext, migrator: Migrator, run: () => Promise<RunResult>): Promise<number> {
  const { out } = ctx
  const view = await out.watchRun(migrator)
  let result: RunResult | undefined
  const interruption = followSignals(migrator, out)
  try {
    result = await run()
  } finally {
    interruption.dispose()
    await view.finish(result, { database: migrator.driver.displayUrl, target: ctx.target.name })
  }
  if (!result.ok && result.error) out.error(result.error)
  if (interruption.signal) {
    const left = interruption.notRun
    const message = `stopped by ${interruption.signal}${interruption.cancelled ? ' (the running migration was cancelled)' : ''}: ${plural(left, 'migration')} not ${result.direction === 'up' ? 'applied' : 'rolled back'}${left ? `; run mig ${result.direction} to go on` : ''}`
    out.problem(message)
    out.event({ event: 'interrupted', signal: interruption.signal, cancelled: interruption.cancelled, message })
    return EXIT.interrupted
  }
  return result.ok ? EXIT.ok : EXIT.failed
}
