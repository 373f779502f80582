import { type Operation, type StatementFacts, sameTable, tableLabel } from './operations.js'
import { appliesTo, ruleById } from './rules.js'
import type { Engine, TableName } from './types.js'

/** A rule's verdict on one statement, before `-- mig:lint-ignore` is applied. */
export interface RawFinding {
  rule: string
  message: string
  /** Index of the statement. */
  statement: number
  /** Where in the statement the problem is (0-based); default: its start. */
  offset?: number
}

/** What the rules know of the script so far, statement after statement. */
interface ScriptState {
  engine: Engine
  transaction: boolean
  /** Tables created earlier in the script: empty, so nothing done to them can block or rewrite much. */
  created: TableName[]
  /** A lock timeout was set earlier in the script. */
  timeout: boolean
  /** `require-lock-timeout` was reported already (once per script is enough). */
  timeoutReported: boolean
}

const quoted = (table: TableName, column?: string) => (column ? `${tableLabel(table)}.${column}` : tableLabel(table))

/** The session setting that bounds a lock wait on `engine`. */
const timeoutSetting = (engine: Engine) => (engine === 'mysql' ? 'lock_wait_timeout' : 'lock_timeout')

/** The finding (rule and message) an operation deserves, or undefined. Updates `state`. */
function judge(op: Operation, facts: StatementFacts, state: ScriptState): { rule: string; message: string } | undefined {
  const isNew = (table: TableName) => state.created.some((created) => sameTable(created, table))
  switch (op.kind) {
    case 'create-table':
      state.created.push(op.table)
      return undefined
    case 'set-timeout':
      // SET LOCAL outside a transaction block only warns: the setting never takes effect
      if (!op.local || state.transaction) state.timeout = true
      return undefined
    case 'build-index':
      if (op.concurrently || isNew(op.table)) return undefined
      return op.what === 'CREATE INDEX'
        ? {
            rule: 'require-concurrent-index',
            message: `CREATE INDEX on ${quoted(op.table)} without CONCURRENTLY blocks writes to the table until the index is built`,
          }
        : {
            rule: 'require-concurrent-index',
            message: `${op.what} on ${quoted(op.table)} builds its index while holding an ACCESS EXCLUSIVE lock: reads and writes wait until it is built`,
          }
    case 'drop-index':
      return op.concurrently
        ? undefined
        : { rule: 'require-concurrent-index', message: 'DROP INDEX without CONCURRENTLY locks the table of the index against reads and writes' }
    case 'concurrently':
      return state.transaction
        ? {
            rule: 'concurrently-in-transaction',
            message: `${op.what} cannot run inside a transaction block, and this migration runs in one: add -- mig:no-transaction to its header`,
          }
        : undefined
    case 'add-constraint':
      if (op.notValid || isNew(op.table)) return undefined
      return {
        rule: 'constraint-missing-not-valid',
        message: `adding the ${op.constraint}${op.name ? ` ${op.name}` : ''} on ${quoted(op.table)} without NOT VALID checks every row while holding a lock that blocks writes`,
      }
    case 'set-not-null':
      return isNew(op.table)
        ? undefined
        : { rule: 'ban-set-not-null', message: `SET NOT NULL on ${quoted(op.table, op.column)} scans the whole table while holding an ACCESS EXCLUSIVE lock` }
    case 'rewrite':
      return isNew(op.table)
        ? undefined
        : { rule: 'table-rewrite', message: `${op.what} on ${quoted(op.table)} rewrites the table under an ACCESS EXCLUSIVE lock: ${op.reason}` }
    case 'drop-table':
      return isNew(op.table) ? undefined : { rule: 'ban-drop-table', message: `DROP TABLE ${quoted(op.table)} deletes its data; code still reading it fails` }
    case 'drop-column':
      return isNew(op.table)
        ? undefined
        : { rule: 'ban-drop-column', message: `dropping ${quoted(op.table, op.column)} deletes its data; code still reading it fails` }
    case 'rename':
      if (isNew(op.table)) return undefined
      return {
        rule: 'ban-rename',
        message: `renaming ${op.column ? `column ${quoted(op.table, op.column)}` : `table ${quoted(op.table)}`}${op.to ? ` to ${op.to}` : ''} breaks code that still uses the old name`,
      }
    case 'lock-table':
      if (state.timeout || state.timeoutReported || facts.ownTimeout || isNew(op.table) || !appliesTo(ruleById('require-lock-timeout')!, state.engine))
        return undefined
      state.timeoutReported = true
      return {
        rule: 'require-lock-timeout',
        message: `${op.what} on ${quoted(op.table)} waits for its lock with no ${timeoutSetting(state.engine)} set, and every query on the table queues behind it: SET ${timeoutSetting(state.engine)} first`,
      }
    case 'copy-alter':
      return isNew(op.table)
        ? undefined
        : {
            rule: 'mysql-copy-alter',
            message: `ALTER TABLE ${quoted(op.table)}: ${op.reason}, blocking writes until done; add ALGORITHM=INPLACE (or INSTANT) so the server refuses instead`,
          }
  }
}

/** Every rule applied to a script's statements, in order; only the rules that apply to `engine`. */
export function checkStatements(facts: StatementFacts[], engine: Engine, transaction: boolean): RawFinding[] {
  const state: ScriptState = { engine, transaction, created: [], timeout: false, timeoutReported: false }
  const findings: RawFinding[] = []
  facts.forEach((statementFacts, statement) => {
    if (statementFacts.syntaxError)
      findings.push({
        rule: 'syntax-error',
        message: `PostgreSQL cannot parse this statement: ${statementFacts.syntaxError}`,
        statement,
        offset: statementFacts.syntaxErrorAt,
      })
    for (const op of statementFacts.operations) {
      const verdict = judge(op, statementFacts, state)
      if (verdict && appliesTo(ruleById(verdict.rule)!, engine)) findings.push({ ...verdict, statement })
    }
  })
  return findings
}
