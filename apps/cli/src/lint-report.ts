import type { Finding, IgnoredFinding } from '@mig/lint'
import type { Output } from './output.js'
import { plural } from './ui/format.js'

/** What `mig lint` found in one file. */
export interface LintedFile {
  /** The file, relative to the working directory. */
  file: string
  /** The migration's id, or undefined for a SQL file that is not one of the project's migrations. */
  migration?: string
  findings: Finding[]
  ignored: IgnoredFinding[]
}

/** The document of `mig lint --format json` (and `--json`). */
export interface LintReport {
  ok: boolean
  /** The engine whose rules ran (`postgres`, `mysql`, `sqlite`...), from the target URL. */
  engine: string
  errors: number
  warnings: number
  /** Files linted, with what each had (files without findings too). */
  files: LintedFile[]
  /** Migrations not linted: code migrations, no up script, and templates that failed to render (`unrendered`). */
  skipped: { file: string; migration: string; reason: string; unrendered?: boolean }[]
}

/** `3 errors, 1 warning in 5 files (2 accepted by lint-ignore)`. */
export function lintSummary(report: LintReport): string {
  const accepted = report.files.reduce((sum, file) => sum + file.ignored.length, 0)
  const found = report.errors + report.warnings === 0 ? 'No problems' : `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}`
  const unrendered = report.skipped.filter((skip) => skip.unrendered).length
  return `${found} in ${plural(report.files.length, 'file')}${accepted ? ` (${accepted} accepted by lint-ignore)` : ''}${unrendered ? `; ${unrendered} not rendered, not linted` : ''}`
}

/** Text for a person: `file:line:col  severity  rule  message`, the fix under it, then a summary. */
export function printLintText(out: Output, report: LintReport): void {
  for (const file of report.files) {
    for (const finding of file.findings) {
      out.line(`${file.file}:${finding.line}:${finding.column}  ${finding.severity}  ${finding.rule}  ${finding.message}`)
      out.line(`  ${finding.statement}`)
      out.line(`  fix: ${finding.hint}`)
    }
  }
  for (const skip of report.skipped) if (skip.unrendered) out.line(`${skip.file}  not linted  ${skip.reason}`)
  out.line(lintSummary(report))
}

/** A value inside a GitHub workflow command (`%`, CR and LF escaped; in properties `:` and `,` too). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/**
 * GitHub Actions annotations: `::error file=…,line=…,col=…,title=<rule>::message` per finding
 * (`::warning` for warnings), shown on the lines of the pull request's diff; then the summary.
 * `file` must be relative to the repository root: the caller passes paths relative to
 * `GITHUB_WORKSPACE` when it is set.
 */
export function printLintGithub(out: Output, report: LintReport): void {
  for (const file of report.files) {
    for (const finding of file.findings) {
      const properties = `file=${escapeProperty(file.file)},line=${finding.line},col=${finding.column},title=${escapeProperty(finding.rule)}`
      out.line(`::${finding.severity} ${properties}::${escapeData(`${finding.message}\nfix: ${finding.hint}`)}`)
    }
  }
  for (const skip of report.skipped)
    if (skip.unrendered) out.line(`::warning file=${escapeProperty(skip.file)},title=${escapeProperty('not linted')}::${escapeData(skip.reason)}`)
  out.line(lintSummary(report))
}
