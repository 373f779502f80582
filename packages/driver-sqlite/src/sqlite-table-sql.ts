/**
 * SQLite keeps no catalog for CHECK constraints, generated-column expressions, collations or
 * constraint names: its catalog *is* the `CREATE TABLE` text in `sqlite_master`. This reads those
 * few facts back out of that stored text with a tokenizer (quotes, comments, parentheses). It never
 * decides what a schema is from a user's file: the text comes from the engine after it accepted it.
 */

interface Token {
  text: string
  kind: 'word' | 'ident' | 'string' | 'punct' | 'other'
  start: number
  end: number
}

function tokenize(sql: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2)
      i = e < 0 ? sql.length : e + 2
      continue
    }
    const start = i
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c
      i++
      while (i < sql.length) {
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) {
            i += 2
            continue
          }
          i++
          break
        }
        i++
      }
      out.push({ text: sql.slice(start, i), kind: c === "'" ? 'string' : 'ident', start, end: i })
      continue
    }
    if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++
      out.push({ text: sql.slice(start, i), kind: 'word', start, end: i })
      continue
    }
    if (/[0-9.]/.test(c)) {
      while (i < sql.length && /[0-9.eE]/.test(sql[i]!)) i++
      out.push({ text: sql.slice(start, i), kind: 'other', start, end: i })
      continue
    }
    out.push({ text: c, kind: 'punct', start, end: i + 1 })
    i++
  }
  return out
}

/** Unquote an identifier token (`"a""b"` -> `a"b`, `[x]` -> `x`). */
export function unquoteIdent(text: string): string {
  const c = text[0]
  if (c === '"' || c === '`') return text.slice(1, -1).replaceAll(c + c, c)
  if (c === '[') return text.slice(1, -1)
  return text
}

/** What the stored CREATE TABLE text says beyond the pragmas. */
export interface TableSqlFacts {
  /** Per column name: generated expression, collation, inline CHECKs. */
  columns: Map<string, { generated?: { expression: string; stored: boolean }; collation?: string; checks: { name: string; expression: string }[] }>
  /** Table-level CHECK constraints. */
  checks: { name: string; expression: string }[]
  /** `WITHOUT ROWID`, `STRICT` (normalised, comma-separated as written). */
  options?: string
  /** Name of a named PRIMARY KEY constraint. */
  primaryKeyName?: string
  /** Named UNIQUE constraints: column list joined by `,` -> name. */
  uniqueNames: Map<string, string>
  /** Named FOREIGN KEY constraints: column list joined by `,` -> name. */
  foreignKeyNames: Map<string, string>
  /** Column with `AUTOINCREMENT`. */
  autoincrement: boolean
}

const TABLE_CONSTRAINT = new Set(['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'])

