import type { Change } from './changes.js'
import type { SchemaDiff } from './diff.js'

/** One generated statement and the changes it implements. */
export interface DdlStatement {
  /** The SQL, without a trailing semicolon. */
  sql: string
  /** The changes this statement (partly) implements: decides whether it is destructive and its hints. */
  changes: Change[]
  /** A body with its own semicolons (MySQL routines, triggers, events): scripts wrap it in `DELIMITER`. */
  compound?: boolean
}

/** Statements for a diff, and how they must run. */
export interface DdlPlan {
  statements: DdlStatement[]
  /**
   * False when the statements must run outside a transaction (SQLite table rebuilds of referenced
   * tables switch `foreign_keys` off; PostgreSQL `ALTER TYPE ... ADD VALUE` on old servers).
   * The generated migration then starts with `-- mig:no-transaction`. Default true.
   */
  transactional?: boolean
}

/**
 * Generates a dialect's DDL for schema changes. Implemented per driver (`sqlite-ddl.ts`,
 * `postgres-ddl.ts`, `mysql-ddl.ts`); a dump is the plan of the diff from an empty schema.
 */
export interface SchemaDdl {
  /** Statements implementing `diff.changes`, in order. */
  plan(diff: SchemaDiff): DdlPlan
  /** Quote one identifier part. */
  quoteIdent(name: string): string
  /**
   * The statement as written into a script for the engine's own client, with its terminator.
   * Default: the SQL and `;`. MySQL wraps compound statements in `DELIMITER ;;` ... `DELIMITER ;`.
   */
  scriptText?(statement: DdlStatement): string
}
