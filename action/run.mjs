// The GitHub Action's step (action.yml): runs `mig <command> <args> --json`, prints a readable log,
// writes a Markdown summary of what ran to $GITHUB_STEP_SUMMARY and `applied`, `failed` and
// `exit-code` to $GITHUB_OUTPUT, and exits with mig's exit code.
//
// Inputs come as the runner passes them to actions: INPUT_COMMAND, INPUT_DATABASE-URL,
// INPUT_WORKING-DIRECTORY, INPUT_ARGS, INPUT_VERSION. Which mig runs: `version: source` is the CLI
// built from the action's own checkout (action.yml builds it); otherwise the @mig/cli installed
// in the working directory's project, else `npx --yes @mig/cli@<version>` (default latest).
import { spawn } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The root of the action's checkout (this repository). */
const ACTION_ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

/** An input as the runner sets it (`INPUT_<NAME>`, upper case, hyphens kept), trimmed. */
export function input(env, name) {
  const key = `INPUT_${name.toUpperCase()}`
  return (env[key] ?? env[key.replace(/-/g, '_')] ?? '').trim()
}

/** Split `args` like a shell does for words and quotes ('a b' and "a b" stay one argument). */
export function splitArgs(text) {
  const args = []
  for (const m of text.matchAll(/"((?:\\.|[^"\\])*)"|'([^']*)'|(\S+)/g)) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]))
  return args
}

/** How to start mig in `cwd`: built from the action's checkout, the project's own @mig/cli, else npx. */
export function migCommand(cwd, version) {
  if (version === 'source') return { file: process.execPath, args: [join(ACTION_ROOT, 'apps/cli/bin/mig.cjs')], from: `mig built from ${ACTION_ROOT}` }
  try {
    const pkgFile = createRequire(join(cwd, 'package.json')).resolve('@mig/cli/package.json')
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
    if (!version || version === pkg.version)
      return { file: process.execPath, args: [join(dirname(pkgFile), pkg.bin.mig)], from: `@mig/cli ${pkg.version} (${cwd})` }
  } catch {
    // not installed in the project
  }
  const spec = `@mig/cli@${version || 'latest'}`
  return { file: process.platform === 'win32' ? 'npx.cmd' : 'npx', args: ['--yes', spec], from: spec }
}

const cell = (value) =>
  String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
const ms = (value) => (typeof value === 'number' ? (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value} ms`) : '')
const ICON = { applied: '✅', reverted: '↩️', planned: '📝', failed: '❌', skipped: '⏭️' }

/** What mig printed, read: events (NDJSON), or one document (`status --json`, `validate --json`). */
export function readOutput(stdout) {
  const events = []
  let document
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue
    let value
    try {
      value = JSON.parse(line)
    } catch {
      continue
    }
    if (value && typeof value.event === 'string') events.push(value)
    else document = value
  }
  return { events, document, result: events.findLast((e) => e.event === 'result'), error: events.findLast((e) => e.event === 'error')?.error }
}

/** The number of migrations a run applied (or reverted, for `down`). */
export function appliedCount({ events, result }) {
  const done = events.findLast((e) => e.event === 'done')
  if (done && typeof done.applied === 'number') return done.applied
  return result?.results?.filter((r) => r.status === 'applied' || r.status === 'reverted').length ?? 0
}

/** The job summary: a Markdown table of what ran, then what failed. */
export function summary({ command, args, code, output, stderr }) {
  const { result, document, error } = output
  const title = `mig ${[command, ...args].join(' ')}`
  const lines = [`## ${code === 0 ? '✅' : '❌'} \`${cell(title)}\``, '']
  const where = result ?? document
  if (where?.database) lines.push(`Database \`${cell(where.database)}\`${where.target ? ` (target \`${cell(where.target)}\`)` : ''}`, '')
  if (result?.results) {
    if (result.results.length === 0) lines.push('Nothing to do: the database is up to date.', '')
    else {
      lines.push('| | Migration | Direction | Status | Time |', '|---|---|---|---|---|')
      for (const r of result.results)
        lines.push(`| ${ICON[r.status] ?? ''} | \`${cell(r.migration?.id)}\` | ${cell(r.direction)} | ${cell(r.status)} | ${ms(r.durationMs)} |`)
      lines.push('')
    }
    const applied = appliedCount(output)
    lines.push(
      `${result.dryRun ? 'Dry run: nothing was changed.' : `${applied} migration${applied === 1 ? '' : 's'} ${command === 'down' ? 'reverted' : 'applied'}`}${typeof result.durationMs === 'number' ? ` in ${ms(result.durationMs)}` : ''}.`,
      '',
    )
  } else if (Array.isArray(document?.migrations)) {
    lines.push('| Version | Name | Status | Applied at |', '|---|---|---|---|')
    for (const m of document.migrations) lines.push(`| \`${cell(m.version)}\` | ${cell(m.name)} | ${cell(m.status)} | ${cell(m.appliedAt ?? '')} |`)
    lines.push('')
  } else if (Array.isArray(document?.problems) && document.problems.length) {
    lines.push('| Problem |', '|---|', ...document.problems.map((p) => `| ${cell(typeof p === 'string' ? p : (p.message ?? JSON.stringify(p)))} |`), '')
  }
  if (error) {
    lines.push(`**Error:** ${cell(error.message)}`, '')
    if (error.statement) lines.push(`Statement ${error.statementIndex ?? ''}:`, '', '```sql', error.statement, '```', '')
    if (error.hint) lines.push(`Hint: ${cell(error.hint)}`, '')
  } else if (code !== 0 && stderr.trim()) {
    lines.push('```', stderr.trim().split('\n').slice(0, 20).join('\n'), '```', '')
  }
  lines.push(`Exit code ${code}.`, '')
  return `${lines.join('\n')}\n`
}

