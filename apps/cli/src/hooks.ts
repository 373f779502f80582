import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { isAbsolute, resolve } from 'node:path'
import { type HookContext, type HookFn, type HookName, type MigConfig, type MigratorHooks, type RunCommand, redactUrl, type ResolvedTarget } from '@mig/core'
import type { Output } from './output.js'

// node:child_process is loaded when a hook or `-- mig:run` command runs, not on every start
const require = createRequire(import.meta.url)

/** Environment a hook command or `-- mig:run` command sees, describing the run and migration. */
export function hookEnv(
  target: ResolvedTarget,
  fields: {
    hook?: string
    direction: string
    database: string
    env?: string
    migration?: { id: string; version: string; name: string; kind: string }
    migrations?: { id: string }[]
    status?: string
    error?: string
    line?: number
  },
): Record<string, string> {
  const env: Record<string, string> = {
    MIG_DIRECTION: fields.direction,
    MIG_DATABASE: redactUrl(fields.database),
    MIG_TARGET: target.name,
  }
  const set = (k: string, v: string | number | undefined) => {
    if (v !== undefined) env[k] = String(v)
  }
  set('MIG_HOOK', fields.hook)
  set('MIG_ENV', fields.env ?? target.env)
  set('MIG_ID', fields.migration?.id)
  set('MIG_VERSION', fields.migration?.version)
  set('MIG_NAME', fields.migration?.name)
  set('MIG_KIND', fields.migration?.kind)
  set('MIG_MIGRATIONS', fields.migrations?.map((m) => m.id).join(' '))
  set('MIG_STATUS', fields.status)
  set('MIG_ERROR', fields.error === undefined ? undefined : redactUrl(fields.error))
  set('MIG_LINE', fields.line)
  return env
}

/** Run a shell command in the project root; resolves with its output, rejects with its exit code and last stderr line. */
export function runShell(command: string, cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const { spawn } = require('node:child_process') as typeof import('node:child_process')
    const child = spawn(command, { shell: true, cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise(stdout)
      const last = stderr.trim().split('\n').at(-1)
      reject(new Error(`"${command}" ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${last ? `: ${last}` : ''}`))
    })
  })
}

function printOutput(out: Output, text: string): void {
  const trimmed = text.replace(/\n$/, '')
  if (trimmed) out.line(trimmed)
}

/**
 * Turn `[hooks]` of mig.toml into migrator callbacks: an entry ending in `.sql` is a SQL file
 * (relative to the project root) run on the migrator's connection; anything else is a shell
 * command run in the project root with `MIG_*` variables describing the migration.
 */
export function configHooks(config: MigConfig, target: ResolvedTarget, out: Output): MigratorHooks {
  const hooks: MigratorHooks = {}
  for (const [name, value] of Object.entries(config.hooks)) {
    const entries = Array.isArray(value) ? value : [value]
    hooks[name as HookName] = entries.map((entry): HookFn => {
      if (/\.sql$/i.test(entry.trim())) {
        const file = isAbsolute(entry) ? entry : resolve(config.root, entry.trim())
        return async (ctx: HookContext) => ctx.sql(await readFile(file, 'utf8'), file)
      }
      return async (ctx: HookContext) => {
        const env = hookEnv(target, {
          hook: ctx.hook,
          direction: ctx.direction,
          database: ctx.database,
          env: ctx.env,
          migration: ctx.migration,
          migrations: ctx.migrations,
          status: ctx.status,
          error: ctx.error?.message,
        })
        printOutput(out, await runShell(entry, config.root, env))
      }
    })
  }
  return hooks
}

/** The runner of `-- mig:run <command>` lines: a shell command in the project root. */
export function commandRunner(config: MigConfig, target: ResolvedTarget, out: Output): RunCommand {
  return async (ctx) => {
    const env = hookEnv(target, { direction: ctx.direction, database: ctx.database, env: ctx.env, migration: ctx.migration, line: ctx.line })
    printOutput(out, await runShell(ctx.command, config.root, env))
  }
}
