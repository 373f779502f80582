import type { Change, Column, DdlPlan, DdlStatement, ForeignKey, Index, SchemaDdl, SchemaDiff, Table } from '@mig/core'
import { sqliteDialect } from './sqlite-dialect.js'
import { identifiersOf } from './sqlite-table-sql.js'

const q = (name: string) => sqliteDialect.quoteIdent(name)

/** Prefix of the temporary table a rebuild copies into. */
export const REBUILD_PREFIX = '_mig_new_'

function columnSql(c: Column, table: Table, inlinePk: boolean): string {
  const parts = [q(c.name)]
  if (c.type) parts.push(c.type)
  if (inlinePk && table.primaryKey?.columns[0] === c.name) {
    parts.push('PRIMARY KEY')
    if (c.identity === 'auto') parts.push('AUTOINCREMENT')
  }
  if (!c.nullable) parts.push('NOT NULL')
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`)
  if (c.collation) parts.push(`COLLATE ${c.collation}`)
  if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.generated.expression}) ${c.generated.stored ? 'STORED' : 'VIRTUAL'}`)
  for (const ch of table.checks.filter((x) => x.options === `column ${c.name}`))
    parts.push(`${ch.name ? `CONSTRAINT ${q(ch.name)} ` : ''}CHECK (${ch.expression})`)
  return parts.join(' ')
}

function fkSql(fk: ForeignKey): string {
  const cols = fk.refColumns.length ? ` (${fk.refColumns.map(q).join(', ')})` : ''
  let s = `${fk.name ? `CONSTRAINT ${q(fk.name)} ` : ''}FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.refTable)}${cols}`
  if (fk.onDelete !== 'NO ACTION') s += ` ON DELETE ${fk.onDelete}`
  if (fk.onUpdate !== 'NO ACTION') s += ` ON UPDATE ${fk.onUpdate}`
  if (fk.options) s += ` ${fk.options}`
  return s
}

/** `CREATE TABLE` for a table (named `name`, default its own). Single-column keys stay inline. */
export function createTableSql(t: Table, name = t.name): string {
  const inlinePk = !!t.primaryKey && t.primaryKey.columns.length === 1 && !t.primaryKey.name
  const items = t.columns.map((c) => `  ${columnSql(c, t, inlinePk)}`)
  if (t.primaryKey && !inlinePk)
    items.push(`  ${t.primaryKey.name ? `CONSTRAINT ${q(t.primaryKey.name)} ` : ''}PRIMARY KEY (${t.primaryKey.columns.map(q).join(', ')})`)
  for (const u of t.uniques) items.push(`  ${u.name ? `CONSTRAINT ${q(u.name)} ` : ''}UNIQUE (${u.columns.map(q).join(', ')})`)
  for (const c of t.checks.filter((x) => !x.options?.startsWith('column '))) items.push(`  ${c.name ? `CONSTRAINT ${q(c.name)} ` : ''}CHECK (${c.expression})`)
  for (const fk of t.foreignKeys) items.push(`  ${fkSql(fk)}`)
  return `CREATE TABLE ${q(name)} (\n${items.join(',\n')}\n)${t.options ? ` ${t.options}` : ''}`
}

