import { describeHolder, type Migrator, type RunResult } from '@mig/core'
import type { CommandContext } from './context.js'
import { EXIT } from './exit.js'
import { eventJson } from './output.js'
import { followSignals } from './signals.js'

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The closing line of a run, e.g. `Applied 2 migrations`. */
export function summaryLine(result: RunResult): string {
  const done = result.results.filter((r) => r.status === 'applied' || r.status === 'reverted').length
  const failed = result.results.filter((r) => r.status === 'failed').length
  const rolled = result.results.filter((r) => r.status === 'rolled-back').length
  const verb = result.direction === 'up' ? 'Applied' : 'Rolled back'
  let line = `${verb} ${plural(done, 'migration')}`
  if (failed) line += `, ${failed} failed`
  if (rolled) line += ` (${rolled} rolled back with the failed transaction)`
  return line
}

/**
 * Run `run` while showing its events: an Ink UI on a TTY, the plain lines of SPEC otherwise,
 * NDJSON with --json. Returns the exit code (1 when a migration failed).
 */
export async function reportRun(ctx: CommandContext, migrator: Migrator, run: () => Promise<RunResult>): Promise<number> {
  const { out } = ctx
  const unsubscribe: (() => void)[] = []
  let ui: { finish(result: RunResult | undefined): Promise<void> } | undefined
  if (out.mode === 'json') {
    unsubscribe.push(migrator.onAny((event, payload) => out.json(eventJson(event, payload))))
  } else if (out.mode === 'tty' && !out.quiet) {
    const { renderRun } = await import('./ui/run-view.js')
    ui = renderRun(migrator)
  } else {
    unsubscribe.push(
      migrator.on('lock:waiting', ({ holder }) => out.warn(`waiting for the migration lock, held by ${holder ? describeHolder(holder) : 'another session'}`)),
      migrator.on('warning', ({ message }) => out.warn(message)),
      migrator.on('plan', ({ direction, migrations, dryRun }) => {
        if (dryRun) for (const m of migrations) out.line(`${direction === 'up' ? 'Would apply' : 'Would roll back'}: ${m.id}`)
        if (!migrations.length) out.line(direction === 'up' ? 'No pending migrations' : 'Nothing to roll back')
      }),
      migrator.on('migration:start', ({ migration, direction, resumeAt }) =>
        out.write(`${direction === 'up' ? 'Applying' : 'Rolling back'} ${migration.id}${resumeAt ? ` (resuming at statement ${resumeAt})` : ''}... `),
      ),
      migrator.on('migration:applied', ({ durationMs }) => out.write(`done (${durationMs}ms)\n`)),
      migrator.on('migration:reverted', ({ durationMs }) => out.write(`done (${durationMs}ms)\n`)),
      migrator.on('migration:failed', ({ durationMs }) => out.write(`failed (${durationMs}ms)\n`)),
      migrator.on('log', ({ migration, message }) => out.line(`  ${migration.id}: ${message}`)),
    )
  }
  let result: RunResult | undefined
  const interruption = followSignals(migrator, out)
  try {
    result = await run()
  } finally {
    interruption.dispose()
    await ui?.finish(result)
    for (const u of unsubscribe) u()
  }
  if (out.mode === 'json') out.json({ event: 'result', ...result })
  else if (out.mode !== 'tty' && !result.dryRun && result.results.length) out.line(summaryLine(result))
  if (!result.ok && result.error) out.error(result.error)
  if (interruption.signal) {
    const left = interruption.notRun
    const message = `stopped by ${interruption.signal}${interruption.cancelled ? ' (the running migration was cancelled)' : ''}: ${plural(left, 'migration')} not ${result.direction === 'up' ? 'applied' : 'rolled back'}${left ? `; run mig ${result.direction} to go on` : ''}`
    out.problem(message)
    out.json({ event: 'interrupted', signal: interruption.signal, cancelled: interruption.cancelled, message })
    return EXIT.interrupted
  }
  return result.ok ? EXIT.ok : EXIT.failed
}
