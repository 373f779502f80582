import type { MigratorEvents } from '@mig/core'
import { describeError } from './exit.js'

/** How output is shown: Ink on a TTY, plain lines otherwise, NDJSON with --json. */
export type OutputMode = 'tty' | 'plain' | 'json'

/** Where and how commands print. Commands never write to process.stdout directly. */
export interface Output {
  readonly mode: OutputMode
  readonly quiet: boolean
  /** A line of normal output (suppressed by --quiet; in JSON mode a `message` event). */
  line(text: string): void
  /** A partial line (plain mode only). */
  write(text: string): void
  /** A warning to stderr (suppressed by --quiet). */
  warn(text: string): void
  /** One JSON document or event, in JSON mode only. */
  json(value: unknown): void
  /** An error to stderr (or a JSON `error` event), with location and hint. Never suppressed. */
  error(err: unknown): void
  /** A line to stderr that is part of a failure report (not suppressed by --quiet; nothing in JSON mode). */
  problem(text: string): void
  /** Mask secrets in everything printed from now on (the template renderer's `maskSecrets`). */
  setRedact(fn: (text: string) => string): void
}

/** Streams to write to; injectable for tests. */
export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  stderr: NodeJS.WritableStream
}

/** JSON.stringify that turns errors and Dates into plain data. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Error) {
      const e = v as Error & Record<string, unknown>
      const out: Record<string, unknown> = { name: e.name, message: describeError(e).message }
      for (const k of ['migration', 'direction', 'file', 'line', 'column', 'template', 'chain', 'statementIndex', 'statement', 'hint', 'reason', 'versions'])
        if (e[k] !== undefined) out[k] = e[k]
      return out
    }
    if (typeof v === 'bigint') return v.toString()
    return v
  })
}

/** Create the output for a mode. */
export function createOutput(mode: OutputMode, quiet: boolean, streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Output {
  const { stdout: rawOut, stderr: rawErr } = streams
  let redact = (text: string) => text
  const stdout = { write: (text: string) => rawOut.write(redact(text)) }
  const stderr = { write: (text: string) => rawErr.write(redact(text)) }
  return {
    setRedact(fn) {
      redact = fn
    },
    mode,
    quiet,
    line(text) {
      if (quiet) return
      if (mode === 'json') stdout.write(`${toJson({ event: 'message', message: text })}\n`)
      else stdout.write(`${text}\n`)
    },
    write(text) {
      if (!quiet && mode !== 'json') stdout.write(text)
    },
    warn(text) {
      if (quiet) return
      if (mode === 'json') stdout.write(`${toJson({ event: 'warning', message: text })}\n`)
      else stderr.write(`warning: ${text}\n`)
    },
    json(value) {
      if (mode === 'json') stdout.write(`${toJson(value)}\n`)
    },
    problem(text) {
      if (mode !== 'json') stderr.write(`${text}\n`)
    },
    error(err) {
      const d = describeError(err)
      if (mode === 'json') {
        stdout.write(`${toJson({ event: 'error', error: err instanceof Error ? err : { message: d.message } })}\n`)
        return
      }
      stderr.write(`error: ${d.message}\n`)
      if (d.where) stderr.write(`  ${d.where.split('\n').join('\n  ')}\n`)
      if (d.hint) stderr.write(`hint: ${d.hint}\n`)
    },
  }
}

/** Events in the shape the JSON output prints them. */
export function eventJson<K extends keyof MigratorEvents>(event: K, payload: MigratorEvents[K]): Record<string, unknown> {
  return { event, ...payload }
}
