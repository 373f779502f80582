import type { RunResult } from '@mig/core'
import { render } from 'ink-testing-library'
import { describe, expect, it } from 'vitest'
import { RunView } from '../src/ui/run-view.js'
import { RunStore } from '../src/ui/run-store.js'

const info = (id: string) => ({ id, version: id.split('_')[0]!, name: id.split('_')[1]!, kind: 'versioned' as const, source: 'migrations' })
const tick = () => new Promise((r) => setTimeout(r, 30))

describe('RunView (Ink)', () => {
  it('shows a spinner on the running migration, keeps finished ones with durations, a progress bar, and a summary', async () => {
    const store = new RunStore()
    const { lastFrame, frames, unmount } = render(<RunView store={store} />)
    store.update({ direction: 'up', total: 3, planned: ['1_a', '2_b', '3_c'] })
    store.update({ running: { id: '1_a', direction: 'up', startedAt: Date.now() } })
    await tick()
    expect(lastFrame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Applying 1_a\.\.\./)
    expect(lastFrame()).toContain('0/3')
    store.update({
      running: { id: '2_b', direction: 'up', startedAt: Date.now() },
      finished: [{ id: '1_a', direction: 'up', status: 'applied', durationMs: 12 }],
    })
    await tick()
    expect(lastFrame()).toContain('Applying 2_b...')
    expect(lastFrame()).toContain('1/3')
    expect(frames.join('\n')).toContain('✔ Applied 1_a (12ms)')
    const result: RunResult = {
      direction: 'up',
      ok: false,
      dryRun: false,
      durationMs: 40,
      results: [
        { migration: info('1_a'), direction: 'up', status: 'applied', durationMs: 12 },
        { migration: info('2_b'), direction: 'up', status: 'failed', durationMs: 5 },
      ],
    }
    store.update({
      running: undefined,
      finished: [...store.get().finished, { id: '2_b', direction: 'up', status: 'failed', durationMs: 5, error: 'boom' }],
      result,
    })
    await tick()
    expect(frames.join('\n')).toContain('✘ Failed 2_b (5ms)')
    expect(lastFrame()).toContain('Applied 1 migration, 1 failed')
    expect(lastFrame()).not.toContain('Applying')
    unmount()
  })

  it('shows who holds the lock while waiting', async () => {
    const store = new RunStore()
    const { lastFrame, unmount } = render(<RunView store={store} />)
    store.update({ waiting: { holder: { pid: 4242, application: 'mig' } } })
    await tick()
    expect(lastFrame()).toContain('Waiting for the migration lock, held by pid 4242, mig')
    unmount()
  })

  it('lists a dry run', async () => {
    const store = new RunStore()
    const { lastFrame, unmount } = render(<RunView store={store} />)
    store.update({ direction: 'down', total: 1, dryRun: true, planned: ['5_e'] })
    await tick()
    expect(lastFrame()).toContain('Would roll back: 5_e')
    unmount()
  })
})
