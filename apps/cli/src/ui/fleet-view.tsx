import type { Fleet } from '@mig/core'
import { Box, render, Static, Text } from 'ink'
import { useSyncExternalStore } from 'react'
import { ExternalStore } from './run-store.js'
import { ProgressBar, Spinner } from './run-view.js'

/** A tenant that failed, kept in scrollback as it happens. */
interface FailedTenant {
  tenant: string
  error: string
}

/** What the fleet view shows; updated from fleet events. */
interface FleetState {
  /** Tenants with parts to run. */
  total: number
  done: number
  failed: FailedTenant[]
  running: string[]
  applied: number
  startedAt: number
}

/** The fleet's state for React's useSyncExternalStore, fed by the fleet's events. */
export class FleetStore extends ExternalStore<FleetState> {
  constructor() {
    super({ total: 0, done: 0, failed: [], running: [], applied: 0, startedAt: Date.now() })
  }
  follow(fleet: Fleet): () => void {
    const offs = [
      fleet.on('fleet:plan', ({ tenants }) => this.update({ total: tenants.filter((t) => t.pending > 0).length, startedAt: Date.now() })),
      fleet.on('tenant:start', ({ tenant }) => this.update({ running: [...this.state.running, tenant] })),
      fleet.on('migration:applied', () => this.update({ applied: this.state.applied + 1 })),
      fleet.on('migration:reverted', () => this.update({ applied: this.state.applied + 1 })),
      fleet.on('tenant:done', ({ tenant }) => this.update({ done: this.state.done + 1, running: this.state.running.filter((t) => t !== tenant) })),
      fleet.on('tenant:failed', ({ tenant, error }) =>
        this.update({ failed: [...this.state.failed, { tenant, error: error.message }], running: this.state.running.filter((t) => t !== tenant) }),
      ),
    ]
    return () => {
      for (const off of offs) off()
    }
  }
}

/** The live view of a fleet run: failures in scrollback as they happen, a bar of finished tenants, the running ones, migrations per second. */
export function FleetView({ store }: { store: FleetStore }): React.JSX.Element {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const seconds = Math.max(0.001, (Date.now() - s.startedAt) / 1000)
  const shown = s.running.slice(0, 4).join(', ') + (s.running.length > 4 ? `, +${s.running.length - 4}` : '')
  return (
    <>
      <Static items={s.failed}>
        {(f) => (
          <Text key={f.tenant}>
            <Text color="red">✘</Text> [{f.tenant}] {f.error}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        <Text>
          <ProgressBar done={s.done + s.failed.length} total={s.total} /> tenants · <Text color="green">{s.done} done</Text> ·{' '}
          <Text color={s.failed.length ? 'red' : undefined}>{s.failed.length} failed</Text> · {s.running.length} running · {(s.applied / seconds).toFixed(0)}{' '}
          migrations/s
        </Text>
        {s.running.length > 0 && (
          <Text>
            <Spinner /> {shown}
          </Text>
        )}
      </Box>
    </>
  )
}

/** Mount the fleet view; `finish` unmounts it (the reporter prints the summary). */
export function renderFleet(fleet: Fleet): { finish(): Promise<void> } {
  const store = new FleetStore()
  const stop = store.follow(fleet)
  // Ctrl-C is the reporter's: the first one stops the fleet gracefully
  const app = render(<FleetView store={store} />, { exitOnCtrlC: false })
  return {
    async finish() {
      stop()
      await new Promise((r) => setTimeout(r, 20))
      app.unmount()
      await app.waitUntilExit()
    },
  }
}
