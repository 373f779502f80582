import { Emitter, type Fleet, type FleetEvents, MigrationError } from '@mig/core'
import { render } from 'ink-testing-library'
import { describe, expect, it } from 'vitest'
import { FleetStore, FleetView } from '../src/ui/fleet-view.js'

/** A fleet whose events the test fires. */
class FakeFleet extends Emitter<FleetEvents> {
  fire<K extends keyof FleetEvents>(event: K, payload: FleetEvents[K]): void {
    this.emit(event, payload)
  }
}

const tick = () => new Promise((r) => setTimeout(r, 30))
const info = { id: '1_a', version: '1', name: 'a', kind: 'versioned' as const, source: 'migrations' }

describe('FleetView (Ink)', () => {
  it('shows finished, failed and running tenants, a bar, migrations per second, and failures as they happen', async () => {
    const fleet = new FakeFleet()
    const store = new FleetStore()
    const stop = store.follow(fleet as unknown as Fleet)
    const { lastFrame, frames, unmount } = render(<FleetView store={store} />)
    fleet.fire('fleet:plan', { direction: 'up', tenants: ['acme', 'beta', 'gamma', 'idle'].map((tenant) => ({ tenant, pending: tenant === 'idle' ? 0 : 1 })) })
    fleet.fire('tenant:start', { tenant: 'acme', pending: 1 })
    fleet.fire('tenant:start', { tenant: 'beta', pending: 1 })
    await tick()
    expect(lastFrame()).toContain('0/3')
    expect(lastFrame()).toMatch(/2 running/)
    expect(lastFrame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] acme, beta/)
    fleet.fire('migration:applied', { tenant: 'acme', migration: info, direction: 'up', durationMs: 3, index: 0, total: 1 })
    fleet.fire('tenant:done', { tenant: 'acme', applied: 1, durationMs: 5 })
    const error = new MigrationError({ migration: '1_a', direction: 'up', message: 'relation "x" does not exist' })
    fleet.fire('tenant:failed', { tenant: 'beta', applied: 0, error, durationMs: 4 })
    await tick()
    expect(lastFrame()).toContain('2/3')
    expect(lastFrame()).toMatch(/1 done · 1 failed · 0 running · \d+ migrations\/s/)
    expect(frames.join('\n')).toContain('✘ [beta] 1_a: relation "x" does not exist')
    stop()
    unmount()
  })
})
