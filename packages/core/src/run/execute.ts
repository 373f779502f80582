import { normalizedText, normalizeNewlines } from '../checksum.js'
import { type QueryExecutor, type ScriptStatement, StatementFailure, type StatementProgress } from '../driver.js'
import { MigrationError } from '../errors.js'
import { migrationInfo } from '../events.js'
import { hasRunLines, splitRunSegments } from '../hooks.js'
import type { Migration, MigrationBody, MigrationContext } from '../migration.js'
import type { StreamedPart } from '../options.js'
import { splitStatements, splitStream } from '../splitter.js'
import { STREAM_THRESHOLD } from '../streaming.js'
import { isStreamed } from './bodies.js'
import type { ResumePoint } from './resume.js'
import type { RunContext, RunTarget } from './target.js'

/** Called after each statement that completes (0-based index, its line): progress of a non-transactional apply. */
export type OnStatement = (index: number, line: number) => Promise<void>

/** One migration body to execute on an executor. */
export interface Execution {
  migration: Migration
  direction: 'up' | 'down'
  /** The migration's transaction, or the target's driver (no transaction). */
  exec: QueryExecutor
  /** The body's SQL (rendered), undefined for code migrations. */
  sql: string | undefined
  body: MigrationBody | null
  onStatement?: OnStatement
  /** Progress written inside the driver's batches (a `progressInBatch` driver), instead of by `onStatement`. */
  progress?: StatementProgress
  /** Receives the statements a code migration runs (for the log). */
  ran: string[]
}

/**
 * Execute a migration's body on `e.exec`, whatever its kind: a code migration's function, plain SQL,
 * a streamed file, SQL with `-- mig:run` commands; then, going up, its verify script.
 */
export async function executeMigration(ctx: RunContext, target: RunTarget, e: Execution): Promise<void> {
  const { migration: m, direction, exec, sql, body, onStatement } = e
  const fn = direction === 'up' ? m.code?.up : m.code?.down
  if (fn) return void (await fn(codeContext(ctx, target, m, exec, e.ran)))
  if (sql === undefined || !body) return
  if (isStreamed(body)) await executeStreamed(ctx, target, e, body)
  else if (hasRunLines(sql)) await executeWithCommands(ctx, target, e, sql, body)
  else await target.driver.runScript(exec, { sql, file: body.file, line: body.line }, onStatement ? (i, st) => onStatement(i, st.line) : undefined, e.progress)
  if (direction === 'up' && m.verify) await verify(ctx, target, m, exec)
}

/** What a code migration's functions get: queries on the migration's executor, recorded for the log. */
function codeContext(ctx: RunContext, target: RunTarget, m: Migration, exec: QueryExecutor, ran: string[]): MigrationContext {
  const run = (sql: string, params?: readonly unknown[]) => {
    ran.push(sql)
    return exec.query(sql, params)
  }
  return {
    sql: (strings, ...values) => run(strings.join('?'), values),
    query: (sql, params) => run(sql, params),
    client: target.driver.client,
    vars: ctx.options.vars ?? {},
    log: (message) => ctx.emit('log', { migration: migrationInfo(m), message }),
  }
}

/**
 * The statements of a migration resumed at the one that failed (`up --resume`, see `resume.ts`),
 * outside any transaction: progress and failures are numbered as in the whole file.
 */
export async function executeFrom(
  target: RunTarget,
  resume: ResumePoint,
  body: MigrationBody,
  onStatement: OnStatement,
  progress?: StatementProgress,
): Promise<void> {
  const driver = target.driver
  const base = resume.from - 1
  try {
    await driver.runStatements!(
      driver,
      resume.statements,
      { file: body.file, line: body.line },
      (i, st) => onStatement(base + i, st.line),
      progress && ((i, st) => progress(base + i, st)),
    )
  } catch (err) {
    if (err instanceof StatementFailure) throw new StatementFailure(base + err.index, err.statement, err.cause, err.line)
    throw err
  }
}

/**
 * A streamed body (a plain-SQL file over `STREAM_THRESHOLD`): split as the file is read and fed to
 * the driver's `runStatements`, so memory holds a statement (or a driver's bounded batch), never
 * the file. A driver without `runStatements` gets the whole text through `runScript`.
 */
async function executeStreamed(ctx: RunContext, target: RunTarget, e: Execution, body: MigrationBody): Promise<void> {
  const driver = target.driver
  const info = await ctx.bodies.streamedInfo(body)
  if (info.runLine !== undefined) {
    throw new MigrationError({
      migration: e.migration.id,
      direction: e.direction,
      message: `-- mig:run is not supported in a file streamed because it is over ${STREAM_THRESHOLD / 1024 / 1024} MiB: split the file at the command`,
      file: body.file,
      line: info.runLine,
    })
  }
  const onStatement = e.onStatement
  const parts = ctx.bodies.partsOf(body)
  // bulk loads inside the migration's transaction; progress per statement (no transaction) keeps the INSERT statements
  if (parts && driver.loadCsv && !onStatement) return executeParts(target, e, body, parts)
  const done = onStatement ? (i: number, st: ScriptStatement) => onStatement(i, st.line) : undefined
  if (!driver.runStatements) {
    await driver.runScript(e.exec, { sql: normalizeNewlines(await body.read()), file: body.file, line: body.line }, done, e.progress)
    return
  }
  const statements = splitStream(normalizedText(body.stream!()), driver.splitOptions ?? {}, body.line)
  await driver.runStatements(e.exec, statements, { file: body.file, line: body.line }, done, e.progress)
}

