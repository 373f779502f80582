import { MigError } from '@mig/core'

/** One template in the including chain of a {@link TemplateRenderError}. */
export interface TemplateFrame {
  /** Project-relative path of the template (`components/views/users.sql.njk`). */
  template: string
  /** 1-based line, when known. */
  line?: number
  /** 1-based column, when known. */
  column?: number
}

/**
 * A template could not be rendered: syntax error, undefined variable, a helper that failed.
 * `template`/`line`/`column` point at the innermost template; `chain` lists the templates that
 * included it, outermost first, each with the line of its include.
 */
export class TemplateRenderError extends MigError {
  override name = 'TemplateRenderError'
  readonly template: string
  readonly line: number | undefined
  readonly column: number | undefined
  readonly chain: TemplateFrame[]
  /** The message without the location prefix. */
  readonly reason: string
  constructor(fields: { template: string; line?: number; column?: number; chain?: TemplateFrame[]; reason: string; cause?: unknown; hint?: string }) {
    const at = formatFrame(fields)
    const chain = (fields.chain ?? [])
      .slice()
      .reverse()
      .map((f) => `\n  included from ${formatFrame(f)}`)
      .join('')
    super(`${at}: ${fields.reason}${chain}`, { cause: fields.cause, hint: fields.hint })
    this.template = fields.template
    this.line = fields.line
    this.column = fields.column
    this.chain = fields.chain ?? []
    this.reason = fields.reason
  }
}

/** `file:line:column` for a frame. */
export function formatFrame(f: TemplateFrame): string {
  return `${f.template}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}`
}

/** An include or file helper named a path outside what templates may read. */
export class TemplatePathError extends MigError {
  override name = 'TemplatePathError'
  /** The path as written in the template. */
  readonly path: string
  constructor(path: string, message: string, options?: { hint?: string }) {
    super(message, options)
    this.path = path
  }
}

/** A pin problem: no lock, a component missing from the lock, an object missing from `pinned/` or corrupt. */
export class PinError extends MigError {
  override name = 'PinError'
  /** The migration concerned, when there is one. */
  readonly migration: string | undefined
  /** Component path (project-relative) concerned, when there is one. */
  readonly component: string | undefined
  /** Object hash concerned, when there is one. */
  readonly hash: string | undefined
  constructor(message: string, fields: { migration?: string; component?: string; hash?: string; hint?: string } = {}) {
    super(message, { hint: fields.hint })
    this.migration = fields.migration
    this.component = fields.component
    this.hash = fields.hash
  }
}
