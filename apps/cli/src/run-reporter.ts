import type { Migrator, RunResult } from '@mig/core'
import type { CommandContext } from './context.js'
import { EXIT } from './exit.js'

/**
 * Run `run` (a migrator's `up`, `down` or `fresh`) while the output shows its events: the Ink view
 * on a terminal, the plain lines of SPEC otherwise, NDJSON with --json. Prints the error of a
 * failed run; returns the exit code (1 when a migration failed).
 */
export async function reportRun(ctx: CommandContext, migrator: Migrator, run: () => Promise<RunResult>): Promise<number> {
  const view = await ctx.out.watchRun(migrator)
  let result: RunResult | undefined
  try {
    result = await run()
  } finally {
    await view.finish(result, { database: migrator.driver.displayUrl, target: ctx.target.name })
  }
  if (!result.ok) {
    if (result.error) ctx.out.error(result.error)
    return EXIT.failed
  }
  return EXIT.ok
}
