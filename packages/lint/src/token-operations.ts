import { type Operation, type StatementFacts, tableLabel } from './operations.js'
import { type Token, type TokenizeOptions, tokenize } from './tokens.js'
import type { TableName } from './types.js'

/** A cursor over a statement's tokens. */
class Cursor {
  constructor(
    readonly tokens: Token[],
    public at = 0,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset]
  }

  /** Consume the words given, in order, if they come next; report whether they did. */
  accept(...words: string[]): boolean {
    if (!words.every((word, k) => this.peek(k)?.type === 'word' && this.peek(k)?.upper === word)) return false
    this.at += words.length
    return true
  }

  /** Consume a name (`a`, `"a"`, `` `a` ``), folding unquoted names to lower case. */
  name(): string | undefined {
    const token = this.peek()
    if (!token || (token.type !== 'word' && token.type !== 'ident')) return undefined
    this.at++
    return token.type === 'word' ? token.text.toLowerCase() : token.text
  }

  /** Consume `name` or `schema.name`. */
  table(): TableName | undefined {
    const first = this.name()
    if (first === undefined) return undefined
    if (this.peek()?.text !== '.') return { name: first }
    this.at++
    const second = this.name()
    return second === undefined ? { name: first } : { schema: first, name: second }
  }
}

/** The top-level clauses of an ALTER TABLE (split at commas outside parentheses). */
function clauses(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]]
  let depth = 0
  for (const token of tokens) {
    if (token.type === 'punct' && token.text === '(') depth++
    if (token.type === 'punct' && token.text === ')') depth--
    if (depth === 0 && token.type === 'punct' && token.text === ',') out.push([])
    else out[out.length - 1]!.push(token)
  }
  return out.filter((clause) => clause.length > 0)
}

const hasWords = (tokens: Token[], ...words: string[]) =>
  tokens.some((_token, k) => words.every((word, j) => tokens[k + j]?.type === 'word' && tokens[k + j]?.upper === word))

