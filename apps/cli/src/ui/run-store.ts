import type { LockHolder, Migrator, RunResult } from '@mig/core'

/** A finished migration, kept in scrollback. */
export interface FinishedItem {
  id: string
  direction: 'up' | 'down'
  status: 'applied' | 'reverted' | 'failed'
  durationMs: number
  error?: string
}

/** Everything the run view shows; updated from migrator events. */
export interface RunState {
  direction: 'up' | 'down'
  total: number
  finished: FinishedItem[]
  running?: { id: string; direction: 'up' | 'down'; startedAt: number }
  waiting?: { holder: LockHolder | undefined }
  warnings: string[]
  dryRun: boolean
  planned: string[]
  result?: RunResult
}

/** A tiny external store for React's useSyncExternalStore: a state, replaced by patches, and its listeners. */
export class ExternalStore<S extends object> {
  private readonly listeners = new Set<() => void>()

  constructor(protected state: S) {}

  get = (): S => this.state
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
  update(patch: Partial<S>): void {
    this.state = { ...this.state, ...patch }
    for (const l of this.listeners) l()
  }
}

/** The run view's store, fed by a migrator's events. */
export class RunStore extends ExternalStore<RunState> {
  constructor() {
    super({ direction: 'up', total: 0, finished: [], warnings: [], dryRun: false, planned: [] })
  }

  /** Follow a migrator's events. Returns a function that stops following. */
  follow(migrator: Migrator): () => void {
    const offs = [
      migrator.on('lock:waiting', ({ holder }) => this.update({ waiting: { holder } })),
      migrator.on('lock:acquired', () => this.update({ waiting: undefined })),
      migrator.on('warning', ({ message }) => this.update({ warnings: [...this.state.warnings, message] })),
      migrator.on('plan', ({ direction, migrations, dryRun }) =>
        this.update({ direction, total: migrations.length, dryRun, planned: migrations.map((m) => m.id) }),
      ),
      migrator.on('migration:start', ({ migration, direction }) => this.update({ running: { id: migration.id, direction, startedAt: Date.now() } })),
      migrator.on('migration:applied', ({ migration, durationMs }) =>
        this.update({ running: undefined, finished: [...this.state.finished, { id: migration.id, direction: 'up', status: 'applied', durationMs }] }),
      ),
      migrator.on('migration:reverted', ({ migration, durationMs }) =>
        this.update({ running: undefined, finished: [...this.state.finished, { id: migration.id, direction: 'down', status: 'reverted', durationMs }] }),
      ),
      migrator.on('migration:failed', ({ migration, direction, durationMs, error }) =>
        this.update({
          running: undefined,
          finished: [...this.state.finished, { id: migration.id, direction, status: 'failed', durationMs, error: error.message }],
        }),
      ),
    ]
    return () => {
      for (const off of offs) off()
    }
  }
}
