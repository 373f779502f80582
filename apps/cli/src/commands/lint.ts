import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { discover, type Migration, parseDirectives, type SqlDialect } from '@mig/core'
import { type Finding, lintScript } from '@mig/lint'
import type { TemplateRenderer } from '@mig/templates'
import type { CommandContext } from '../context.js'
import { loadDriver } from '../driver-loader.js'
import { EXIT, ExitError } from '../exit.js'
import { type LintedFile, type LintReport, printLintGithub, printLintText } from '../lint-report.js'
import { toJson } from '../output.js'

/** Options of `mig lint`. */
export interface LintCommandOptions {
  /** `text` (default), `json` (one document) or `github` (workflow annotations). */
  format?: string
}

const FORMATS = ['text', 'json', 'github']

/** What to lint: the project's migrations (some or all), and SQL files named that are not migrations. */
interface Selection {
  migrations: Migration[]
  files: string[]
}

const inside = (file: string, dir: string) => file === dir || file.startsWith(dir.endsWith(sep) ? dir : dir + sep)

/**
 * The migrations `paths` name (files or folders, relative to the working directory); every
 * migration when there are none. A named `.sql` file that is not a migration is linted on its own.
 */
function select(ctx: CommandContext, all: Migration[], paths: string[]): Selection {
  if (!paths.length) return { migrations: all, files: [] }
  const chosen = new Set<Migration>()
  const files: string[] = []
  for (const path of paths) {
    const full = resolve(ctx.cwd, path)
    if (!existsSync(full)) throw new ExitError(`mig lint: ${path} does not exist`, EXIT.usage)
    const isDir = statSync(full).isDirectory()
    const matches = all.filter((m) => (isDir ? inside(m.path, full) : m.path === full || m.up?.file === full))
    for (const m of matches) chosen.add(m)
    if (matches.length) continue
    if (!isDir && /\.sql$/i.test(full)) files.push(full)
    else
      throw new ExitError(
        `mig lint: ${path} ${isDir ? 'holds none of the project’s migrations' : 'is not a migration of this project, nor a .sql file'}`,
        EXIT.usage,
        `migrations are found under ${ctx.config.migrations.join(', ')} (mig.toml)`,
      )
  }
  return { migrations: all.filter((m) => chosen.has(m)), files }
}

/**
 * `mig lint [paths] [--format text|json|github]`: the lint rules on the up script of every
 * migration of the project (or those under `paths`), templates rendered first. Reads files only:
 * the rules come from the target URL's scheme, and no connection is made. Exit 1 when an error is
 * found; warnings alone exit 0.
 */
export async function lintCommand(ctx: CommandContext, paths: string[], opts: LintCommandOptions = {}): Promise<number> {
  const format = opts.format ?? 'text'
  if (!FORMATS.includes(format)) throw new ExitError(`--format takes text, json or github, not "${format}"`, EXIT.usage)
  const driver = await loadDriver(ctx.target.url, ctx.config.root)
  const engine = driver.dialect.name
  const { migrations, files } = select(ctx, await discover(ctx.sources()), paths)
  const base = format === 'github' && process.env.GITHUB_WORKSPACE ? process.env.GITHUB_WORKSPACE : ctx.cwd
  const shown = (file: string) => (isAbsolute(file) ? relative(base, file) || file : file)
  const render = rendererOnDemand(ctx, driver.dialect)
  const lint = (sql: string, transaction: boolean, firstLine: number) => lintScript({ sql, engine, transaction, firstLine, splitOptions: driver.splitOptions })

  const report: LintReport = { ok: true, engine, errors: 0, warnings: 0, files: [], skipped: [] }
  for (const m of migrations) {
    if (!m.up || m.codeFile || m.code) {
      report.skipped.push({ file: shown(m.path), migration: m.id, reason: m.up ? 'code migration' : 'no up script' })
      continue
    }
    if (!m.up.template) {
      report.files.push({ file: shown(m.up.file), migration: m.id, ...(await lint(await m.up.read(), m.transaction, m.up.line)) })
      continue
    }
    const renderer = await render()
    let sql: string
    try {
      sql = await renderer.renderMigration(m, { direction: 'up' })
    } catch (err) {
      // a CI job may lack the variables or secrets a template needs: say so, lint the rest
      report.skipped.push({
        file: shown(m.up.file),
        migration: m.id,
        reason: `not rendered: ${renderer.maskSecrets((err as Error).message)}`,
        unrendered: true,
      })
      continue
    }
    const result = await lint(sql, m.transaction, m.up.line)
    // secret("NAME") values never reach the report, not even in a statement's first line
    const masked = <T extends Finding>(finding: T): T => ({
      ...finding,
      statement: renderer.maskSecrets(finding.statement),
      message: renderer.maskSecrets(finding.message),
    })
    report.files.push({ file: shown(m.up.file), migration: m.id, findings: result.findings.map(masked), ignored: result.ignored.map(masked) })
  }
  for (const file of files) {
    const sql = await readFile(file, 'utf8')
    let transaction = true
    try {
      transaction = parseDirectives(sql).transaction !== false
    } catch (err) {
      throw new ExitError(`${shown(file)}: ${(err as Error).message}`, EXIT.usage)
    }
    report.files.push({ file: shown(file), ...(await lint(sql, transaction, 1)) })
  }
  const all: Finding[] = report.files.flatMap((file: LintedFile) => file.findings)
  report.errors = all.filter((finding) => finding.severity === 'error').length
  report.warnings = all.length - report.errors
  report.ok = report.errors === 0

  ctx.out.result(report, (doc) => {
    if (format === 'json') ctx.out.write(`${toJson(doc)}\n`)
    else if (format === 'github') printLintGithub(ctx.out, doc)
    else printLintText(ctx.out, doc)
  })
  return report.ok ? EXIT.ok : EXIT.failed
}

/** The template renderer, created on first use (plain-SQL projects never load the template engine). */
function rendererOnDemand(ctx: CommandContext, dialect: SqlDialect) {
  let renderer: Promise<TemplateRenderer> | undefined
  return () => {
    renderer ??= import('../templates.js').then(({ templateRenderer }) => templateRenderer(ctx, { dialect }))
    return renderer
  }
}