/**
 * A line of the log for an event, or undefined for events not worth a line. A failed migration is
 * also an error annotation on its file and line (paths relative to the workspace, as GitHub wants).
 */
function logLine(e, workspace) {
  const id = e.migration?.id
  if (e.event === 'migration:applied' || e.event === 'migration:reverted')
    return `${e.direction === 'down' ? 'Reverted' : 'Applied'} ${id} (${ms(e.durationMs)})`
  if (e.event === 'migration:failed') {
    const file = e.error?.file ? `file=${relative(workspace, e.error.file)},line=${e.error.line ?? 1}` : ''
    return `::error${file ? ` ${file}` : ''}::${(e.error?.message ?? `${id} failed`).replace(/\r?\n/g, ' ')}`
  }
  if (e.event === 'lock:waiting') return 'Waiting for the migration lock...'
  // a migration's failure was annotated already
  if (e.event === 'error' && e.error?.name !== 'MigrationError') return `::error::${e.error?.message ?? ''}${e.error?.hint ? ` (hint: ${e.error.hint})` : ''}`
  return undefined
}

/** Run the step; returns mig's exit code. `env` is the step's environment. */
export async function run(env = process.env) {
  const command = input(env, 'command') || 'up'
  const args = splitArgs(input(env, 'args'))
  const cwd = resolve(input(env, 'working-directory') || '.')
  const databaseUrl = input(env, 'database-url')
  const childEnv = { ...env, CI: 'true' }
  if (databaseUrl) {
    // the runner hides this value from the rest of the job's log
    process.stdout.write(`::add-mask::${databaseUrl}\n`)
    childEnv.DATABASE_URL = databaseUrl
  }
  const mig = migCommand(cwd, input(env, 'version'))
  const argv = [...mig.args, command, ...args, ...(args.includes('--json') ? [] : ['--json'])]
  process.stdout.write(`Running mig ${[command, ...args].join(' ')} with ${mig.from} in ${cwd}\n`)
  // npx is a .cmd file on Windows, which Node starts only through a shell
  const shell = process.platform === 'win32' && mig.file.endsWith('.cmd')
  const child = spawn(mig.file, shell ? argv.map((a) => JSON.stringify(a)) : argv, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], shell })
  let stdout = ''
  let stderr = ''
  let pending = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    stdout += chunk
    pending += chunk
    const complete = pending.split('\n')
    pending = complete.pop() ?? ''
    for (const line of complete) {
      const text =
        line.trim() &&
        readOutput(line)
          .events.map((e) => logLine(e, env.GITHUB_WORKSPACE || cwd))
          .find(Boolean)
      if (text) process.stdout.write(`${text}\n`)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk
    process.stderr.write(chunk)
  })
  const code = await new Promise((done) => {
    child.on('error', (err) => {
      stderr += `${err.message}\n`
      done(2)
    })
    child.on('close', (status) => done(status ?? 1))
  })
  const output = readOutput(stdout)
  const failed = output.result?.results?.filter((r) => r.status === 'failed').length ?? 0
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summary({ command, args, code, output, stderr }))
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `applied=${appliedCount(output)}\nfailed=${failed}\nexit-code=${code}\n`)
  return code
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await run()
}
