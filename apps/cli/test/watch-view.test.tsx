import { Emitter, type Migrator, type MigratorEvents } from '@mig/core'
import { render } from 'ink-testing-library'
import { describe, expect, it } from 'vitest'
import { WatchStore, WatchView } from '../src/ui/watch-view.js'

/** A migrator whose events the test fires. */
class FakeMigrator extends Emitter<MigratorEvents> {
  fire<K extends keyof MigratorEvents>(event: K, payload: MigratorEvents[K]): void {
    this.emit(event, payload)
  }
}

const tick = () => new Promise((r) => setTimeout(r, 30))
const info = (id: string) => ({ id, version: id.slice(3), name: id.slice(3), kind: 'repeatable' as const, source: 'migrations' })
const header = { database: 'sqlite:/p/dev.db', target: 'dev', folders: ['migrations', 'components'] }

describe('WatchView (Ink)', () => {
  it('shows the header, the round in progress, finished re-applies in scrollback, and the last error until a success', async () => {
    const store = new WatchStore()
    const { lastFrame, frames, unmount } = render(<WatchView store={store} header={header} color={false} />)
    await tick()
    expect(lastFrame()).toContain('Database: sqlite:/p/dev.db (target dev)')
    expect(lastFrame()).toContain('Watching migrations, components')
    expect(lastFrame()).toContain('watching… (Ctrl-C to stop)')
    expect(lastFrame()).toMatch(/idle$/)

    const first = new FakeMigrator()
    store.round(first as unknown as Migrator)
    first.fire('plan', { direction: 'up', migrations: [info('R__a'), info('R__b')], dryRun: false })
    await tick()
    expect(lastFrame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] re-applying 2 repeatables…/)
    store.line('bad', 'Failed R__b: syntax error at migrations/R__b.sql:2:7')
    store.failed({ message: 'R__b: syntax error', where: 'migrations/R__b.sql:2:7', hints: ['rolled back: the database is as it was'] })
    store.done(false)
    await tick()
    expect(frames.join('\n')).toMatch(/✖ \d\d:\d\d:\d\d {2}Failed R__b: syntax error at migrations\/R__b\.sql:2:7/)
    expect(lastFrame()).toContain('✖ migrations/R__b.sql:2:7: R__b: syntax error')
    expect(lastFrame()).toContain('  rolled back: the database is as it was')
    expect(lastFrame()).toMatch(/idle$/)

    // the error stays through the next round, until it succeeds
    const second = new FakeMigrator()
    store.round(second as unknown as Migrator)
    second.fire('plan', { direction: 'up', migrations: [info('R__b')], dryRun: false })
    await tick()
    expect(lastFrame()).toContain('✖ migrations/R__b.sql:2:7')
    expect(lastFrame()).toMatch(/re-applying 1 repeatable…/)
    // the first round's migrator no longer moves the status
    first.fire('plan', { direction: 'up', migrations: [info('R__a'), info('R__b'), info('R__c')], dryRun: false })
    await tick()
    expect(lastFrame()).not.toContain('re-applying 3')
    store.line('ok', 'Re-applied R__b (3ms)')
    store.line(undefined, '  re-created view w (uses v)')
    store.done(true)
    await tick()
    const all = frames.join('\n')
    expect(all).toMatch(/✔ \d\d:\d\d:\d\d {2}Re-applied R__b \(3ms\)/)
    expect(all).toContain('  re-created view w (uses v)')
    expect(lastFrame()).not.toContain('✖ migrations/R__b.sql:2:7')
    expect(lastFrame()).not.toContain('rolled back')
    expect(lastFrame()).toMatch(/idle$/)
    unmount()
  })
})
