import {
  ConfigError,
  ConnectionError,
  EnvironmentError,
  HookError,
  LockTimeoutError,
  MigError,
  MigrationError,
  PlanError,
  ProjectError,
  redactUrl,
  UrlError,
} from '@mig/core'
import { inheritedHint } from './error-hints.js'

/**
 * Exit codes (SPEC): 0 success, 1 a migration/test/check failed, 2 bad usage/config/project, 3 lock
 * timeout, 130 stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, lock: 3, interrupted: 130 } as const

/** Thrown by commands to stop with a message and an exit code. CLI only; core never exits. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** The exit code for an error thrown by core or a command. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof ExitError) return err.code
  if (err instanceof LockTimeoutError) return EXIT.lock
  if (err instanceof MigrationError) return EXIT.failed
  // a before_up hook is a check that failed, like a migration
  if (err instanceof HookError) return EXIT.failed
  if (err instanceof PlanError) return err.reason === 'modified' || err.reason === 'failed' ? EXIT.failed : EXIT.usage
  if (err instanceof ConfigError || err instanceof ProjectError || err instanceof UrlError || err instanceof ConnectionError || err instanceof EnvironmentError)
    return EXIT.usage
  if (err instanceof MigError) return EXIT.usage
  return EXIT.failed
}

/** Lines describing an error for a person: message, location, hint. Passwords are masked. */
export function describeError(err: unknown): { message: string; hint?: string; where?: string } {
  const e = err as Error & { hint?: string }
  let message = redactUrl(e instanceof Error ? e.message : String(err))
  const out: { message: string; hint?: string; where?: string } = { message }
  if (err instanceof MigrationError && err.statement) {
    const st = err.statement.length > 300 ? `${err.statement.slice(0, 300)}...` : err.statement
    out.where = `statement ${err.statementIndex ?? '?'}: ${st}`
  }
  if (!(err instanceof MigError) && e instanceof Error && e.name && e.name !== 'Error') message = `${e.name}: ${message}`
  out.message = message
  const hint = e?.hint || inheritedHint(err)
  if (hint) out.hint = hint
  return out
}