/** `CREATE INDEX` for an index of a table. */
export function createIndexSql(t: Table, ix: Index): string {
  const parts = ix.columns.map((p) => (p.expression ? p.name : `${q(p.name)}${p.suffix ? ` ${p.suffix}` : ''}`))
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${q(ix.name)} ON ${q(t.name)} (${parts.join(', ')})${ix.where ? ` WHERE ${ix.where}` : ''}`
}

/** Whether `ALTER TABLE ... ADD COLUMN` can add this column (SQLite's documented restrictions). */
function canAddColumn(t: Table, c: Column): boolean {
  if (t.primaryKey?.columns.includes(c.name)) return false
  if (t.uniques.some((u) => u.columns.includes(c.name))) return false
  if (c.generated?.stored) return false
  if (c.default !== undefined && (/^\(/.test(c.default) || /^CURRENT_(TIME|DATE|TIMESTAMP)$/i.test(c.default))) return false
  if (!c.nullable && (c.default === undefined || /^null$/i.test(c.default))) return false
  if (t.foreignKeys.some((fk) => fk.columns.includes(c.name))) return false
  if (t.checks.some((ch) => identifiersOf(ch.expression).has(c.name.toLowerCase()))) return false
  return true
}

/** Whether `ALTER TABLE ... DROP COLUMN` can drop this column from `t` (the table before the change). */
function canDropColumn(t: Table, c: Column, diff: SchemaDiff): boolean {
  const name = c.name.toLowerCase()
  if (t.primaryKey?.columns.includes(c.name)) return false
  if (t.uniques.some((u) => u.columns.includes(c.name))) return false
  if (
    t.indexes.some(
      (ix) => ix.columns.some((p) => (p.expression ? identifiersOf(p.name).has(name) : p.name === c.name)) || (ix.where && identifiersOf(ix.where).has(name)),
    )
  )
    return false
  if (t.foreignKeys.some((fk) => fk.columns.includes(c.name))) return false
  if (diff.from.tables.some((o) => o.foreignKeys.some((fk) => fk.refTable === t.name && fk.refColumns.includes(c.name)))) return false
  if (t.checks.some((ch) => identifiersOf(ch.expression).has(name))) return false
  if (t.columns.some((o) => o.generated && identifiersOf(o.generated.expression).has(name))) return false
  if (diff.from.views.some((v) => identifiersOf(v.definition).has(name)) || diff.from.triggers.some((tr) => identifiersOf(tr.definition).has(name)))
    return false
  return true
}

/** ADD COLUMN appends: only usable when every column after this one is new too (column order is kept). */
function appended(from: Table, to: Table, c: Column): boolean {
  const i = to.columns.findIndex((x) => x.name === c.name)
  return to.columns.slice(i).every((x) => !from.columns.some((o) => o.name === x.name))
}

function tableOf(c: Change): string | undefined {
  return 'table' in c ? c.table.name.toLowerCase() : undefined
}

/**
 * SQLite DDL. What `ALTER TABLE` cannot do (change a column, add or drop a constraint, most column
 * drops) is done by SQLite's documented table rebuild: create the new table under a temporary
 * name, copy the common columns, drop the old table, rename, recreate its indexes and triggers.
 * When a rebuilt table is referenced by a foreign key, the script turns `foreign_keys` off around
 * its own transaction (that pragma is a no-op inside one), so it is marked non-transactional.
 */
export const sqliteDdl: SchemaDdl = {
  quoteIdent: q,
  plan(diff: SchemaDiff): DdlPlan {
    // SQLite names are case-insensitive: match tables and columns by lower-cased name
    const lc = (s: string) => s.toLowerCase()
    const fromTables = new Map(diff.from.tables.map((t) => [lc(t.name), t]))
    const toTables = new Map(diff.to.tables.map((t) => [lc(t.name), t]))
    const rebuild = new Set<string>()
    for (const c of diff.changes) {
      const tn = tableOf(c)
      if (!tn || !fromTables.has(tn) || !toTables.has(tn)) continue
      if (c.kind === 'add_column' && canAddColumn(toTables.get(tn)!, c.column) && appended(fromTables.get(tn)!, toTables.get(tn)!, c.column)) continue
      if (c.kind === 'drop_column' && canDropColumn(fromTables.get(tn)!, c.column, diff)) continue
      if (c.kind === 'add_index' || c.kind === 'drop_index' || c.kind === 'set_table_comment') continue
      rebuild.add(tn)
    }
    const referenced = (name: string) => [...diff.from.tables, ...diff.to.tables].some((t) => t.foreignKeys.some((fk) => lc(fk.refTable) === name))
    const transactional = ![...rebuild].some(referenced)
    const statements: DdlStatement[] = []
    const emit = (sql: string, changes: Change[]) => statements.push({ sql, changes })
    const rebuilt = new Set<string>()
    const createdTriggers = new Set(diff.changes.filter((c) => c.kind === 'create_trigger').map((c) => (c.kind === 'create_trigger' ? c.trigger.name : '')))
    for (const c of diff.changes) {
      const tn = tableOf(c)
      if (tn && rebuild.has(tn) && c.kind !== 'drop_table' && c.kind !== 'create_table') {
        if (rebuilt.has(tn)) continue
        rebuilt.add(tn)
        const changes = diff.changes.filter((x) => tableOf(x) === tn)
        const from = fromTables.get(tn)!
        const to = toTables.get(tn)!
        const tmp = `${REBUILD_PREFIX}${to.name}`
        const pairs = to.columns.flatMap((col) => {
          const o = from.columns.find((x) => lc(x.name) === lc(col.name) && !x.generated)
          return o && !col.generated ? [[q(col.name), q(o.name)] as const] : []
        })
        emit(createTableSql(to, tmp), changes)
        if (pairs.length)
          emit(`INSERT INTO ${q(tmp)} (${pairs.map((p) => p[0]).join(', ')}) SELECT ${pairs.map((p) => p[1]).join(', ')} FROM ${q(from.name)}`, changes)
        emit(`DROP TABLE ${q(from.name)}`, changes)
        // legacy mode: the rename must not rewrite or re-check views and triggers that name the table
        emit('PRAGMA legacy_alter_table = ON', changes)
        emit(`ALTER TABLE ${q(tmp)} RENAME TO ${q(to.name)}`, changes)
        emit('PRAGMA legacy_alter_table = OFF', changes)
        for (const ix of to.indexes) emit(createIndexSql(to, ix), changes)
        for (const tr of diff.to.triggers.filter((x) => lc(x.table) === tn && !createdTriggers.has(x.name))) emit(tr.definition, changes)
        continue
      }
      switch (c.kind) {
        case 'create_table': {
          const t = toTables.get(lc(c.table.name)) ?? c.table
          emit(createTableSql(t), [c])
          for (const ix of t.indexes) emit(createIndexSql(t, ix), [c])
          break
        }
        case 'drop_table':
          emit(`DROP TABLE ${q(c.table.name)}`, [c])
          break
        case 'add_column':
          emit(`ALTER TABLE ${q(c.table.name)} ADD COLUMN ${columnSql(c.column, c.table, false)}`, [c])
          break
        case 'drop_column':
          emit(`ALTER TABLE ${q(c.table.name)} DROP COLUMN ${q(c.column.name)}`, [c])
          break
        case 'add_index':
          emit(createIndexSql(c.table, c.index), [c])
          break
        case 'drop_index':
          emit(`DROP INDEX ${q(c.index.name)}`, [c])
          break
        case 'add_constraint':
          // Only reached for a foreign key of a new table in a cycle: SQLite resolves references
          // lazily, so create_table already wrote it inline (it uses the full target table).
          break
        case 'create_view':
          emit(c.view.definition, [c])
          break
        case 'drop_view':
          emit(`DROP VIEW ${q(c.view.name)}`, [c])
          break
        case 'create_trigger':
          emit(c.trigger.definition, [c])
          break
        case 'drop_trigger':
          emit(`DROP TRIGGER ${q(c.trigger.name)}`, [c])
          break
        case 'create_object':
          for (const sql of c.object.statements) emit(sql, [c])
          break
        case 'drop_object':
          for (const sql of c.object.drop) emit(sql, [c])
          break
        default:
          throw new Error(`SQLite has no ${c.kind.replace(/_/g, ' ')}: ${c.summary}`)
      }
    }
    if (!transactional && statements.length) {
      statements.unshift({ sql: 'PRAGMA foreign_keys = OFF', changes: [] }, { sql: 'BEGIN', changes: [] })
      statements.push({ sql: 'COMMIT', changes: [] }, { sql: 'PRAGMA foreign_keys = ON', changes: [] })
    }
    return { statements, transactional }
  },
}
