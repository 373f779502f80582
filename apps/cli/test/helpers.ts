import { Writable } from 'node:stream'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built binary, run as a user would. */
export const BIN = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url))

/** Run `mig` in `cwd`; returns exit code and output. Never a TTY. */
export function mig(cwd: string, args: string[], env: Record<string, string | undefined> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: undefined, MIG_TARGET: undefined, CI: 'true', ...env },
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Replace `(12ms)` durations so output can be compared exactly. */
export function stable(text: string): string {
  return text.replace(/\(\d+ms\)/g, '(Xms)')
}

/** A writable stream that keeps what was written, for in-process command tests. */
export function sink(): { stream: Writable; text(): string } {
  let buf = ''
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString()
      cb()
    },
  })
  return { stream, text: () => buf }
}
