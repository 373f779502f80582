import { type Fleet, type FleetResult, LockTimeoutError } from '@mig/core'
import type { CommandContext } from './context.js'
import { describeError, EXIT } from './exit.js'
import { eventJson, type OutputEvent } from './output.js'
import { plural, resuming } from './ui/format.js'

/** The closing lines of a fleet run: `N tenants, M migrations applied, F failed`, then each failed tenant and its first error. */
export function fleetSummary(result: FleetResult): string[] {
  const verb = result.direction === 'up' ? 'applied' : 'rolled back'
  const lines = [`${plural(result.tenants, 'tenant')}, ${plural(result.applied, 'migration')} ${verb}, ${result.failures.length} failed`]
  for (const f of result.failures) lines.push(`  ${f.tenant}: ${describeError(f.error).message}`)
  if (result.notStarted.length) lines.push(`not started (the run stopped): ${result.notStarted.join(', ')}`)
  return lines
}

/**
 * Run a fleet while showing its events: plain lines naming the tenant (whole lines, as tenants run
 * in parallel), or NDJSON events carrying `tenant` with --json; then the summary. The first Ctrl-C
 * (or SIGTERM) lets running tenant parts finish and starts nothing more; the exit code is then 130.
 */
export async function reportFleet(ctx: CommandContext, fleet: Fleet, run: () => Promise<FleetResult>): Promise<number> {
  const { out } = ctx
  const unsubscribe: (() => void)[] = []
  let ui: { finish(): Promise<void> } | undefined
  // NDJSON events with --json (out.event prints nothing in the text modes)
  unsubscribe.push(fleet.onAny((event, payload) => out.event(eventJson(event as never, payload as never) as OutputEvent)))
  if (out.mode === 'tty' && !out.quiet) {
    // Ink and React load only for a TTY that will show them
    ui = (await import('./ui/fleet-view.js')).renderFleet(fleet)
  } else if (out.mode === 'plain') {
    const word = (direction: 'up' | 'down') => (direction === 'up' ? 'Applying' : 'Rolling back')
    unsubscribe.push(
      fleet.on('migration:applied', ({ tenant, migration, durationMs }) => out.line(`[${tenant}] ${word('up')} ${migration.id}... done (${durationMs}ms)`)),
      fleet.on('migration:reverted', ({ tenant, migration, durationMs }) => out.line(`[${tenant}] ${word('down')} ${migration.id}... done (${durationMs}ms)`)),
      fleet.on('migration:start', ({ tenant, migration, resumeAt, interrupted }) => {
        if (resumeAt) out.line(`[${tenant}] ${migration.id}${resuming(resumeAt, interrupted)}`)
      }),
      fleet.on('migration:skipped', ({ tenant, migration }) => out.line(`[${tenant}] ${migration.id}: done meanwhile by another runner`)),
      fleet.on('migration:failed', ({ tenant, migration, direction, durationMs }) =>
        out.line(`[${tenant}] ${word(direction)} ${migration.id}... failed (${durationMs}ms)`),
      ),
      fleet.on('warning', ({ tenant, message }) => out.warn(tenant ? `[${tenant}] ${message}` : message)),
    )
  }
  let signals = 0
  const onSignal = () => {
    signals++
    if (signals === 1) {
      out.warn('stopping: running tenant migrations finish, no more start (again to exit now)')
      fleet.stop()
    } else process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let result: FleetResult
  try {
    result = await run()
  } finally {
    await ui?.finish()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    for (const u of unsubscribe) u()
  }
  out.event({ event: 'result', ...result }, () => {
    const lines = fleetSummary(result)
    if (result.applied || result.failures.length || result.notStarted.length) for (const l of lines) out.line(l)
    else out.line(`${plural(result.tenants, 'tenant')}: no pending tenant migrations`)
  })
  if (signals) return 130
  if (result.failures.length) {
    for (const f of result.failures.slice(0, 1)) out.error(f.error)
    // a tenant whose lock was not acquired in time: exit 3, like the shared lock
    return result.failures.some((f) => f.error.cause instanceof LockTimeoutError) ? EXIT.lock : EXIT.failed
  }
  return result.ok ? EXIT.ok : EXIT.failed
}
