import type { MigrationError } from '../errors.js'
import type { MigrationInfo } from '../events.js'

/** Outcome of one migration in a run. */
export interface MigrationResult {
  migration: MigrationInfo
  direction: 'up' | 'down'
  /** `planned` in a dry run; `rolled-back` when a single-transaction run failed later. */
  status: 'applied' | 'reverted' | 'failed' | 'planned' | 'rolled-back'
  durationMs: number
  /** Why it failed; or, with status applied/reverted, the `after_each` hook that failed after it. */
  error?: MigrationError
}

/** Outcome of a run. `ok` is false when a migration failed; errors before any migration ran are thrown instead. */
export interface RunResult {
  direction: 'up' | 'down'
  ok: boolean
  dryRun: boolean
  results: MigrationResult[]
  /** The first failure, if any. */
  error?: MigrationError
  durationMs: number
}
