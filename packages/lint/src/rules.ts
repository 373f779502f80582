import type { Engine, Severity } from './types.js'

/** A named rule: what it checks, how bad it is, and which engines it applies to. */
export interface LintRule {
  id: string
  severity: Severity
  /** One line: what the rule reports. */
  summary: string
  /** The safe way, in one line. */
  fix: string
  /** Engines the rule applies to; `*`: every engine. */
  engines: readonly Engine[] | '*'
}

/**
 * Every rule of `mig lint`, in the order the documentation lists them. Each has a page
 * `docs/lint/<id>.md`: what it reports, why it matters, and the safe way.
 */
export const RULES: readonly LintRule[] = [
  {
    id: 'require-concurrent-index',
    severity: 'error',
    engines: ['postgres'],
    summary: 'an index built or dropped without CONCURRENTLY on an existing table blocks writes while it runs',
    fix: 'CREATE INDEX CONCURRENTLY (DROP INDEX CONCURRENTLY) in a migration with -- mig:no-transaction; for a key, build a unique index concurrently, then ADD CONSTRAINT ... USING INDEX',
  },
  {
    id: 'concurrently-in-transaction',
    severity: 'error',
    engines: ['postgres'],
    summary: 'CONCURRENTLY cannot run inside a transaction: the migration needs -- mig:no-transaction',
    fix: "add -- mig:no-transaction to the migration's header, and keep the statement in a migration of its own",
  },
  {
    id: 'constraint-missing-not-valid',
    severity: 'error',
    engines: ['postgres'],
    summary: 'a foreign key or check constraint added without NOT VALID scans the table under a lock',
    fix: 'ADD CONSTRAINT ... NOT VALID here, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration',
  },
  {
    id: 'ban-set-not-null',
    severity: 'error',
    engines: ['postgres'],
    summary: 'SET NOT NULL on an existing column scans the whole table under an ACCESS EXCLUSIVE lock',
    fix: 'ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check',
  },
  {
    id: 'table-rewrite',
    severity: 'error',
    engines: ['postgres'],
    summary: 'a column type change or a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock',
    fix: 'add a new column, backfill it in batches, then switch to it; for a default, add the column without it and backfill',
  },
  {
    id: 'mysql-copy-alter',
    severity: 'error',
    engines: ['mysql'],
    summary: 'an ALTER TABLE that copies the table (type change, charset conversion, foreign key) without ALGORITHM=INPLACE or INSTANT',
    fix: 'add ALGORITHM=INPLACE or ALGORITHM=INSTANT (the server then refuses a copy), or use an online schema change tool (gh-ost, pt-online-schema-change)',
  },
  {
    id: 'ban-drop-table',
    severity: 'error',
    engines: '*',
    summary: 'dropping a table loses its data and breaks code that still reads it',
    fix: 'stop using the table in code and deploy first; then drop it, with -- mig:lint-ignore ban-drop-table <why it is safe>',
  },
  {
    id: 'ban-drop-column',
    severity: 'error',
    engines: '*',
    summary: 'dropping a column loses its data and breaks code that still reads it',
    fix: 'stop reading and writing the column in code and deploy first; then drop it, with -- mig:lint-ignore ban-drop-column <why it is safe>',
  },
  {
    id: 'ban-rename',
    severity: 'error',
    engines: '*',
    summary: 'renaming a table or column breaks code that still uses the old name',
    fix: 'add the new name beside the old (a new column or a view), move code over, then drop the old one',
  },
  {
    id: 'require-lock-timeout',
    severity: 'warning',
    engines: ['postgres', 'mysql'],
    summary: 'locking DDL without a lock timeout set first can queue every query on the table behind it',
    fix: "start the migration with SET lock_timeout = '5s' (MySQL: SET SESSION lock_wait_timeout = 5), and retry when it times out",
  },
  {
    id: 'syntax-error',
    severity: 'error',
    engines: ['postgres'],
    summary: "a statement PostgreSQL's parser rejects",
    fix: 'fix the statement; mig build shows the SQL of a templated migration',
  },
  {
    id: 'unused-lint-ignore',
    severity: 'warning',
    engines: '*',
    summary: 'a -- mig:lint-ignore that accepts no finding (the statement changed, or the rule does not apply)',
    fix: 'remove the comment, or move it above the statement it is meant for',
  },
  {
    id: 'invalid-lint-ignore',
    severity: 'error',
    engines: '*',
    summary: 'a -- mig:lint-ignore without a known rule or without a reason',
    fix: 'write -- mig:lint-ignore <rule> <why the statement is safe>',
  },
]

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]))

/** The rule named `id`, or undefined. */
export function ruleById(id: string): LintRule | undefined {
  return BY_ID.get(id)
}

/** Whether `rule` applies to scripts of `engine`. */
export function appliesTo(rule: LintRule, engine: Engine): boolean {
  return rule.engines === '*' || rule.engines.includes(engine)
}