/** Read checks, generated expressions, collations and options from a stored CREATE TABLE. */
export function readTableSql(sql: string): TableSqlFacts {
  const tokens = tokenize(sql)
  const facts: TableSqlFacts = { columns: new Map(), checks: [], uniqueNames: new Map(), foreignKeyNames: new Map(), autoincrement: false }
  const open = tokens.findIndex((t) => t.text === '(')
  if (open < 0) return facts
  // split the body into top-level items
  const items: Token[][] = []
  let depth = 0
  let cur: Token[] = []
  let close = tokens.length
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.text === '(') depth++
    if (t.text === ')') {
      if (depth === 0) {
        close = i
        break
      }
      depth--
    }
    if (t.text === ',' && depth === 0) {
      items.push(cur)
      cur = []
    } else cur.push(t)
  }
  if (cur.length) items.push(cur)
  const rest = tokens.slice(close + 1).map((t) => t.text.toUpperCase())
  const opts: string[] = []
  if (rest.join(' ').includes('WITHOUT ROWID')) opts.push('WITHOUT ROWID')
  if (rest.includes('STRICT')) opts.push('STRICT')
  if (opts.length) facts.options = opts.join(', ')

  const paren = (item: Token[], at: number): { text: string; next: number } | undefined => {
    if (item[at]?.text !== '(') return undefined
    let d = 0
    for (let j = at; j < item.length; j++) {
      if (item[j]!.text === '(') d++
      if (item[j]!.text === ')') d--
      if (d === 0) return { text: sql.slice(item[at]!.end, item[j]!.start).trim(), next: j + 1 }
    }
    return undefined
  }
  const identList = (text: string) =>
    tokenize(text)
      .filter((t) => t.kind === 'word' || t.kind === 'ident')
      .map((t) => unquoteIdent(t.text))

  for (const item of items) {
    if (item.length === 0) continue
    const head = item[0]!.text.toUpperCase()
    if (item[0]!.kind === 'word' && TABLE_CONSTRAINT.has(head)) {
      let name = ''
      let k = 0
      if (head === 'CONSTRAINT') {
        name = unquoteIdent(item[1]?.text ?? '')
        k = 2
      }
      const kw = item[k]?.text.toUpperCase()
      if (kw === 'CHECK') {
        const p = paren(item, k + 1)
        if (p) facts.checks.push({ name, expression: p.text })
      } else if (kw === 'PRIMARY' && name) facts.primaryKeyName = name
      else if (kw === 'UNIQUE' && name) {
        const p = paren(item, k + 1)
        if (p) facts.uniqueNames.set(identList(p.text).join(','), name)
      } else if (kw === 'FOREIGN' && name) {
        const p = paren(item, k + 2)
        if (p) facts.foreignKeyNames.set(identList(p.text).join(','), name)
      }
      continue
    }
    const colName = unquoteIdent(item[0]!.text)
    const col: { generated?: { expression: string; stored: boolean }; collation?: string; checks: { name: string; expression: string }[] } = { checks: [] }
    let pendingName = ''
    for (let k = 1; k < item.length; k++) {
      const w = item[k]!.kind === 'word' ? item[k]!.text.toUpperCase() : ''
      if (w === 'CONSTRAINT') {
        pendingName = unquoteIdent(item[k + 1]?.text ?? '')
        k++
      } else if (w === 'CHECK') {
        const p = paren(item, k + 1)
        if (p) {
          col.checks.push({ name: pendingName, expression: p.text })
          k = p.next - 1
        }
        pendingName = ''
      } else if (w === 'AS') {
        const p = paren(item, k + 1)
        if (p) {
          const after = item[p.next]?.text.toUpperCase()
          col.generated = { expression: p.text, stored: after === 'STORED' }
          k = p.next - 1
        }
      } else if (w === 'COLLATE') {
        col.collation = unquoteIdent(item[k + 1]?.text ?? '')
        k++
      } else if (w === 'AUTOINCREMENT') facts.autoincrement = true
      else if (w === 'DEFAULT' || w === 'REFERENCES') {
        const p = paren(item, k + 1)
        if (p) k = p.next - 1
      } else if (w) pendingName = w === 'PRIMARY' || w === 'UNIQUE' || w === 'NOT' || w === 'NULL' ? pendingName : pendingName
    }
    facts.columns.set(colName, col)
  }
  return facts
}

/** Words that appear as identifiers in a statement (for view dependencies). */
export function identifiersOf(sql: string): Set<string> {
  return new Set(
    tokenize(sql)
      .filter((t) => t.kind === 'word' || t.kind === 'ident')
      .map((t) => unquoteIdent(t.text).toLowerCase()),
  )
}

/** The text after the first top-level `WHERE` of a CREATE INDEX, if any. */
export function indexWhere(sql: string): string | undefined {
  const tokens = tokenize(sql)
  let depth = 0
  for (const t of tokens) {
    if (t.text === '(') depth++
    else if (t.text === ')') depth--
    else if (depth === 0 && t.kind === 'word' && t.text.toUpperCase() === 'WHERE') return sql.slice(t.end).trim().replace(/;\s*$/, '')
  }
  return undefined
}

/** Expressions of an index's key parts, in order, as written (for expression indexes). */
export function indexParts(sql: string): string[] {
  const tokens = tokenize(sql)
  const on = tokens.findIndex((t) => t.kind === 'word' && t.text.toUpperCase() === 'ON')
  const open = tokens.findIndex((t, i) => i > on && t.text === '(')
  if (open < 0) return []
  const parts: string[] = []
  let depth = 0
  let from = tokens[open]!.end
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.text === '(') depth++
    else if (t.text === ')') {
      if (depth === 0) {
        parts.push(sql.slice(from, t.start).trim())
        break
      }
      depth--
    } else if (t.text === ',' && depth === 0) {
      parts.push(sql.slice(from, t.start).trim())
      from = t.end
    }
  }
  return parts
}
