import type { DatabaseCopy, Driver, SqlSession } from '../driver.js'
import { MigError } from '../errors.js'
import type { Migrator } from '../migrator.js'
import type { StatusEntry } from '../planner.js'
import type { SqlTest } from './discovery.js'
import { DatabaseCopyError } from './errors.js'
import { executeScript } from './execute.js'
import { markSessionTags, parseScript, type ScriptBlock, usesSessions } from './script.js'
import { readTap, type TapReport } from './tap.js'

/** A test's script rendered: its text, and whether it called a seeded function (`uuid_v4()`...). */
export interface RenderedScript {
  text: string
  seeded: boolean
}

/** A test ready to run: its script cut into blocks. */
export interface PreparedTest {
  test: SqlTest
  blocks: ScriptBlock[]
  /** The script called seeded template functions (`uuid_v4()`, `uuid_v7()`). */
  seeded: boolean
}

/** What one run of a test produced. */
export interface SqlTestRun {
  test: SqlTest
  /** The output, as compared with `expected.out`. */
  output: string
  /** The TAP stream, when the output is TAP (pgTAP). */
  tap?: TapReport
  /** Problems of the run itself (a session that never finished). */
  problems: string[]
  /** Name of the copy the test ran in (still there with `keep`). */
  copy: string
  durationMs: number
}

/** Options of {@link SqlTestRunner}. */
export interface SqlTestRunnerOptions {
  /** The target's driver; copies are made through it (it needs no connection of its own). */
  target: Driver
  /** A driver for a copy's URL (not connected). */
  openDriver(url: string): Promise<Driver>
  /** Bring an empty copy to the target's migrations (see {@link applyTargetMigrations}). */
  migrateCopy(url: string): Promise<void>
  /** Build each copy from the migrations even when the engine can copy the target. */
  fromMigrations?: boolean
  /** Leave the copies (their names are in {@link SqlTestRunner.kept}). */
  keep?: boolean
  /** See `ExecuteOptions.sessionTimeoutMs`. */
  sessionTimeoutMs?: number
}

// milliseconds, monotonic
const now = () => Number(process.hrtime.bigint()) / 1e6

/**
 * Runs SQL tests, each in a fresh copy of the target, dropped afterwards (in the background, so the
 * next test starts at once; {@link finish} waits for them) unless `keep`. {@link abort} closes
 * every session and drops every copy at once (Ctrl-C).
 */
export class SqlTestRunner {
  /** Copies made and not yet dropped. */
  private readonly live = new Set<DatabaseCopy>()
  private readonly sessions = new Set<SqlSession>()
  private readonly drops: Promise<void>[] = []
  private readonly dropFailures: string[] = []
  /** Copies left in place (`keep`). */
  readonly kept: string[] = []

  constructor(private readonly options: SqlTestRunnerOptions) {}

  /**
   * Render a test's script and cut it into blocks: session tags are checked first (a session never
   * closed is an error with its line), then the template is rendered by `render`.
   */
  async prepare(test: SqlTest, render: (test: SqlTest, source: string) => Promise<RenderedScript>, source: string): Promise<PreparedTest> {
    const marked = markSessionTags(source, test.relativeFile)
    const rendered = await render(test, marked)
    return { test, blocks: parseScript(rendered.text, test.relativeFile, this.options.target.splitOptions ?? {}), seeded: rendered.seeded }
  }

  /** The copy for the next test, made while the current one runs. */
  private next: Promise<DatabaseCopy> | undefined

