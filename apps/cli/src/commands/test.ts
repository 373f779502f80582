import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import {
  applyTargetMigrations,
  checkReversibility,
  DatabaseCopyError,
  DEFAULT_TESTS_DIR,
  listTests,
  type Migrator,
  type PreparedTest,
  type ReversibilityResult,
  type SqlTest,
  type SqlDialect,
  SqlTestError,
  SqlTestRunner,
  selectTests,
  type StatusEntry,
} from '@mig/core'
import { type CommandContext, createContext, parseDuration } from '../context.js'
import { loadDriver } from '../driver-loader.js'
import { EXIT, ExitError } from '../exit.js'
import { colorDiff, junitXml, outputDiff, summaryLine, type TestOutcome, useColor } from '../test-report.js'
import { ignoredTables } from '../schema-context.js'

/** Options of `mig test run|expect|compare|migrations`. */
export interface TestCommandOptions {
  /** Leave the copies in place and print their names. */
  keep?: boolean
  /** Build each copy by applying the migrations, even where the engine can copy the target. */
  fromMigrations?: boolean
  /** `compare`: write JUnit XML to this file. */
  junit?: string
  /** How long to wait for a session (duration, default 30s). */
  sessionTimeout?: string
}

type Mode = 'run' | 'expect' | 'compare'

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

const TEMPLATE = `-- A SQL test: this script runs in a copy of the target database; its output
-- (statements, result tables, errors) is compared with expected.out.
-- Write it, then record the output with: mig test expect NAME
SELECT 1 AS one;
`

/** `mig test new <name>`: create `tests/<name>/test.sql`. */
export async function testNewCommand(ctx: CommandContext, name: string): Promise<number> {
  if (!NAME.test(name)) throw new ExitError(`test names are letters, digits, "_", "-" and ".", not "${name}"`, EXIT.usage)
  const dir = join(ctx.config.root, DEFAULT_TESTS_DIR, name)
  if (existsSync(dir)) throw new ExitError(`${relative(ctx.cwd, dir)} already exists`, EXIT.usage)
  const file = join(dir, 'test.sql')
  mkdirSync(dir, { recursive: true })
  writeFileSync(file, TEMPLATE.replace('NAME', name))
  ctx.out.event({ event: 'test:created', name, file })
  ctx.out.line(`Created ${relative(ctx.cwd, file)}; write the test, then run: mig test expect ${name}`)
  return EXIT.ok
}

/** A migrator on another database of the target's engine (a copy), with the project's settings. */
async function migratorFor(ctx: CommandContext, url: string): Promise<Migrator> {
  return (await createContext({ ...ctx.options, database: url }, ctx.out, ctx.cwd)).migrator()
}

/** Render a test's script: `.njk` through the project's templates, with `uuid_v4()`/`uuid_v7()` seeded by the test's name. */
function scriptRenderer(ctx: CommandContext, dialect: SqlDialect) {
  let renderer: Promise<import('@mig/templates').TemplateRenderer> | undefined
  return async (test: SqlTest, source: string) => {
    if (!test.template) return { text: source, seeded: false }
    renderer ??= import('../templates.js').then((m) => m.templateRenderer(ctx, { dialect }))
    const r = await renderer
    const seeds = (await import('@mig/templates')).seededFunctions(test.name)
    const text = r.renderSource(source, test.file, { globals: { uuid_v4: seeds.uuid_v4, uuid_v7: seeds.uuid_v7 } })
    return { text, seeded: seeds.calls > 0 }
  }
}

/**
 * Drop every copy on Ctrl-C (or SIGTERM) before exiting with 130, so an interrupted run leaves no
 * database behind. Returns the function that removes the handlers.
 */
