import { spawnSync } from 'node:child_process'
import type { TempProject, TestDialect } from '@mig/test-utils'
import { tempProject } from '@mig/test-utils'
import { afterEach } from 'vitest'
import { MIG_BIN, withoutContext } from './cli.js'

/** Outcome of a finished `mig` process. */
export interface SyncRun {
  code: number
  stdout: string
  stderr: string
}

/** Run `mig` in `cwd` to completion (never a TTY). `undefined` in env removes a variable. */
export function mig(cwd: string, args: string[], env: Record<string, string | undefined> = {}): SyncRun {
  const r = spawnSync(process.execPath, [MIG_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: undefined, MIG_TARGET: undefined, MIG_ENCRYPTION_KEY: undefined, CI: 'true', NO_COLOR: '1', ...env },
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Replace `(12ms)` durations so output can be compared exactly. */
export function stable(text: string): string {
  return text.replace(/\(\d+ms\)/g, '(Xms)')
}

/** Lines of stderr that are neither the MySQL implicit-commit warning nor the context lines (asserted elsewhere). */
export function errors(r: SyncRun): string {
  return withoutContext(r.stderr)
    .split('\n')
    .filter((l) => !l.includes('commits DDL implicitly'))
    .join('\n')
}

/** A temp project with its own empty database, both removed after the test. */
export interface ModelProject {
  p: TempProject
  url: string
  /** `mig <args> --database <url>` in the project. */
  run(args: string[], env?: Record<string, string | undefined>): SyncRun
}

/**
 * Per-test projects for a dialect: each gets a fresh database (created by the dialect, dropped
 * after the test), so the model suites can use plain table names.
 */
export function modelProjects(dialect: TestDialect): (files?: Record<string, string>) => Promise<ModelProject> {
  let cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c()
    cleanups = []
  })
  return async (files = {}) => {
    const p = tempProject(files)
    const url = await dialect.createDatabase()
    cleanups.push(
      () => p.cleanup(),
      () => dialect.dropDatabase(url),
    )
    return { p, url, run: (args, env) => mig(p.dir, [...args, '--database', url], env) }
  }
}

/** `mig status --json` as version → status. */
export function statusOf(run: ModelProject['run']): Record<string, string> {
  const doc = JSON.parse(run(['status', '--json']).stdout) as { migrations: { version: string; status: string }[] }
  return Object.fromEntries(doc.migrations.map((m) => [m.version, m.status]))
}

/** One entry of `mig log --json`. */
export interface LogJson {
  action: string
  version: string
  status: string
  sql: string | null
  note: string | null
  appliedBy: string
  host: string
  durationMs: number
  variables: { names: string[]; encrypted: boolean; values?: Record<string, unknown> } | null
  error: string | null
}

/** `mig log [args] --json` entries. */
export function logOf(run: ModelProject['run'], args: string[] = [], env: Record<string, string | undefined> = {}): LogJson[] {
  return (JSON.parse(run(['log', ...args, '--json'], env).stdout) as { entries: LogJson[] }).entries
}