  /**
   * Run a prepared test in a new copy of the target. `more`: another test follows, whose copy is
   * made while this one runs.
   */
  async run(prepared: PreparedTest, more = false): Promise<SqlTestRun> {
    const started = now()
    const next = this.next
    this.next = undefined
    const copy = await (next ?? this.copy())
    if (more) {
      this.next = this.copy()
      // a failure is reported to the test that takes the copy
      this.next.catch(() => {})
    }
    try {
      const driver = await this.options.openDriver(copy.url)
      try {
        if (!driver.openSession) throw new MigError(`the ${driver.dialect.name} driver cannot run SQL tests (it has no openSession)`)
        // the driver's own connection only watches sessions' lock waits
        if (usesSessions(prepared.blocks)) await driver.connect()
        const result = await executeScript(prepared.blocks, {
          openSession: async () => {
            const session = await driver.openSession!()
            this.sessions.add(session)
            return {
              run: (sql) => session.run(sql),
              waitingForLock: () => session.waitingForLock(),
              close: async () => {
                this.sessions.delete(session)
                await session.close()
              },
            }
          },
          sessionTimeoutMs: this.options.sessionTimeoutMs,
        })
        const output = copy.source ? result.output.split(copy.name).join(copy.source) : result.output
        const tap = readTap(result.results)
        return { test: prepared.test, output, ...(tap ? { tap } : {}), problems: result.problems, copy: copy.name, durationMs: now() - started }
      } finally {
        await driver.close()
      }
    } finally {
      if (this.options.keep) {
        this.kept.push(copy.name)
        this.live.delete(copy)
      } else this.dropLater(copy)
    }
  }

  /** Wait for the copies being dropped; returns the ones that could not be (name: reason). */
  async finish(): Promise<string[]> {
    await Promise.all(this.drops)
    return this.dropFailures
  }

  /** Close every session and drop every copy now (Ctrl-C); `keep` copies stay. Never throws. */
  async abort(): Promise<string[]> {
    // a copy being made is in `live` once made
    await this.next?.catch(() => {})
    this.next = undefined
    await Promise.all([...this.sessions].map((s) => s.close().catch(() => {})))
    this.sessions.clear()
    if (!this.options.keep) for (const copy of this.live) this.dropLater(copy)
    else for (const copy of this.live) this.kept.push(copy.name)
    return this.finish()
  }

  private dropLater(copy: DatabaseCopy): void {
    this.live.delete(copy)
    this.drops.push(copy.drop().catch((err: unknown) => void this.dropFailures.push(`${copy.name}: ${(err as Error).message}`)))
  }

  private async copy(): Promise<DatabaseCopy> {
    const target = this.options.target
    if (!target.copyDatabase) throw new DatabaseCopyError(target.displayUrl, `the ${target.dialect.name} driver cannot copy databases`)
    const copy = await target.copyDatabase({ empty: this.options.fromMigrations })
    this.live.add(copy)
    if (copy.contents === 'empty') {
      try {
        await this.options.migrateCopy(copy.url)
      } catch (err) {
        this.dropLater(copy)
        throw new DatabaseCopyError(copy.name, `could not bring the copy to the target's migrations: ${(err as Error).message}`, { cause: err })
      }
    }
    return copy
  }
}

/**
 * Apply to `copy` (an empty database) what the target has applied, in the same order: applied
 * migrations are run, adopted ones adopted. Throws on the first failure.
 */
export async function applyTargetMigrations(targetStatus: readonly StatusEntry[], copy: Migrator): Promise<void> {
  const versioned = targetStatus.filter((s) => s.kind === 'versioned')
  const done = versioned.filter((s) => s.status === 'applied' || s.status === 'modified' || s.status === 'adopted')
  if (!done.length) return
  const last = done.at(-1)!
  const gaps = versioned.slice(0, versioned.indexOf(last)).some((s) => !done.includes(s))
  const check = (r: { ok: boolean; error?: Error }) => {
    if (!r.ok) throw r.error ?? new MigError('a migration failed')
  }
  if (!gaps && !done.some((s) => s.status === 'adopted')) {
    check(await copy.up({ to: last.version }))
    return
  }
  for (const s of done) {
    if (s.status === 'adopted') await copy.adopt({ versions: [s.version] })
    else check(await copy.up({ only: s.version, allowOutOfOrder: true }))
  }
}
