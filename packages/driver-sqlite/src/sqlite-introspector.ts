import type { Column, FkAction, ForeignKey, Index, IndexPart, QueryExecutor, Schema, Table, Trigger, View } from '@mig/core'
import { canonicalize, emptySchema } from '@mig/core'
import { sqliteDialect } from './sqlite-dialect.js'
import { identifiersOf, indexParts, indexWhere, readTableSql } from './sqlite-table-sql.js'

type MasterRow = {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

type XInfoRow = {
  cid: number
  name: string
  type: string
  notnull: number
  dflt_value: string | null
  pk: number
  hidden: number
}

type IndexListRow = {
  seq: number
  name: string
  unique: number
  origin: string
  partial: number
}

type IndexXInfoRow = {
  seqno: number
  cid: number
  name: string | null
  desc: number
  coll: string
  key: number
}

type FkRow = {
  id: number
  seq: number
  table: string
  from: string
  to: string | null
  on_update: string
  on_delete: string
}

/**
 * Read a SQLite database's schema (the `main` schema) into the mig model from `sqlite_master` and the
 * table pragmas. `sqlite_*` internals are left out; virtual tables (fts5, rtree) are kept by their
 * stored `CREATE VIRTUAL TABLE` (their shadow tables are the module's business).
 */
export async function introspectSqlite(exec: QueryExecutor): Promise<Schema> {
  const schema = emptySchema('sqlite')
  schema.caseInsensitive = true
  schema.movableColumns = true
  const master = await exec.query<MasterRow>(
    `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL ORDER BY rowid`,
  )
  const virtual = new Set(master.filter((m) => m.type === 'table' && /^\s*CREATE\s+VIRTUAL\s/i.test(m.sql ?? '')).map((m) => m.name))
  // shadow tables of virtual tables (fts5 `x_data`, ...) are named `<vtab>_<suffix>`
  const isShadow = (name: string) => [...virtual].some((v) => name.startsWith(`${v}_`))
  const tables = master.filter((m) => m.type === 'table' && !virtual.has(m.name) && !isShadow(m.name))
  for (const m of tables) schema.tables.push(await readTable(exec, m))
  const vtabs = master.filter((m) => virtual.has(m.name))
  if (vtabs.length)
    schema.objects = vtabs.map((m) => ({
      kind: 'virtual table',
      name: m.name,
      statements: [normalizeStatement(m.sql!)],
      drop: [`DROP TABLE ${sqliteDialect.quoteIdent(m.name)}`],
      phase: 'table',
    }))
  const names = [...tables.map((t) => t.name), ...master.filter((m) => m.type === 'view').map((m) => m.name)]
  for (const m of master.filter((x) => x.type === 'view')) {
    const ids = identifiersOf(m.sql!)
    const view: View = { name: m.name, definition: normalizeStatement(m.sql!) }
    const deps = names.filter((n) => n !== m.name && ids.has(n.toLowerCase()))
    if (deps.length) view.dependsOn = deps
    schema.views.push(view)
  }
  for (const m of master.filter((x) => x.type === 'trigger')) {
    const trigger: Trigger = { name: m.name, table: m.tbl_name, definition: normalizeStatement(m.sql!) }
    schema.triggers.push(trigger)
  }
  return canonicalize(schema)
}

/** Trim a stored statement and drop a trailing semicolon. */
function normalizeStatement(sql: string): string {
  return sql.trim().replace(/;\s*$/, '')
}

function action(a: string): FkAction {
  const up = a.toUpperCase()
  return (['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'].includes(up) ? up : 'NO ACTION') as FkAction
}

async function readTable(exec: QueryExecutor, m: MasterRow): Promise<Table> {
  const facts = readTableSql(m.sql ?? '')
  const xinfo = await exec.query<XInfoRow>('SELECT * FROM pragma_table_xinfo(?)', [m.name])
  const columns: Column[] = []
  const pk: { name: string; pk: number }[] = []
  for (const r of xinfo) {
    if (r.hidden === 1) continue
    const f = facts.columns.get(r.name)
    const col: Column = { name: r.name, type: r.type.toLowerCase(), nullable: r.notnull === 0 }
    if (r.dflt_value !== null) col.default = r.dflt_value
    if (r.hidden === 2 || r.hidden === 3) col.generated = { expression: f?.generated?.expression ?? '', stored: r.hidden === 3 }
    if (f?.collation) col.collation = f.collation
    if (r.pk > 0) pk.push({ name: r.name, pk: r.pk })
    columns.push(col)
  }
  pk.sort((a, b) => a.pk - b.pk)
  if (facts.autoincrement && pk.length === 1) {
    const c = columns.find((x) => x.name === pk[0]!.name)
    if (c) c.identity = 'auto'
  }
  const table: Table = { name: m.name, columns, uniques: [], checks: [], foreignKeys: [], indexes: [] }
  if (pk.length) table.primaryKey = facts.primaryKeyName ? { name: facts.primaryKeyName, columns: pk.map((p) => p.name) } : { columns: pk.map((p) => p.name) }
  for (const c of facts.checks) table.checks.push(c)
  for (const [col, f] of facts.columns) for (const c of f.checks) table.checks.push({ name: c.name, expression: c.expression, options: `column ${col}` })
  if (facts.options) table.options = facts.options

  const fks = await exec.query<FkRow>('SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq', [m.name])
  const byId = new Map<number, FkRow[]>()
  for (const r of fks) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
  for (const rows of byId.values()) {
    const cols = rows.map((r) => r.from)
    const fk: ForeignKey = {
      name: facts.foreignKeyNames.get(cols.join(',')) ?? '',
      columns: cols,
      refTable: rows[0]!.table,
      refColumns: rows.every((r) => r.to !== null) ? rows.map((r) => r.to!) : [],
      onDelete: action(rows[0]!.on_delete),
      onUpdate: action(rows[0]!.on_update),
    }
    table.foreignKeys.push(fk)
  }
  // pragma_foreign_key_list lists constraints in reverse declaration order; keep declaration order
  table.foreignKeys.reverse()

  const indexes = await exec.query<IndexListRow>('SELECT * FROM pragma_index_list(?)', [m.name])
  const idxSql = new Map(
    (await exec.query<{ name: string; sql: string | null }>(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [m.name])).map((r) => [
      r.name,
      r.sql,
    ]),
  )
  for (const ix of indexes) {
    if (ix.origin === 'pk') continue
    const info = (await exec.query<IndexXInfoRow>('SELECT * FROM pragma_index_xinfo(?)', [ix.name]))
      .filter((r) => r.key === 1)
      .sort((a, b) => a.seqno - b.seqno)
    if (ix.origin === 'u') {
      const cols = info.map((r) => r.name ?? '')
      table.uniques.push({ name: facts.uniqueNames.get(cols.join(',')) ?? '', columns: cols })
      continue
    }
    const sql = idxSql.get(ix.name) ?? ''
    const written = indexParts(sql)
    const parts: IndexPart[] = info.map((r, i) => {
      const part: IndexPart = r.cid === -2 ? { name: written[i] ?? '', expression: true } : { name: r.name ?? '' }
      const suffix = [r.coll && r.coll.toUpperCase() !== 'BINARY' ? `COLLATE ${r.coll}` : '', r.desc ? 'DESC' : ''].filter(Boolean).join(' ')
      if (suffix) part.suffix = suffix
      // an expression part keeps its written text, which already carries COLLATE/DESC
      if (part.expression) delete part.suffix
      return part
    })
    const index: Index = { name: ix.name, unique: ix.unique === 1, columns: parts }
    if (ix.partial) index.where = indexWhere(sql)
    table.indexes.push(index)
  }
  table.uniques.sort((a, b) => (a.columns.join(',') < b.columns.join(',') ? -1 : 1))
  return table
}
