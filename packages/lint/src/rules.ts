import type { Engine, Severity } from './types.js'

/** A named rule: what it checks, how bad it is, and which engines it applies to. */
export interface LintRule {
  id: string
  severity: Severity
  /** One line: what the rule reports. */
  summary: string
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
  },
  {
    id: 'concurrently-in-transaction',
    severity: 'error',
    engines: ['postgres'],
    summary: 'CONCURRENTLY cannot run inside a transaction: the migration needs -- mig:no-transaction',
  },
  {
    id: 'constraint-missing-not-valid',
    severity: 'error',
    engines: ['postgres'],
    summary: 'a foreign key or check constraint added without NOT VALID scans the table under a lock',
  },
  {
    id: 'ban-set-not-null',
    severity: 'error',
    engines: ['postgres'],
    summary: 'SET NOT NULL on an existing column scans the whole table under an ACCESS EXCLUSIVE lock',
  },
  {
    id: 'table-rewrite',
    severity: 'error',
    engines: ['postgres'],
    summary: 'a column type change or a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock',
  },
  {
    id: 'mysql-copy-alter',
    severity: 'error',
    engines: ['mysql'],
    summary: 'an ALTER TABLE that copies the table (type change, charset conversion, foreign key) without ALGORITHM=INPLACE or INSTANT',
  },
  { id: 'ban-drop-table', severity: 'error', engines: '*', summary: 'dropping a table loses its data and breaks code that still reads it' },
  { id: 'ban-drop-column', severity: 'error', engines: '*', summary: 'dropping a column loses its data and breaks code that still reads it' },
  { id: 'ban-rename', severity: 'error', engines: '*', summary: 'renaming a table or column breaks code that still uses the old name' },
  {
    id: 'require-lock-timeout',
    severity: 'warning',
    engines: ['postgres', 'mysql'],
    summary: 'locking DDL without a lock timeout set first can queue every query on the table behind it',
  },
  { id: 'syntax-error', severity: 'error', engines: ['postgres'], summary: "a statement PostgreSQL's parser rejects" },
  { id: 'invalid-lint-ignore', severity: 'error', engines: '*', summary: 'a -- mig:lint-ignore without a known rule or without a reason' },
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