/**
 * A render in parts on a driver with `loadCsv`: its SQL text run as scripts, each CSV loaded the
 * driver's way (PostgreSQL: COPY), or as its INSERT statements when the driver declines it.
 * Statements are numbered through the whole body, a load counting as one.
 */
async function executeParts(target: RunTarget, e: Execution, body: MigrationBody, parts: StreamedPart[]): Promise<void> {
  const driver = target.driver
  const where = { file: body.file, line: body.line }
  let line = body.line ?? 1
  let base = 0
  const rebased = (err: unknown) => (err instanceof StatementFailure ? new StatementFailure(base + err.index, err.statement, err.cause, err.line) : err)
  for (const p of parts) {
    if (!('load' in p)) {
      const sql = normalizeNewlines(p.sql)
      if (sql.trim()) {
        try {
          await driver.runScript(e.exec, { sql, file: body.file, line })
        } catch (err) {
          throw rebased(err)
        }
        base += splitStatements(sql, driver.splitOptions ?? {}).length
      }
      for (let k = sql.indexOf('\n'); k >= 0; k = sql.indexOf('\n', k + 1)) line++
      continue
    }
    const statement: ScriptStatement = { sql: `/* ${p.describe} */`, line }
    let loaded: boolean
    try {
      loaded = await driver.loadCsv!(e.exec, p.load)
    } catch (err) {
      const cause = err as Error & { where?: string }
      throw new StatementFailure(base, statement, cause.where ? Object.assign(new Error(`${cause.message} (${cause.where})`), { cause }) : err)
    }
    if (!loaded) {
      const statements = splitStream(normalizedText(p.sql()), driver.splitOptions ?? {}, line)
      try {
        if (driver.runStatements) await driver.runStatements(e.exec, statements, where)
        else {
          let text = ''
          for await (const st of statements) text += `${st.sql};\n`
          await driver.runScript(e.exec, { sql: text, ...where })
        }
      } catch (err) {
        throw rebased(err)
      }
    }
    base++
  }
}

/** A no-transaction body with `-- mig:run <command>` lines: SQL up to each line, then the command. */
async function executeWithCommands(ctx: RunContext, target: RunTarget, e: Execution, sql: string, body: MigrationBody): Promise<void> {
  const { migration: m, direction } = e
  const fail = (message: string, line: number, extra: { statementIndex?: number; cause?: unknown } = {}) =>
    new MigrationError({ migration: m.id, direction, message, file: body.file, line, ...extra })
  let base = 0
  for (const seg of splitRunSegments(sql, body.line)) {
    if (seg.kind === 'run') {
      const runCommand = ctx.options.runCommand
      if (!runCommand) throw fail(`-- mig:run needs a command runner (the mig CLI provides one)`, seg.line)
      try {
        await runCommand({
          command: seg.command,
          migration: migrationInfo(m),
          direction,
          file: body.file,
          line: seg.line,
          database: target.driver.displayUrl,
          ...(ctx.options.env ? { env: ctx.options.env } : {}),
        })
      } catch (err) {
        throw fail(`-- mig:run ${seg.command} failed: ${(err as Error).message}`, seg.line, { statementIndex: base + 1, cause: err })
      }
      continue
    }
    let last = -1
    try {
      const at = base
      await target.driver.runScript(
        e.exec,
        { sql: seg.text, file: body.file, line: seg.line },
        async (i, st) => {
          last = i
          if (e.onStatement) await e.onStatement(at + i, st.line)
        },
        e.progress && ((i, st) => e.progress!(at + i, st)),
      )
    } catch (err) {
      if (err instanceof StatementFailure) throw new StatementFailure(base + err.index, err.statement, err.cause, err.line)
      throw err
    }
    base += last + 1
  }
}

/** Run the migration's verify script: it fails by raising an error, or by a final SELECT returning false. */
async function verify(ctx: RunContext, target: RunTarget, m: Migration, exec: QueryExecutor): Promise<void> {
  const body = m.verify!
  const sql = await ctx.bodies.sql(m, body, 'verify')
  await target.driver.runScript(exec, { sql, file: body.file, line: body.line })
  const last = sql
    .trim()
    .split(';')
    .filter((s) => s.trim())
    .at(-1)
  if (last && /^\s*select\b/i.test(last.replace(/--[^\n]*\n/g, ''))) {
    const rows = await exec.query(last)
    const first = rows[0] ? Object.values(rows[0])[0] : undefined
    if (first === false || first === 0 || first === 'f' || first === '0' || first === 0n) {
      throw new MigrationError({ migration: m.id, direction: 'up', message: `verify query returned ${String(first)}`, file: body.file })
    }
  }
}

/** `err` as the {@link MigrationError} of `m` (a failed statement names its index, text and line). */
export function toMigrationError(m: Migration, direction: 'up' | 'down', body: MigrationBody | null, err: unknown): MigrationError {
  if (err instanceof MigrationError) return err
  if (err instanceof StatementFailure) {
    return new MigrationError({
      migration: m.id,
      direction,
      message: err.message,
      file: body?.file,
      statement: err.statement.sql,
      statementIndex: err.index + 1,
      line: err.line,
      cause: err.cause,
    })
  }
  return new MigrationError({ migration: m.id, direction, message: err instanceof Error ? err.message : String(err), file: body?.file, cause: err })
}
