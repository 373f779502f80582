import type { Migrator } from '@mig/core'
import type { Output } from './output.js'

/** What the signals did to a run: the first one received, and whether a second one cancelled it. */
export interface Interruption {
  /** The first SIGINT/SIGTERM, once received. */
  readonly signal: NodeJS.Signals | undefined
  /** A second signal cancelled the running statement on the server. */
  readonly cancelled: boolean
  /** Migrations of the plan that did not run (from the run's `done` event). */
  readonly notRun: number
  /** Stop listening (the run is over). */
  dispose(): void
}

/**
 * Ctrl-C / SIGTERM during a run. The first signal lets the running migration finish and starts no
 * other (`migrator.stop()`); a second one cancels the running statement on the server and waits for
 * its rollback (`migrator.cancel()`). The run then ends as usual, the lock released once the server
 * is done; the command says what happened and exits 130.
 */
export function followSignals(migrator: Migrator, out: Output): Interruption {
  let running: string | undefined
  let signal: NodeJS.Signals | undefined
  let cancelled = false
  let notRun = 0
  // on stderr even with --quiet: the user asked something of the run and is told what it does
  const say = (message: string) => {
    out.problem(message)
    out.event({ event: 'interrupt', message })
  }
  const offStart = migrator.on('migration:start', ({ migration }) => {
    running = migration.id
  })
  const offDone = migrator.onAny((event, payload) => {
    if (event === 'migration:applied' || event === 'migration:reverted' || event === 'migration:failed') running = undefined
    if (event === 'done') notRun = (payload as { skipped: number }).skipped
  })
  const onSignal = (received: NodeJS.Signals) => {
    if (!signal) {
      signal = received
      say(
        running
          ? `${received}: finishing ${running}, then stopping (${received === 'SIGINT' ? 'Ctrl-C' : received} again cancels it on the server)`
          : `${received}: stopping before the next migration`,
      )
      migrator.stop()
      return
    }
    if (cancelled) return
    cancelled = true
    say(`${received}: cancelling ${running ?? 'the running statement'} on the server and waiting for its rollback`)
    void migrator.cancel().catch((err: unknown) => say(`could not cancel: ${(err as Error).message}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    get signal() {
      return signal
    },
    get cancelled() {
      return cancelled
    },
    get notRun() {
      return notRun
    },
    dispose() {
      offStart()
      offDone()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
