import type { TableName } from './types.js'

/**
 * What a statement does, as far as the rules care: the parsers (PostgreSQL's, or token matching for
 * other engines) turn each statement into these, and the rules judge them. A statement may do
 * several things (`ALTER TABLE t ADD ..., ALTER ...`).
 */
export type Operation =
  | { kind: 'create-table'; table: TableName }
  /** An index built while writes to `table` wait: CREATE INDEX, or ADD PRIMARY KEY / UNIQUE without USING INDEX. */
  | { kind: 'build-index'; table: TableName; concurrently: boolean; what: string }
  | { kind: 'drop-index'; concurrently: boolean }
  /** A CONCURRENTLY form PostgreSQL refuses inside a transaction block. */
  | { kind: 'concurrently'; what: string }
  | { kind: 'add-constraint'; table: TableName; constraint: 'foreign key' | 'check'; notValid: boolean; name?: string }
  | { kind: 'set-not-null'; table: TableName; column: string }
  /** `what` (`ALTER COLUMN a TYPE`, `ADD COLUMN b`) rewrites the table; `reason` says why. */
  | { kind: 'rewrite'; table: TableName; what: string; reason: string }
  | { kind: 'drop-table'; table: TableName }
  | { kind: 'drop-column'; table: TableName; column: string }
  | { kind: 'rename'; table: TableName; column?: string; to?: string }
  /** A setting that bounds how long a statement waits for a lock; `local`: for the transaction only (PostgreSQL `SET LOCAL`). */
  | { kind: 'set-timeout'; setting: string; local?: boolean }
  /** The statement takes a lock on `table` that blocks its readers or writers. */
  | { kind: 'lock-table'; table: TableName; what: string }
  /** MySQL: the ALTER copies the table (`reason` says why). */
  | { kind: 'copy-alter'; table: TableName; reason: string }

/** How a statement was understood: its operations, or why it could not be parsed. */
export interface StatementFacts {
  operations: Operation[]
  /** The parser's message when the statement does not parse. */
  syntaxError?: string
  /** Where in the statement the parser stopped (0-based, in characters). */
  syntaxErrorAt?: number
  /** The statement bounds its own lock wait (MariaDB `SET STATEMENT lock_wait_timeout=... FOR`). */
  ownTimeout?: boolean
}

/** `schema.name`, or `name`. */
export function tableLabel(table: TableName): string {
  return table.schema ? `${table.schema}.${table.name}` : table.name
}

/** Whether two names may be the same table (an unqualified name matches any schema). */
export function sameTable(a: TableName, b: TableName): boolean {
  return a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema)
}
