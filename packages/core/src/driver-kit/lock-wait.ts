import { type LockHolder, LockTimeoutError } from '../errors.js'

/** Longest one blocking attempt waits before the holder is looked up again (default of {@link WaitForLockOptions.attemptMs}). */
export const LOCK_ATTEMPT_MS = 1000
/** How often `onWait` reports the holder while waiting (default of {@link WaitForLockOptions.reportEveryMs}). */
export const LOCK_REPORT_EVERY_MS = 5000

/** Options of {@link waitForLock}: the engine's two primitives and the caller's `LockOptions`. */
export interface WaitForLockOptions {
  /**
   * Try to take the lock once, blocking at most `waitMs` milliseconds (0 on the first attempt: do
   * not block); true when it is taken. An engine that cannot block in an attempt returns at once
   * and sets {@link pollMs}. Errors are thrown to the caller of {@link waitForLock}.
   */
  tryLock(waitMs: number): Promise<boolean>
  /** Who holds the lock now (undefined when unknown), for `onWait` and the timeout error. */
  holder(): Promise<LockHolder | undefined>
  /** Give up after this many milliseconds with a {@link LockTimeoutError}. Default: wait forever. */
  timeoutMs?: number
  /** Called (once, then every {@link reportEveryMs}) while another runner holds the lock. */
  onWait?: (holder: LockHolder | undefined) => void
  /** Longest one attempt may block. Default {@link LOCK_ATTEMPT_MS}. */
  attemptMs?: number
  /** Sleep this long before each further attempt (engines whose attempts do not block). Default 0. */
  pollMs?: number
  /** Default {@link LOCK_REPORT_EVERY_MS}. */
  reportEveryMs?: number
}

/**
 * The lock-wait loop every driver shares: try without blocking; while another runner holds the
 * lock, look up the holder, report it through `onWait` (at once, then every few seconds), give up
 * with a {@link LockTimeoutError} naming it once `timeoutMs` has passed, and try again, blocking
 * at most `attemptMs` (never past the timeout). Resolves once the lock is taken.
 *
 * @example
 * await waitForLock({
 *   tryLock: async (ms) => (await conn.query('SELECT GET_LOCK(?, ?) AS ok', [name, ms / 1000]))[0].ok === 1,
 *   holder: () => lockHolder(conn, name),
 *   timeoutMs: options.timeoutMs,
 *   onWait: options.onWait,
 * })
 */
export async function waitForLock(options: WaitForLockOptions): Promise<void> {
  const attemptMs = options.attemptMs ?? LOCK_ATTEMPT_MS
  const reportEveryMs = options.reportEveryMs ?? LOCK_REPORT_EVERY_MS
  const { timeoutMs } = options
  const started = Date.now()
  let lastReport = -Infinity
  if (await options.tryLock(0)) return
  for (;;) {
    const holder = await options.holder()
    const waited = Date.now() - started
    if (timeoutMs !== undefined && waited >= timeoutMs) throw new LockTimeoutError(timeoutMs, holder)
    if (Date.now() - lastReport >= reportEveryMs) {
      lastReport = Date.now()
      options.onWait?.(holder)
    }
    const slice = Math.max(1, Math.min(attemptMs, timeoutMs === undefined ? attemptMs : timeoutMs - waited))
    if (options.pollMs) await new Promise((r) => setTimeout(r, Math.min(options.pollMs!, slice)))
    if (await options.tryLock(slice)) return
  }
}
