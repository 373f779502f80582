/**
 * Hooks: callbacks around a run and around each migration. Core only calls functions; the CLI
 * turns the `[hooks]` of mig.toml (shell commands, `.sql` files) into such functions.
 */
import { brand, MigError, type MigrationError } from './errors.js'
import type { MigrationInfo } from './events.js'

/** Names of the hooks, as in `[hooks]` of mig.toml. */
export type HookName = 'before_up' | 'after_up' | 'before_each' | 'after_each' | 'on_error'

/** Every hook name, in the order they can fire. */
export const HOOK_NAMES: readonly HookName[] = ['before_up', 'before_each', 'after_each', 'on_error', 'after_up']

/** What a hook is told. */
export interface HookContext {
  hook: HookName
  direction: 'up' | 'down'
  /** The migration, for `before_each`, `after_each` and `on_error`. */
  migration?: MigrationInfo
  /** The migrations of the run (its plan). */
  migrations: MigrationInfo[]
  /** The target's env, when known. */
  env?: string
  /** The database URL, password masked. */
  database: string
  /** `on_error`: the failure. */
  error?: MigrationError
  /** `on_error`: `failed`; `after_*`: `applied` or `reverted`. */
  status?: 'failed' | 'applied' | 'reverted'
  /** Run a SQL script on the migrator's connection (outside any migration's transaction). */
  sql(text: string, file?: string): Promise<void>
}

/** A hook callback. A thrown error (or rejected promise) fails the hook. */
export type HookFn = (ctx: HookContext) => Promise<void> | void

/**
 * Hooks of a migrator. A failing `before_up` stops the run before anything is applied; a
 * failing `before_each` fails its migration before it runs; a failing `after_*` hook fails
 * the run (what was applied stays applied); `on_error` failures are reported as warnings.
 */
export type MigratorHooks = Partial<Record<HookName, HookFn | HookFn[]>>

/** What a `-- mig:run <command>` line is run with. */
export interface RunCommandContext {
  command: string
  migration: MigrationInfo
  direction: 'up' | 'down'
  /** File and 1-based line of the `-- mig:run` line. */
  file: string
  line: number
  env?: string
  database: string
}

/** Runs `-- mig:run <command>` lines (the CLI passes a shell runner). Rejects when the command fails. */
export type RunCommand = (ctx: RunCommandContext) => Promise<void>

/** A hook failed. */
export class HookError extends MigError {
  override name = 'HookError'
  readonly hook: HookName
  readonly migration: string | undefined
  constructor(hook: HookName, cause: unknown, migration?: string) {
    const msg = cause instanceof Error ? cause.message : String(cause)
    super(`${hook} hook failed${migration ? ` for ${migration}` : ''}: ${msg}`, { cause })
    this.hook = hook
    this.migration = migration
  }
}
brand(HookError, 'HookError')

/** Call every callback of a hook in order; the first failure throws a {@link HookError}. */
export async function callHooks(hooks: MigratorHooks | undefined, ctx: HookContext): Promise<void> {
  const fns = hooks?.[ctx.hook]
  if (!fns) return
  for (const fn of Array.isArray(fns) ? fns : [fns]) {
    try {
      await fn(ctx)
    } catch (err) {
      throw err instanceof HookError ? err : new HookError(ctx.hook, err, ctx.migration?.id)
    }
  }
}

const RUN_LINE = /^\s*--\s*mig:run\s+(.+?)\s*$/

/** A piece of a migration body: SQL to run, or a `-- mig:run` command. */
export type BodySegment = { kind: 'sql'; text: string; line: number } | { kind: 'run'; command: string; line: number }

/** True when a body contains `-- mig:run` lines. */
export function hasRunLines(sql: string): boolean {
  return sql.split('\n').some((l) => RUN_LINE.test(l))
}

/** Split a body at its `-- mig:run` lines; `firstLine` is the file line the body starts on. */
export function splitRunSegments(sql: string, firstLine: number): BodySegment[] {
  const lines = sql.split('\n')
  const out: BodySegment[] = []
  let start = 0
  const flush = (end: number) => {
    const text = lines.slice(start, end).join('\n')
    if (text.trim()) out.push({ kind: 'sql', text, line: firstLine + start })
  }
  for (let i = 0; i < lines.length; i++) {
    const m = RUN_LINE.exec(lines[i]!)
    if (!m) continue
    flush(i)
    out.push({ kind: 'run', command: m[1]!, line: firstLine + i })
    start = i + 1
  }
  flush(lines.length)
  return out
}
