import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Driver } from '@mig/core'
import type { DialectName } from '@mig/test-utils'
import { DRIVERS } from './drivers.js'

/** The built CLI, as a user runs it. */
export const MIG_BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.cjs', import.meta.url))

/** Outcome of a finished `mig` process. */
export interface MigRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Start `cmd argv` in `cwd` and collect its output. */
function spawnCollecting(cmd: string, argv: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; done: Promise<MigRun> } {
  const child = spawn(cmd, argv, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => {
    stdout += d
  })
  child.stderr!.on('data', (d) => {
    stderr += d
  })
  const done = new Promise<MigRun>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Start `mig <args>` in `cwd` (no TTY: plain output). */
export function startMig(args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; done: Promise<MigRun> } {
  return spawnCollecting(process.execPath, [MIG_BIN, ...args], cwd, env)
}

/** Run `mig <args>` to completion. */
export function runMig(args: string[], cwd: string, env: Record<string, string> = {}): Promise<MigRun> {
  return startMig(args, cwd, env).done
}

/** `/usr/bin/time` (GNU time), when installed: it reports a process's peak resident set size. */
export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** A finished `mig` process with its peak resident set size (KiB), when {@link GNU_TIME} measured it. */
export interface MeasuredMigRun extends MigRun {
  peakRssKb?: number
  wallMs: number
}

/**
 * Run `mig <args>` with node's heap capped at `heapMb` MiB (old generation: a large file read whole
 * does not fit) and, when GNU time is installed, measure its peak RSS.
 */
export async function runMigMeasured(args: string[], cwd: string, heapMb: number): Promise<MeasuredMigRun> {
  const node = [process.execPath, `--max-old-space-size=${heapMb}`, MIG_BIN, ...args]
  const [cmd, ...argv] = GNU_TIME ? [GNU_TIME, '-f', 'mig-peak-rss-kb=%M', ...node] : node
  const started = Date.now()
  const run = await spawnCollecting(cmd!, argv, cwd, {}).done
  const m = /mig-peak-rss-kb=(\d+)\s*$/.exec(run.stderr)
  return { ...run, stderr: m ? run.stderr.slice(0, m.index) : run.stderr, wallMs: Date.now() - started, ...(m ? { peakRssKb: Number(m[1]) } : {}) }
}

/** Open a driver on `url`, run `fn`, close it. */
export async function withDriver<T>(dialect: DialectName, url: string, fn: (d: Driver) => Promise<T>): Promise<T> {
  const driver = DRIVERS[dialect](url)
  await driver.connect()
  try {
    return await fn(driver)
  } finally {
    await driver.close()
  }
}

/**
 * Wait until no other session is connected to the database: a killed client's last round trip
 * may still be running on the server (and commit) after the process is gone, so its outcome is
 * read once the server is done with it. SQLite has no server: the process's end is the end.
 */
export async function waitForOtherSessions(dialect: DialectName, d: Driver, timeoutMs = 20_000): Promise<void> {
  const sql =
    dialect === 'postgres'
      ? 'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'
      : dialect === 'mysql'
        ? 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()'
        : undefined
  if (!sql) return
  const until = Date.now() + timeoutMs
  while (Number((await d.query(sql))[0]!.n) > 0) {
    if (Date.now() > until) throw new Error(`other sessions still connected after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Names of the tables of the database (current schema). */
export async function tableNames(dialect: DialectName, d: Driver): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await d.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      : dialect === 'postgres'
        ? await d.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`)
        : await d.query(`SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`)
  return rows.map((r) => String(r.name)).sort()
}

/** stderr without the context lines every command prints (`Database: ...`, `Total: ...`). */
export function withoutContext(stderr: string): string {
  return stderr.replace(/^(Database|Total): .*\n/gm, '')
}
