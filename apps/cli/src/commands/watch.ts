import { existsSync, type FSWatcher, watch } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { isProductionEnv, MigrationError, type ReapplyResult, redactUrl } from '@mig/core'
import type { CommandContext } from '../context.js'
import { loadDriver } from '../driver-loader.js'
import { colorsWanted } from '../ui/color.js'
import { describeError, EXIT, ExitError } from '../exit.js'
import type { WatchError, WatchViewHandle } from '../ui/watch-view.js'

/** Options of `mig watch`. */
export interface WatchCommandOptions {
  /** Apply what is stale, then exit (0, or 1 when a re-apply failed). */
  once?: boolean
  /** Milliseconds of quiet after a change before re-applying. Default 150. */
  debounce?: number
}

/** The exit code of a watch stopped by SIGINT. */
const INTERRUPTED = 130

/**
 * `file:line:column` of an error, the innermost template's when a template failed to render; the
 * file relative to `root` when it is inside it.
 */
export function errorLocation(err: unknown, root: string): string | undefined {
  let found: { file: string; line?: number; column?: number } | undefined
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const t = e as { template?: unknown; line?: number; column?: number; file?: string }
    if (typeof t.template === 'string') {
      found = { file: t.template, line: t.line, column: t.column }
      break
    }
    if (e instanceof MigrationError && t.file && !found) found = { file: t.file, line: t.line }
  }
  if (!found) return undefined
  const rel = relative(root, found.file)
  const file = rel.startsWith('..') || isAbsolute(rel) ? found.file : rel
  return `${file}${found.line ? `:${found.line}${found.column ? `:${found.column}` : ''}` : ''}`
}

/** How a round's lines start: on a terminal the local time and a mark (green ✔, red ✖), nothing elsewhere. */
function marks(ctx: CommandContext): { ok(text: string): string; bad(text: string): string } {
  if (ctx.out.mode !== 'tty') return { ok: (t) => t, bad: (t) => t }
  const color = colorsWanted()
  const time = () => new Date().toTimeString().slice(0, 8)
  const paint = (code: number, mark: string) => (color ? `\x1b[${code}m${mark}\x1b[39m` : mark)
  return { ok: (t) => `${paint(32, '✔')} ${time()}  ${t}`, bad: (t) => `${paint(31, '✖')} ${time()}  ${t}` }
}

/** Where a round's lines go: the live view on a terminal (see ui/watch-view.tsx), else the output. */
interface Printer {
  /** A re-apply that succeeded (✔ on a terminal). */
  ok(text: string): void
  /** A round that failed (✖ on a terminal). */
  bad(text: string): void
  /** A line under a re-apply (a re-created dependent). */
  detail(text: string): void
  /** The failure's location and what to do: the view keeps it shown; the output prints the hints. */
  failure(error: WatchError): void
  /** The live view, when the round's lines go to it. */
  view?: WatchViewHandle
}

/** The printer of a watch: into `view` when there is one, else lines on the output (marked on a terminal). */
function printer(ctx: CommandContext, view?: WatchViewHandle): Printer {
  if (view) {
    return { ok: (t) => view.line('ok', t), bad: (t) => view.line('bad', t), detail: (t) => view.line(undefined, t), failure: (e) => view.failed(e), view }
  }
  const mark = marks(ctx)
  const out = ctx.out
  return {
    ok: (t) => out.line(mark.ok(t)),
    bad: (t) => out.problem(mark.bad(t)),
    detail: (t) => out.line(t),
    failure: (e) => {
      for (const h of e.hints) out.problem(`  ${h}`)
    },
  }
}

/** The folders a watch listens to: the local migration folders and the components folder. */
function watchedFolders(ctx: CommandContext): string[] {
  const { root, migrations, components } = ctx.config
  return [...migrations.filter((m) => !m.includes('://')), components].map((p) => resolve(root, p)).filter((p) => existsSync(p))
}

/**
 * `mig watch [--once]`: re-apply the repeatables whose rendered SQL changed (a repeatable, or a
 * component it includes, edited), in dependency order, on every change under the migration and
 * components folders. A failed round is reported and rolled back; the watch goes on. Refused on a
 * production target. Stops on SIGINT (exit 130).
 */
