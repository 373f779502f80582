import type { Migrator, MigratorEvents, RunResult } from '@mig/core'
import { describeError } from './exit.js'
import { followPlainRun, type RunView } from './ui/run-lines.js'

/** How output is shown: Ink on a TTY, plain lines otherwise, NDJSON with --json. */
export type OutputMode = 'tty' | 'plain' | 'json'

/** A JSON event line (`--json`): `event` names it, the other fields are its data. */
export type OutputEvent = { event: string } & Record<string, unknown>

/**
 * Where and how commands print; the one place that decides between JSON and text. A command
 * calls core, then hands its outcome to {@link Output.result} (or {@link Output.event} as things
 * happen) with a function that prints it for a person; which of the two runs is decided here, by
 * the mode the output was created with. Commands never write to process.stdout directly and never
 * ask which mode they run in.
 *
 * @example
 * out.result({ ok, problems }, ({ ok }) => out.line(ok ? 'OK' : `${problems.length} problems`))
 */
export interface Output {
  readonly mode: OutputMode
  readonly quiet: boolean
  /** A command's outcome: with --json `data` as one JSON document; otherwise `text(data)` prints it. */
  result<T>(data: T, text: (data: T) => void): void
  /** Something that happened: with --json one NDJSON event; otherwise `text()`, when given. */
  event(data: OutputEvent, text?: () => void): void
  /** A line of normal output (suppressed by --quiet; in JSON mode a `message` event). */
  line(text: string): void
  /** A partial line (text modes only). */
  write(text: string): void
  /** A warning to stderr (suppressed by --quiet; in JSON mode a `warning` event). */
  warn(text: string): void
  /** A line to stderr that is part of a failure report (not suppressed by --quiet; nothing in JSON mode). */
  problem(text: string): void
  /** An error to stderr (or a JSON `error` event), with location and hint. Never suppressed. */
  error(err: unknown): void
  /**
   * Context for a person on stderr, such as the database a command uses or the total time of a
   * run, so stdout keeps the exact lines scripts read. Suppressed by --quiet; nothing in JSON mode
   * (commands put such facts in their document instead).
   */
  note(text: string): void
  /**
   * Show a migration run as it happens: the Ink view on a terminal, the plain lines of SPEC
   * otherwise, NDJSON events with --json. `finish` closes the view; with --json it prints the
   * `result` event, with `extra` fields (the database) added.
   */
  watchRun(migrator: Migrator): Promise<RunView>
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
      const d = describeError(e)
      const out: Record<string, unknown> = { name: e.name, message: d.message }
      for (const k of ['migration', 'direction', 'file', 'line', 'column', 'template', 'chain', 'statementIndex', 'statement', 'hint', 'reason', 'versions'])
        if (e[k] !== undefined) out[k] = e[k]
      if (out.hint === undefined && d.hint !== undefined) out.hint = d.hint
      return out
    }
    if (typeof v === 'bigint') return v.toString()
    return v
  })
}

/** Events in the shape the JSON output prints them. */
export function eventJson<K extends keyof MigratorEvents>(event: K, payload: MigratorEvents[K]): Record<string, unknown> {
  return { event, ...payload }
}

type Writer = { write(text: string): void }

/** The NDJSON output of `--json`: every method writes JSON lines on stdout, or nothing. */
function jsonOutput(stdout: Writer, quiet: boolean): Omit<Output, 'setRedact'> {
  const emit = (value: unknown) => stdout.write(`${toJson(value)}\n`)
  return {
    mode: 'json',
    quiet,
    result: (data) => emit(data),
    event: (data) => emit(data),
    line: (text) => {
      if (!quiet) emit({ event: 'message', message: text })
    },
    write: () => {},
    warn: (text) => {
      if (!quiet) emit({ event: 'warning', message: text })
    },
    problem: () => {},
    error: (err) => emit({ event: 'error', error: err instanceof Error ? err : { message: describeError(err).message } }),
    note: () => {},
    async watchRun(migrator) {
      const off = migrator.onAny((event, payload) => emit(eventJson(event, payload)))
      return {
        async finish(result: RunResult | undefined, extra: Record<string, unknown> = {}) {
          off()
          if (result) emit({ event: 'result', ...result, ...extra })
        },
      }
    },
  }
}

/** Text for a person: plain lines, or the Ink view of runs on a terminal. */
function textOutput(mode: 'tty' | 'plain', stdout: Writer, stderr: Writer, quiet: boolean): Omit<Output, 'setRedact'> {
  const out: Omit<Output, 'setRedact'> = {
    mode,
    quiet,
    result: (data, text) => text(data),
    event: (_data, text) => text?.(),
    line: (text) => {
      if (!quiet) stdout.write(`${text}\n`)
    },
    write: (text) => {
      if (!quiet) stdout.write(text)
    },
    warn: (text) => {
      if (!quiet) stderr.write(`warning: ${text}\n`)
    },
    problem: (text) => stderr.write(`${text}\n`),
    error(err) {
      const d = describeError(err)
      stderr.write(`error: ${d.message}\n`)
      if (d.where) stderr.write(`  ${d.where.split('\n').join('\n  ')}\n`)
      if (d.hint) stderr.write(`hint: ${d.hint}\n`)
    },
    note: (text) => {
      if (!quiet) stderr.write(`${text}\n`)
    },
    async watchRun(migrator) {
      if (mode === 'tty' && !quiet) return (await import('./ui/run-view.js')).renderRun(migrator)
      return followPlainRun(migrator, out)
    },
  }
  return out
}

/** Create the output for a mode: the only place where the mode picks what gets printed. */
export function createOutput(mode: OutputMode, quiet: boolean, streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Output {
  let redact = (text: string) => text
  const stdout = { write: (text: string) => streams.stdout.write(redact(text)) }
  const stderr = { write: (text: string) => streams.stderr.write(redact(text)) }
  const out = mode === 'json' ? jsonOutput(stdout, quiet) : textOutput(mode, stdout, stderr, quiet)
  return {
    ...out,
    setRedact(fn) {
      redact = fn
    },
  }
}
