/** How bad a finding is: errors make `mig lint` exit 1; warnings alone do not. */
export type Severity = 'error' | 'warning'

/** The engine whose SQL is linted: `postgres` (parsed with PostgreSQL's parser), `mysql`, `sqlite`, or another driver's dialect name (token rules only). */
export type Engine = string

/** A table as a statement names it: unquoted names folded to lower case. */
export interface TableName {
  schema?: string
  name: string
}

/** One problem in a script. */
export interface Finding {
  /** The rule's id, e.g. `require-concurrent-index`. */
  rule: string
  severity: Severity
  /** What is wrong, naming the table or column. */
  message: string
  /** 1-based line and column where the statement starts (in the file, for a body that starts further down). */
  line: number
  column: number
  /** The statement's first line, shortened. */
  statement: string
  /** The safe way, in one line (the rule's `fix`). */
  hint: string
}

/** A finding a `-- mig:lint-ignore` accepted, with the reason given. */
export interface IgnoredFinding extends Finding {
  reason: string
}

/** What {@link lintScript} lints: one script's text and how it runs. */
export interface LintScriptInput {
  sql: string
  engine: Engine
  /** The script runs inside a transaction (false for `-- mig:no-transaction`). */
  transaction: boolean
  /** Line of the file the text starts on (single-file migrations with sections). Default 1. */
  firstLine?: number
  /** How the engine splits scripts (the driver's `splitOptions`). Default: PostgreSQL's rules. */
  splitOptions?: import('@mig/core').SplitOptions
}

/** What {@link lintScript} found: findings left after `-- mig:lint-ignore`, and those it accepted. */
export interface LintScriptResult {
  findings: Finding[]
  ignored: IgnoredFinding[]
}
