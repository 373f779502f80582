/** A column of a result set. */
export interface ResultColumn {
  name: string
  /** `right` for numbers (as psql aligns them), `left` for everything else. */
  align: 'left' | 'right'
}

/** A message the server sent while a statement ran (PostgreSQL notices, MySQL warnings). */
export interface Notice {
  /** `NOTICE`, `WARNING`, `INFO`, `NOTE`... */
  severity: string
  message: string
}

/** A statement's error, as the server reported it. */
export interface StatementError {
  /** `ERROR` (or `FATAL`). */
  severity: string
  message: string
  /** PostgreSQL's DETAIL. */
  detail?: string
  /** PostgreSQL's HINT. */
  hint?: string
}

/**
 * Everything one statement produced, with values already written as text by the driver in a form
 * that does not depend on the machine (UTC dates, hex bytes), so that rendering is deterministic.
 */
export interface StatementResult {
  /** The statement as it was sent. */
  sql: string
  /** Present when the statement returned rows (possibly none). */
  columns?: ResultColumn[]
  /** One array of cells per row; `null` is SQL NULL. */
  rows?: (string | null)[][]
  /** What the server says the statement did (`INSERT 0 1`, `UPDATE 2`, `CREATE TABLE`), when it returned no rows. */
  tag?: string
  notices: Notice[]
  error?: StatementError
}