export async function watchCommand(ctx: CommandContext, opts: WatchCommandOptions = {}): Promise<number> {
  if (isProductionEnv(ctx.target.env)) {
    throw new ExitError(
      `mig watch re-applies what you edit and is refused on target ${ctx.target.name} (env ${ctx.target.env})`,
      EXIT.usage,
      'watch a development target: mig watch --target <dev target>',
    )
  }
  const out = ctx.out
  const folders = watchedFolders(ctx)
  if (opts.once) return (await round(ctx, printer(ctx))) ? EXIT.ok : EXIT.failed
  const database = redactUrl((await loadDriver(ctx.target.url, ctx.config)).displayUrl)
  const shown = folders.map((f) => relative(ctx.config.root, f) || '.')
  // Ink and React load only for a terminal that shows the live view
  const view =
    out.mode === 'tty' && !out.quiet ? (await import('../ui/watch-view.js')).renderWatch({ database, target: ctx.target.name, folders: shown }) : undefined
  if (!view) {
    out.note(`Database: ${database} (target ${ctx.target.name})`)
    out.note(`Watching ${shown.join(', ')} (target ${ctx.target.name}); Ctrl-C stops`)
  }
  const print = printer(ctx, view)
  let running: Promise<unknown> = round(ctx, print)
  let timer: NodeJS.Timeout | undefined
  let changed = new Set<string>()
  let stop: (code: number) => void = () => {}
  const stopped = new Promise<number>((r) => {
    stop = r
  })
  const schedule = (file: string) => {
    changed.add(file)
    clearTimeout(timer)
    timer = setTimeout(() => {
      const files = [...changed]
      changed = new Set()
      running = running.then(() => {
        out.event({ event: 'changed', files }, () => (view ? undefined : out.note(`Changed: ${files.join(', ')}`)))
        return round(ctx, print)
      })
    }, opts.debounce ?? 150)
  }
  const watchers: FSWatcher[] = folders.map((folder) =>
    watch(folder, { recursive: true }, (_event, name) => {
      if (name) schedule(relative(ctx.config.root, resolve(folder, name.toString())))
    }),
  )
  const onSignal = () => stop(INTERRUPTED)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const code = await stopped
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  clearTimeout(timer)
  for (const w of watchers) w.close()
  await running.catch(() => {})
  await view?.finish()
  out.event({ event: 'stopped' }, () => out.note('stopped'))
  return code
}

/**
 * One round: a new migrator (files read and rendered again), the stale repeatables re-applied,
 * the outcome printed, the connection closed. Returns whether it succeeded; never throws.
 */
async function round(ctx: CommandContext, print: Printer): Promise<boolean> {
  const out = ctx.out
  let migrator: Awaited<ReturnType<CommandContext['freshMigrator']>> | undefined
  let ok = false
  try {
    // the components as they are now: a pin never hides an edit from the watch
    migrator = await ctx.freshMigrator({ pinned: 'never' })
    print.view?.round(migrator)
    const result = await migrator.reapplyStale()
    report(ctx, print, result)
    ok = result.ok
    return ok
  } catch (err) {
    const where = errorLocation(err, ctx.config.root)
    const { message, hint } = describeError(err)
    out.event({ event: 'failed', message, where }, () => {
      print.bad(`Failed: ${message}${where && !message.includes(where) ? ` at ${where}` : ''}`)
      print.failure({ message, where, hints: hint ? [`hint: ${hint}`] : [] })
    })
    return false
  } finally {
    print.view?.done(ok)
    await migrator?.close().catch(() => {})
  }
}

/** Print a round: a line per re-applied repeatable and re-created object, or the failure. */
function report(ctx: CommandContext, print: Printer, result: ReapplyResult): void {
  const out = ctx.out
  if (!result.results.length) {
    out.event({ event: 'idle' }, () => (print.view ? undefined : out.line('Nothing to re-apply')))
    return
  }
  if (!result.ok) {
    const failed = result.results.find((r) => r.status === 'failed')
    const err = failed?.error ?? result.error
    const where = errorLocation(err, ctx.config.root)
    const cause = err?.cause instanceof Error ? err.cause.message : (err?.message ?? 'failed')
    const name = failed?.migration.id ?? 'repeatables'
    out.event({ event: 'failed', migration: name, message: cause, where }, () => {
      print.bad(`Failed ${name}: ${cause}${where ? ` at ${where}` : ''}`)
      print.failure({
        message: `${name}: ${cause}`,
        where,
        hints: [result.transactional ? 'rolled back: the database is as it was; fix the file and save it again' : 'fix the file and save it again'],
      })
    })
    return
  }
  for (const r of result.results) {
    const first = result.firstApplied.includes(r.migration.version)
    out.event({ event: first ? 'applied' : 'reapplied', migration: r.migration.id, durationMs: r.durationMs }, () =>
      print.ok(`${first ? 'Applied' : 'Re-applied'} ${r.migration.id} (${r.durationMs}ms)`),
    )
  }
  for (const o of result.recreated) {
    out.event({ event: 'recreated', kind: o.kind, name: o.name }, () => print.detail(`  re-created ${o.kind} ${o.name} (uses ${o.uses.join(', ')})`))
  }
}