function dropCopiesOnSignal(ctx: CommandContext, abort: () => Promise<string[]>, kept: () => string[]): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.out.problem(`${signal === 'SIGINT' ? 'Interrupted' : 'Terminated'}: dropping the test databases...`)
    void abort().then((failures) => {
      for (const f of failures) ctx.out.problem(`could not drop ${f}`)
      if (kept().length) ctx.out.problem(`Kept: ${kept().join(', ')}`)
      process.exit(130)
    })
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** Compare a finished run with its expected file (or its TAP stream). */
function judge(mode: Mode, run: NonNullable<TestOutcome['run']>, cwd: string): TestOutcome {
  const base = { name: run.test.name, durationMs: run.durationMs, run }
  if (run.problems.length) return { ...base, status: 'failed', message: run.problems.join('; ') }
  if (run.tap) {
    const failures = run.tap.failures
    return failures.length ? { ...base, status: 'failed', message: failures.join('; ') } : { ...base, status: 'passed' }
  }
  if (mode !== 'compare') return { ...base, status: 'passed' }
  const file = run.test.expectedFile
  if (!existsSync(file)) return { ...base, status: 'failed', message: `no expected output (${relative(cwd, file)}): run mig test expect ${run.test.name}` }
  const expected = readFileSync(file, 'utf8')
  if (expected === run.output) return { ...base, status: 'passed' }
  return { ...base, status: 'failed', message: 'output differs from expected.out', diff: outputDiff(relative(cwd, file), expected, run.output) }
}

