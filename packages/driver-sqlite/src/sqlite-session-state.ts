import type Database from 'better-sqlite3'

/** Pragmas a migration can change that matter to the next one, read when the connection opens. */
const SESSION_PRAGMAS = [
  'foreign_keys',
  'recursive_triggers',
  'legacy_alter_table',
  'ignore_check_constraints',
  'trusted_schema',
  'reverse_unordered_selects',
] as const

/**
 * The session as the target configures it: the pragmas above as they were once the connection was
 * set up, and `case_sensitive_like` off (it can be set, not read). {@link restore} sets them back
 * before each of mig's transactions, so a pragma one migration sets never reaches the next one.
 * Outside a transaction only: `foreign_keys` cannot change inside one.
 */
export class SqliteSession {
  private readonly reset: string

  constructor(db: Database.Database) {
    const values = SESSION_PRAGMAS.map((name) => `PRAGMA ${name} = ${Number(db.pragma(name, { simple: true }))}`)
    this.reset = [...values, 'PRAGMA case_sensitive_like = 0'].join(';\n')
  }

  /** Set the pragmas back (a few microseconds: in-process). */
  restore(db: Database.Database): void {
    if (!db.inTransaction) db.exec(this.reset)
  }
}
