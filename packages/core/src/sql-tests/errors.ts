import { brand, MigError } from '../errors.js'

/** A session connected to a database that blocks copying it (PostgreSQL's template must be idle). */
export interface CopyBlocker {
  pid: number
  user?: string
  application?: string
  client?: string
  state?: string
}

/** The target database cannot be copied for a test: connected sessions, no such file, no privilege. */
export class DatabaseCopyError extends MigError {
  override name = 'DatabaseCopyError'
  /** The database (or file) that could not be copied. */
  readonly database: string
  /** Sessions that hold it, when that is the reason. */
  readonly blockers: CopyBlocker[]
  constructor(database: string, message: string, options: { blockers?: CopyBlocker[]; hint?: string; cause?: unknown } = {}) {
    super(message, { hint: options.hint, cause: options.cause })
    this.database = database
    this.blockers = options.blockers ?? []
  }
}
brand(DatabaseCopyError, 'DatabaseCopyError')

/** A test script or folder is unusable: no test.sql, an unknown test, a session never closed. */
export class SqlTestError extends MigError {
  override name = 'SqlTestError'
  /** The file concerned, relative to the project, when there is one. */
  readonly file: string | undefined
  /** 1-based line, when known. */
  readonly line: number | undefined
  constructor(message: string, options: { file?: string; line?: number; hint?: string } = {}) {
    super(options.file ? `${options.file}${options.line ? `:${options.line}` : ''}: ${message}` : message, { hint: options.hint })
    this.file = options.file
    this.line = options.line
  }
}
brand(SqlTestError, 'SqlTestError')