function report(ctx: CommandContext, mode: Mode, outcome: TestOutcome, many: boolean): void {
  const run = outcome.run
  const ms = `${Math.round(outcome.durationMs)}ms`
  if (ctx.out.mode === 'json') {
    const { run: _run, ...rest } = outcome
    ctx.out.event({ event: `test:${outcome.status}`, ...rest, ...(run?.tap ? { tap: run.tap } : {}), ...(run && mode === 'run' ? { output: run.output } : {}) })
    return
  }
  if (mode === 'run' && run && !run.tap) {
    if (many) ctx.out.line(`-- test ${outcome.name}`)
    ctx.out.write(run.output)
  }
  const label = outcome.status === 'passed' ? 'ok  ' : 'FAIL'
  if (mode !== 'run' || run?.tap || outcome.status !== 'passed')
    ctx.out.line(`${label} ${outcome.name} (${ms})${outcome.message ? `: ${outcome.message}` : ''}`)
  for (const a of run?.tap?.assertions ?? [])
    ctx.out.line(`  ${a.ok ? 'ok' : 'not ok'} ${a.number}${a.description ? ` - ${a.description}` : ''}${a.directive ? ` # ${a.directive}` : ''}`)
  if (outcome.diff) ctx.out.line(useColor(ctx.out.mode === 'tty') ? colorDiff(outcome.diff) : outcome.diff)
}

/** Run tests in copies of the target: print (`run`), record (`expect`) or compare (`compare`). */
async function runTests(ctx: CommandContext, mode: Mode, names: string[], options: TestCommandOptions): Promise<number> {
  const tests = selectTests(listTests(ctx.config.root), names)
  if (!tests.length) {
    ctx.out.line(`No tests in ${DEFAULT_TESTS_DIR}/: create one with mig test new <name>`)
    return EXIT.ok
  }
  const target = await loadDriver(ctx.target.url, ctx.config.root)
  let targetStatus: Promise<StatusEntry[]> | undefined
  const runner = new SqlTestRunner({
    target,
    openDriver: (url) => loadDriver(url, ctx.config.root),
    migrateCopy: async (url) => {
      targetStatus ??= ctx.migrator().then((m) => m.status())
      const status = await targetStatus
      const copy = await migratorFor(ctx, url)
      try {
        await applyTargetMigrations(status, copy)
      } finally {
        await copy.close()
      }
    },
    fromMigrations: options.fromMigrations,
    keep: options.keep,
    sessionTimeoutMs: parseDuration(options.sessionTimeout, '--session-timeout'),
  })
  // every script is read and rendered before any copy is made: a broken test stops the run at once
  const render = scriptRenderer(ctx, target.dialect)
  const prepared: PreparedTest[] = []
  for (const t of tests) prepared.push(await runner.prepare(t, render, readFileSync(t.file, 'utf8')))
  const removeHandlers = dropCopiesOnSignal(
    ctx,
    () => runner.abort(),
    () => runner.kept,
  )
  const outcomes: TestOutcome[] = []
  try {
    for (const [i, p] of prepared.entries()) {
      ctx.out.event({ event: 'test:start', name: p.test.name })
      let outcome: TestOutcome
      try {
        outcome = { ...judge(mode, await runner.run(p, i < prepared.length - 1), ctx.cwd), seeded: p.seeded }
      } catch (err) {
        if (err instanceof DatabaseCopyError || err instanceof SqlTestError) throw err
        outcome = { name: p.test.name, status: 'error', durationMs: 0, message: (err as Error).message, seeded: p.seeded }
      }
      if (mode === 'expect' && outcome.run && !outcome.run.tap) {
        mkdirSync(dirname(p.test.expectedFile), { recursive: true })
        writeFileSync(p.test.expectedFile, outcome.run.output)
        if (ctx.out.mode !== 'json') ctx.out.line(`Wrote ${relative(ctx.cwd, p.test.expectedFile)}`)
      }
      outcomes.push(outcome)
      report(ctx, mode, outcome, prepared.length > 1)
    }
  } finally {
    const failures = await runner.abort()
    removeHandlers()
    await (targetStatus ? ctx.migrator().then((m) => m.close()) : undefined)
    await target.close()
    for (const f of failures) ctx.out.warn(`could not drop ${f}`)
  }
  if (runner.kept.length) {
    ctx.out.event({ event: 'test:kept', databases: runner.kept })
    if (ctx.out.mode !== 'json') ctx.out.line(`Kept: ${runner.kept.join(', ')}`)
  }
  const seeded = outcomes.filter((o) => o.seeded).map((o) => o.name)
  if (seeded.length && ctx.out.mode !== 'json') ctx.out.line(`Seeded values (uuid_v4, uuid_v7 seeded by the test's name) in: ${seeded.join(', ')}`)
  if (options.junit) writeFileSync(join(ctx.cwd, options.junit), junitXml('mig test', outcomes))
  ctx.out.event({
    event: 'summary',
    passed: outcomes.filter((o) => o.status === 'passed').length,
    failed: outcomes.filter((o) => o.status !== 'passed').length,
    seeded,
  })
  if (ctx.out.mode !== 'json') ctx.out.line(summaryLine(outcomes))
  return outcomes.every((o) => o.status === 'passed') ? EXIT.ok : EXIT.failed
}

/** `mig test run [name...]`: run tests (all when none is named) and print their output. */
export function testRunCommand(ctx: CommandContext, names: string[], options: TestCommandOptions = {}): Promise<number> {
  return runTests(ctx, 'run', names, options)
}

/** `mig test expect [name...]`: run tests and write their output to `expected.out`. */
export function testExpectCommand(ctx: CommandContext, names: string[], options: TestCommandOptions = {}): Promise<number> {
  return runTests(ctx, 'expect', names, options)
}

/** `mig test compare [name...] [--junit FILE]`: run tests and compare with `expected.out`; exit 1 on a difference. */
export function testCompareCommand(ctx: CommandContext, names: string[], options: TestCommandOptions = {}): Promise<number> {
  return runTests(ctx, 'compare', names, options)
}

function reportMigration(ctx: CommandContext, r: ReversibilityResult): void {
  ctx.out.event({ event: `migration:${r.status}`, ...r })
  if (ctx.out.mode === 'json') return
  const label = { reversible: 'ok  ', irreversible: 'FAIL', failed: 'FAIL', 'no-down': 'skip' }[r.status]
  const why = { reversible: '', irreversible: ': down does not restore the schema', failed: `: ${r.error}`, 'no-down': ' (no down)' }[r.status]
  ctx.out.line(`${label} ${r.migration.id}${why}`)
  if (r.downDifferences.length) ctx.out.line(`  after up and down, compared with before up:\n${r.downDifferences.map((d) => `    ${d}`).join('\n')}`)
  if (r.reupDifferences.length) ctx.out.line(`  after up, down and up again, compared with after up:\n${r.reupDifferences.map((d) => `    ${d}`).join('\n')}`)
}

/**
 * `mig test migrations`: in an empty database, check that every migration's down gives back the
 * schema before its up, and that up again gives the schema after it. Exit 1 when one does not.
 */
export async function testMigrationsCommand(ctx: CommandContext): Promise<number> {
  const target = await loadDriver(ctx.target.url, ctx.config.root)
  try {
    const results = await checkReversibility({
      target,
      migratorFor: (url) => migratorFor(ctx, url),
      ignoreTables: ignoredTables(ctx),
      onResult: (r) => reportMigration(ctx, r),
    })
    const failed = results.filter((r) => r.status === 'irreversible' || r.status === 'failed').length
    const passed = results.filter((r) => r.status === 'reversible').length
    const skipped = results.length - failed - passed
    ctx.out.event({ event: 'summary', passed, failed, skipped })
    if (ctx.out.mode !== 'json') ctx.out.line(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} without a down` : ''}`)
    return failed ? EXIT.failed : EXIT.ok
  } finally {
    await target.close()
  }
}