/** Words after DROP that drop something other than a column. */
const DROP_NOT_COLUMN = new Set(['INDEX', 'KEY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'PRIMARY', 'DEFAULT'])
/** Words after RENAME that rename something other than the table or a column. */
const RENAME_NOT_TABLE = new Set(['INDEX', 'KEY', 'CONSTRAINT'])

/** What one ALTER TABLE clause does; `statement` is every clause's tokens. */
function alterClause(target: TableName, clause: Token[], statement: Token[], ops: Operation[]): void {
  const c = new Cursor(clause)
  if (c.accept('ADD')) {
    if (hasWords(clause, 'FOREIGN', 'KEY'))
      ops.push({ kind: 'copy-alter', table: target, reason: 'adding a foreign key copies the table while foreign_key_checks is on' })
  } else if (c.accept('DROP')) {
    const word = c.peek()
    if (word?.type === 'word' && word.upper === 'PRIMARY' && !hasWords(statement, 'ADD', 'PRIMARY', 'KEY'))
      ops.push({ kind: 'copy-alter', table: target, reason: 'dropping the primary key without adding another copies the table' })
    if (word?.type === 'word' && DROP_NOT_COLUMN.has(word.upper)) return
    c.accept('COLUMN')
    c.accept('IF', 'EXISTS')
    const column = c.name()
    if (column) ops.push({ kind: 'drop-column', table: target, column })
  } else if (c.accept('RENAME')) {
    const word = c.peek()
    if (word?.type === 'word' && RENAME_NOT_TABLE.has(word.upper)) return
    const namesColumn = c.accept('COLUMN') || (word?.upper !== 'TO' && word?.upper !== 'AS' && c.peek(1)?.upper === 'TO')
    if (namesColumn) {
      const column = c.name()
      c.accept('TO')
      ops.push({ kind: 'rename', table: target, column, to: c.name() })
      return
    }
    if (!c.accept('TO')) c.accept('AS')
    const to = c.table()
    ops.push({ kind: 'rename', table: target, to: to && tableLabel(to) })
  } else if (c.accept('MODIFY')) {
    c.accept('COLUMN')
    ops.push({ kind: 'copy-alter', table: target, reason: `MODIFY COLUMN ${c.name() ?? '?'} copies the table when it changes the column's type` })
  } else if (c.accept('CHANGE')) {
    c.accept('COLUMN')
    const from = c.name()
    const to = c.name()
    ops.push({ kind: 'copy-alter', table: target, reason: `CHANGE COLUMN ${from ?? '?'} copies the table when it changes the column's type` })
    if (from && to && from !== to) ops.push({ kind: 'rename', table: target, column: from, to })
  } else if (c.accept('CONVERT', 'TO')) {
    ops.push({ kind: 'copy-alter', table: target, reason: 'CONVERT TO CHARACTER SET copies the table' })
  } else if (c.accept('ORDER', 'BY')) {
    ops.push({ kind: 'copy-alter', table: target, reason: 'ORDER BY copies the table' })
  }
}

/** The statement's `ALGORITHM = X`, upper-cased. */
function algorithm(tokens: Token[]): string | undefined {
  const at = tokens.findIndex((token) => token.type === 'word' && token.upper === 'ALGORITHM')
  if (at < 0) return undefined
  const value = tokens[at + 1]?.text === '=' ? tokens[at + 2] : tokens[at + 1]
  return value?.text.toUpperCase()
}

function alterTable(c: Cursor): Operation[] {
  const target = c.table()
  if (!target) return []
  const rest = c.tokens.slice(c.at)
  const ops: Operation[] = [{ kind: 'lock-table', table: target, what: 'ALTER TABLE' }]
  for (const clause of clauses(rest)) alterClause(target, clause, rest, ops)
  const chosen = algorithm(rest)
  // ALGORITHM=INPLACE or INSTANT makes the server refuse rather than copy
  if (chosen === 'INPLACE' || chosen === 'INSTANT' || chosen === 'NOCOPY') return ops.filter((op) => op.kind !== 'copy-alter')
  if (chosen === 'COPY' && !ops.some((op) => op.kind === 'copy-alter'))
    ops.push({ kind: 'copy-alter', table: target, reason: 'ALGORITHM=COPY copies the table' })
  return ops
}

/** Settings that bound a statement's wait for a metadata lock: MySQL's and MariaDB's `lock_wait_timeout`, MariaDB's `max_statement_time`. */
const TIMEOUT_SETTINGS = new Set(['lock_wait_timeout', 'max_statement_time'])

/** `SET [SESSION] lock_wait_timeout = N` (also `@@session.lock_wait_timeout`), several assignments allowed. */
function setTimeouts(tokens: Token[]): Operation[] {
  const names = tokens.filter((token) => token.type === 'word' || token.type === 'ident').map((token) => token.text.toLowerCase())
  return names.filter((name) => TIMEOUT_SETTINGS.has(name)).map((setting) => ({ kind: 'set-timeout', setting }))
}

/**
 * What a statement does, by matching its tokens (engines other than PostgreSQL): CREATE TABLE,
 * CREATE INDEX, DROP TABLE, RENAME TABLE, ALTER TABLE clauses, lock timeout settings.
 */
export function tokenStatementFacts(sql: string, options: TokenizeOptions = {}): StatementFacts {
  const tokens = tokenize(sql, options)
  const c = new Cursor(tokens)
  // MariaDB: SET STATEMENT lock_wait_timeout=5 FOR ALTER TABLE ... bounds this statement only
  if (c.accept('SET', 'STATEMENT')) {
    const forAt = tokens.findIndex((token, k) => k > 1 && token.type === 'word' && token.upper === 'FOR')
    if (forAt > 0) {
      return { operations: statementOperations(new Cursor(tokens, forAt + 1)), ownTimeout: setTimeouts(tokens.slice(2, forAt)).length > 0 }
    }
  }
  return { operations: statementOperations(c) }
}

function statementOperations(c: Cursor): Operation[] {
  if (c.accept('SET')) return setTimeouts(c.tokens.slice(c.at))
  if (c.accept('CREATE')) {
    c.accept('OR', 'REPLACE')
    c.accept('TEMPORARY') || c.accept('TEMP')
    if (c.accept('TABLE')) {
      c.accept('IF', 'NOT', 'EXISTS')
      const target = c.table()
      return target ? [{ kind: 'create-table', table: target }] : []
    }
    c.accept('UNIQUE') || c.accept('FULLTEXT') || c.accept('SPATIAL')
    if (!c.accept('INDEX')) return []
    while (c.peek() && !(c.peek()?.type === 'word' && c.peek()?.upper === 'ON')) c.at++
    if (!c.accept('ON')) return []
    const target = c.table()
    return target
      ? [
          { kind: 'build-index', table: target, concurrently: false, what: 'CREATE INDEX' },
          { kind: 'lock-table', table: target, what: 'CREATE INDEX' },
        ]
      : []
  }
  if (c.accept('DROP')) {
    c.accept('TEMPORARY')
    if (!c.accept('TABLE')) return []
    c.accept('IF', 'EXISTS')
    const ops: Operation[] = []
    for (let target = c.table(); target; target = c.peek()?.text === ',' && ++c.at ? c.table() : undefined)
      ops.push({ kind: 'drop-table', table: target }, { kind: 'lock-table', table: target, what: 'DROP TABLE' })
    return ops
  }
  if (c.accept('RENAME', 'TABLE')) {
    const ops: Operation[] = []
    for (let target = c.table(); target; target = c.peek()?.text === ',' && ++c.at ? c.table() : undefined) {
      c.accept('TO')
      const to = c.table()
      ops.push({ kind: 'rename', table: target, to: to?.name }, { kind: 'lock-table', table: target, what: 'RENAME TABLE' })
    }
    return ops
  }
  if (c.accept('ALTER')) {
    c.accept('ONLINE')
    c.accept('IGNORE')
    if (c.accept('TABLE')) {
      c.accept('IF', 'EXISTS')
      return alterTable(c)
    }
  }
  if (c.accept('TRUNCATE')) {
    c.accept('TABLE')
    const target = c.table()
    return target ? [{ kind: 'lock-table', table: target, what: 'TRUNCATE' }] : []
  }
  return []
}
