import type { LockHolder, MigrationError } from './errors.js'
import type { Migration } from './migration.js'

/** What a migration event says about its migration. */
export interface MigrationInfo {
  id: string
  version: string
  name: string
  kind: 'versioned' | 'repeatable'
  source: string
}

/** What events say about `m`. */
export function migrationInfo(m: Migration): MigrationInfo {
  return { id: m.id, version: m.version, name: m.name, kind: m.kind, source: m.source }
}

/** Events a migrator emits, by name. */
export interface MigratorEvents {
  /** Another runner holds the lock; emitted once, then every few seconds. */
  'lock:waiting': { holder: LockHolder | undefined }
  'lock:acquired': { waitedMs: number }
  /** The plan, before anything runs (also for dry runs). */
  plan: { direction: 'up' | 'down'; migrations: MigrationInfo[]; dryRun: boolean }
  /**
   * `resumeAt`: `up --resume` runs it from this statement (1-based), the ones before it having
   * committed earlier; `interrupted`: it is resumed because a run died while it ran (see `PlanInput.resumesInterrupted`).
   */
  'migration:start': { migration: MigrationInfo; direction: 'up' | 'down'; index: number; total: number; resumeAt?: number; interrupted?: boolean }
  'migration:applied': { migration: MigrationInfo; direction: 'up'; durationMs: number; index: number; total: number }
  'migration:reverted': { migration: MigrationInfo; direction: 'down'; durationMs: number; index: number; total: number }
  'migration:failed': { migration: MigrationInfo; direction: 'up' | 'down'; durationMs: number; error: MigrationError; index: number; total: number }
  /** A statement of a migration is about to run (non-transactional applies only). */
  'statement:start': { migration: MigrationInfo; index: number; line: number }
  /** Something the user should know that does not stop the run. */
  warning: { message: string; code: string }
  /** A code migration's `ctx.log`. */
  log: { migration: MigrationInfo; message: string }
  /** The run is over. */
  done: { direction: 'up' | 'down'; applied: number; failed: number; skipped: number; durationMs: number }
}

/** Name of a migrator event. */
export type MigratorEventName = keyof MigratorEvents

/** Minimal typed event emitter. Listeners run synchronously, in order; their errors are not caught. */
export class Emitter<E extends object> {
  private readonly listeners = new Map<keyof E, ((payload: never) => void)[]>()

  /** Subscribe; returns a function that unsubscribes. */
  on<K extends keyof E>(event: K, fn: (payload: E[K]) => void): () => void {
    const list = this.listeners.get(event) ?? []
    list.push(fn as (payload: never) => void)
    this.listeners.set(event, list)
    return () => {
      const l = this.listeners.get(event)
      if (l)
        this.listeners.set(
          event,
          l.filter((f) => f !== fn),
        )
    }
  }

  /** Subscribe to every event. */
  onAny(fn: <K extends keyof E>(event: K, payload: E[K]) => void): () => void {
    this.anyListeners.push(fn as never)
    return () => {
      this.anyListeners = this.anyListeners.filter((f) => f !== (fn as never))
    }
  }
  private anyListeners: (<K extends keyof E>(event: K, payload: E[K]) => void)[] = []

  protected emit<K extends keyof E>(event: K, payload: E[K]): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (p: E[K]) => void)(payload)
    for (const fn of this.anyListeners) fn(event, payload)
  }
}
