import { NotRunError } from '@mig/core'

/*
 * What each of mig's transactions on PostgreSQL starts and ends its script with: the session set
 * back to what the target configures, the stop check of a queued transaction, and the marks that
 * time it on the server.
 */

/** The error a queued transaction raises on the server when the run was stopped (see {@link transactionStart}). */
export const STOPPED = 'mig: not run, the run was stopped'

/** The column of the row a duration mark returns (see {@link DURATION_MARK}). */
export const DURATION_COLUMN = 'mig_duration_ms'

/**
 * What a transaction starts with, after `BEGIN`, in the same round trip:
 * - `RESET ALL` and `RESET ROLE`: the session as the target configures it (the URL's options, the
 *   role's and database's settings), whatever the migration before it set;
 * - `synchronous_commit` off for this transaction: the run flushes the WAL once before it releases
 *   the lock (see acquirePostgresLock). A server crash can lose only whole transactions, a migration
 *   with its history row, and mig never reports success before the flush;
 * - the time the server starts it (`mig.started`), which its duration is measured from;
 * - for a transaction queued behind another (`stopKey` given): a check that the run was not stopped
 *   (the key is taken by `PostgresDriver.stopQueued`), and a notice, which makes the server send
 *   what it has written so far: the COMMIT of the transaction before it reaches mig at once, not
 *   when the whole round trip ends (so the run shows the migration the server is running).
 */
export function transactionStart(stopKey?: bigint): { sql: string }[] {
  const started = `set_config('mig.started', clock_timestamp()::text, true)`
  const mark =
    stopKey === undefined
      ? `SELECT ${started}`
      : `DO $mig$BEGIN IF NOT pg_try_advisory_xact_lock_shared(${stopKey}) THEN RAISE EXCEPTION '${STOPPED}'; END IF; ` +
        `PERFORM ${started}; RAISE NOTICE 'mig: a queued migration starts'; END$mig$`
  return [{ sql: 'RESET ALL' }, { sql: 'RESET ROLE' }, { sql: 'SET LOCAL synchronous_commit TO off' }, { sql: mark }]
}

/**
 * Sent right after a script: the time the server has spent on the transaction so far, in ms, kept
 * in `mig.duration_ms` for the history writes that follow and returned to mig (settling the
 * transaction carries it). `mig.started` restarts for what the transaction runs next
 * (`--single-transaction`). A script that ran `RESET ALL` itself is timed from its round trip.
 */
export const DURATION_MARK =
  `SELECT set_config('mig.duration_ms', (extract(epoch from clock_timestamp() - coalesce(nullif(current_setting('mig.started', true), '')::timestamptz, statement_timestamp())) * 1000)::bigint::text, true) AS ${DURATION_COLUMN}, ` +
  `set_config('mig.started', clock_timestamp()::text, true)`

/** The duration the history rows record once the mark has run (`PostgresTransaction.elapsedMsSql`). */
export const MARKED_MS = `current_setting('mig.duration_ms')::bigint`

/** A transaction that never ran: queued behind one that failed, or stopped. */
export function notRun(why: 'failed' | 'stopped'): NotRunError {
  return new NotRunError(why === 'stopped' ? 'not run: the run was stopped' : 'not run: the transaction before it failed')
}

/** `err`, or the {@link NotRunError} it means when a transaction failed its stop check (the counts of what completed kept). */
export function stoppedOr(err: unknown): unknown {
  if ((err as Error | undefined)?.message !== STOPPED) return err
  const { completed, commits, completedAtCommit } = err as { completed?: number; commits?: number; completedAtCommit?: number }
  return Object.assign(notRun('stopped'), { completed, commits, completedAtCommit })
}
