// Hints for errors that carry none of their own. A hint says what to do next; one that might be
// wrong is worse than none, so only well-understood errors get one.

/** An error a driver passed up from its client library: pg (SQLSTATE in `code`, the server's `hint`) or mysql2 (`ER_*` in `code`). */
interface DriverError {
  code?: unknown
  hint?: unknown
}

/** The version of a migration id (`20240115100000_add_email` -> `20240115100000`), or a placeholder. */
function versionOf(migration: unknown): string {
  return (typeof migration === 'string' && /^(\d+)[_-]/.exec(migration)?.[1]) || '<version>'
}

/**
 * Hints keyed by the error code of the server: PostgreSQL SQLSTATEs (five characters) and MySQL's
 * `ER_*` names (mysql2's `code`), which cannot be mistaken for each other.
 */
const HINTS: Record<string, (migration: unknown) => string> = {
  // undefined_table
  '42P01': () =>
    'the table does not exist yet, or is not on search_path: check the migration order (mig status) and search_path (an unqualified name is looked up only in the schemas it lists)',
  // lock_not_available: lock_timeout (or NOWAIT) gave up
  '55P03': () =>
    "another session holds a lock on that table: SELECT pid, state, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks WHERE relation = 'the_table'::regclass AND granted) shows which; run mig up again once it is done",
  ER_NO_SUCH_TABLE: () => 'the table does not exist yet: check the migration order (mig status) and that the URL names the right database',
  ER_LOCK_WAIT_TIMEOUT: () =>
    'another session holds a lock on that table (or its rows): SHOW PROCESSLIST shows who waits and who holds it; run mig up again once it is gone',
  ...Object.fromEntries(
    ['ER_DUP_FIELDNAME', 'ER_TABLE_EXISTS_ERROR', 'ER_DUP_KEYNAME'].map((code) => [
      code,
      (migration: unknown) =>
        `MySQL commits each DDL statement at once, so an earlier run of this migration may have made this change already: if all of it is in the database, run mig resolve ${versionOf(migration)} --applied; otherwise undo what ran, then mig resolve ${versionOf(migration)} --rolled-back and mig up`,
    ]),
  ),
}

/**
 * The hint for an error that has none of its own: the first hint of an error it wraps (a
 * template's, the server's own `hint`), else one for a well-known server error code.
 */
export function inheritedHint(err: unknown): string | undefined {
  const migration = (err as { migration?: unknown } | undefined)?.migration
  const seen = new Set<unknown>()
  let codeHint: string | undefined
  for (let e = (err as { cause?: unknown } | undefined)?.cause; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e)
    const { code, hint } = e as DriverError
    if (typeof hint === 'string' && hint) return hint
    if (typeof code === 'string' && HINTS[code]) codeHint ??= HINTS[code](migration)
  }
  return codeHint
}
