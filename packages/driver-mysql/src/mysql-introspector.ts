import type {
  CheckConstraint,
  Column,
  FkAction,
  ForeignKey,
  Index,
  IndexPart,
  QueryExecutor,
  Routine,
  Schema,
  SchemaObject,
  Table,
  Trigger,
  UnsupportedObject,
  View,
} from '@mig/core'
import { canonicalize, emptySchema, stringLiteral } from '@mig/core'
import { mysqlDialect } from './mysql-dialect.js'

type R = Record<string, unknown>
const str = (v: unknown) => (v === null || v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : String(v))
/** information_schema column names come upper-case from MySQL 8 and as written from MariaDB. */
function get(r: R, key: string): unknown {
  return r[key] ?? r[key.toUpperCase()] ?? r[key.toLowerCase()]
}

/**
 * Read the current database (`DATABASE()`) of a MySQL or MariaDB server into the mig model from
 * `information_schema` and `SHOW CREATE` (routines). Enum types are column types (`enum('a','b')`);
 * UNIQUE constraints are unique indexes. Database names inside view definitions are removed, so a
 * shadow database compares equal to the live one.
 */
export async function introspectMysql(exec: QueryExecutor): Promise<Schema> {
  const schema = emptySchema('mysql')
  const [info] = (await exec.query<R>('SELECT DATABASE() AS db, VERSION() AS version')) as [R]
  const db = String(get(info, 'db'))
  const mariadb = /mariadb/i.test(String(get(info, 'version')))

  const unsupported: UnsupportedObject[] = []
  const tables = new Map<string, Table>()
  const tableCollation = new Map<string, string>()
  for (const r of await exec.query<R>(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, TABLE_COMMENT AS comment, TABLE_COLLATION AS coll, CREATE_OPTIONS AS opts
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [db],
  )) {
    const type = String(get(r, 'type'))
    // MariaDB sequences and system-versioned tables are not modelled: named, not dumped
    if (type === 'SEQUENCE' || type === 'SYSTEM VERSIONED')
      unsupported.push({ kind: type === 'SEQUENCE' ? 'sequence' : 'system-versioned table', name: String(get(r, 'name')) })
    if (type !== 'BASE TABLE') continue
    if (/partitioned/i.test(String(get(r, 'opts') ?? ''))) unsupported.push({ kind: 'table partitioning', name: String(get(r, 'name')) })
    const name = String(get(r, 'name'))
    const t: Table = { name, columns: [], uniques: [], checks: [], foreignKeys: [], indexes: [] }
    const comment = str(get(r, 'comment'))
    if (comment) t.comment = comment
    const engine = str(get(r, 'engine'))
    if (engine && engine !== 'InnoDB') t.options = `ENGINE=${engine}`
    tableCollation.set(name, String(get(r, 'coll') ?? ''))
    tables.set(name, t)
  }

  for (const r of await exec.query<R>(
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS def, EXTRA AS extra,
            GENERATION_EXPRESSION AS gen, COLUMN_COMMENT AS comment, COLLATION_NAME AS coll, DATA_TYPE AS dtype
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [db],
  )) {
    const t = tables.get(String(get(r, 'tbl')))
    if (!t) continue
    const extra = String(get(r, 'extra') ?? '')
    const c: Column = { name: String(get(r, 'name')), type: String(get(r, 'type')), nullable: get(r, 'nullable') === 'YES' }
    let def = str(get(r, 'def'))
    if (mariadb) {
      // MariaDB quotes literal defaults and reports a missing default as NULL
      if (def === 'NULL') def = undefined
    } else if (def !== undefined && !/DEFAULT_GENERATED/i.test(extra)) {
      def = /^-?\d+(\.\d+)?$/.test(def) && !/char|text|enum|set/i.test(String(get(r, 'dtype'))) ? def : stringLiteral(mysqlDialect, def)
    } else if (def !== undefined) def = `(${def})`
    const onUpdate = /on update ([\w()]+)/i.exec(extra)
    if (onUpdate) def = `${def ?? 'NULL'} ON UPDATE ${onUpdate[1]}`
    const gen = str(get(r, 'gen'))
    if (/GENERATED/i.test(extra) && gen) {
      c.generated = { expression: gen, stored: /STORED|PERSISTENT/i.test(extra) }
      def = undefined
    }
    if (def !== undefined) c.default = def
    if (/auto_increment/i.test(extra)) c.identity = 'auto'
    const coll = str(get(r, 'coll'))
    if (coll && coll !== tableCollation.get(t.name)) c.collation = coll
    const comment = str(get(r, 'comment'))
    if (comment) c.comment = comment
    t.columns.push(c)
  }

  // indexes (PRIMARY is the primary key; UNIQUE constraints are unique indexes)
  const idx = new Map<string, { table: string; name: string; unique: boolean; type: string; comment?: string; parts: IndexPart[] }>()
  for (const r of await exec.query<R>(`SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, [
    db,
  ])) {
    const table = String(get(r, 'TABLE_NAME'))
    const name = String(get(r, 'INDEX_NAME'))
    const key = `${table}\u0000${name}`
    let ix = idx.get(key)
    if (!ix) {
      ix = { table, name, unique: String(get(r, 'NON_UNIQUE')) === '0', type: String(get(r, 'INDEX_TYPE')), parts: [] }
      const comment = str(get(r, 'INDEX_COMMENT'))
      if (comment) ix.comment = comment
      idx.set(key, ix)
    }
    const expr = str(get(r, 'EXPRESSION'))
    const sub = get(r, 'SUB_PART')
    const part: IndexPart = expr ? { name: expr, expression: true } : { name: String(get(r, 'COLUMN_NAME')) }
    const suffix = [sub !== null && sub !== undefined ? `(${sub})` : '', get(r, 'COLLATION') === 'D' ? 'DESC' : ''].filter(Boolean).join(' ')
    if (suffix) part.suffix = suffix
    ix.parts.push(part)
  }
  for (const ix of idx.values()) {
    const t = tables.get(ix.table)
    if (!t) continue
    if (ix.name === 'PRIMARY') {
      t.primaryKey = { columns: ix.parts.map((p) => p.name) }
      continue
    }
    const index: Index = { name: ix.name, unique: ix.unique, columns: ix.parts }
    if (ix.type === 'FULLTEXT' || ix.type === 'SPATIAL') index.method = ix.type
    if (ix.comment) index.comment = ix.comment
    t.indexes.push(index)
  }

  // check constraints (MariaDB 10.2+, MySQL 8.0.16+)
  try {
    const checks = mariadb
      ? await exec.query<R>(
          'SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY 1, 2',
          [db],
        )
      : await exec.query<R>(
          `SELECT tc.TABLE_NAME AS tbl, cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS cc
           JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
           WHERE cc.CONSTRAINT_SCHEMA = ? ORDER BY 1, 2`,
          [db],
        )
    for (const r of checks) {
      const t = tables.get(String(get(r, 'tbl')))
      if (!t) continue
      const ch: CheckConstraint = { name: String(get(r, 'name')), expression: String(get(r, 'clause')) }
      // a column-level CHECK on MariaDB is the JSON validity check of a json alias type: part of the type
      const jsonCol = mariadb && /^json_valid\(`[^`]+`\)$/.test(ch.expression) ? t.columns.find((c) => c.name === ch.name && c.type === 'longtext') : undefined
      if (jsonCol) {
        jsonCol.type = 'json'
        delete jsonCol.collation
        continue
      }
      t.checks.push(ch)
    }
  } catch {
    // server without CHECK_CONSTRAINTS
  }

  // foreign keys
  const fks = new Map<string, ForeignKey & { table: string }>()
  for (const r of await exec.query<R>(
    `SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS reftable, k.REFERENCED_COLUMN_NAME AS refcol,
            k.REFERENCED_TABLE_SCHEMA AS refschema, rc.UPDATE_RULE AS upd, rc.DELETE_RULE AS del
     FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
       ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.TABLE_NAME = k.TABLE_NAME
     WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [db],
  )) {
    const key = `${get(r, 'tbl')}\u0000${get(r, 'name')}`
    let fk = fks.get(key)
    if (!fk) {
      fk = {
        table: String(get(r, 'tbl')),
        name: String(get(r, 'name')),
        columns: [],
        refTable: String(get(r, 'reftable')),
        refColumns: [],
        onDelete: String(get(r, 'del')) as FkAction,
        onUpdate: String(get(r, 'upd')) as FkAction,
      }
      if (String(get(r, 'refschema')) !== db) fk.refSchema = String(get(r, 'refschema'))
      fks.set(key, fk)
    }
    fk.columns.push(String(get(r, 'col')))
    fk.refColumns.push(String(get(r, 'refcol')))
  }
  for (const { table, ...fk } of fks.values()) {
    const action = (a: string): FkAction =>
      a === 'RESTRICT' ? 'RESTRICT' : a === 'CASCADE' ? 'CASCADE' : a === 'SET NULL' ? 'SET NULL' : a === 'SET DEFAULT' ? 'SET DEFAULT' : 'NO ACTION'
    // RESTRICT and NO ACTION are the same thing in InnoDB
    const norm = (a: FkAction): FkAction => (a === 'RESTRICT' ? 'NO ACTION' : a)
    tables.get(table)?.foreignKeys.push({ ...fk, onDelete: norm(action(fk.onDelete)), onUpdate: norm(action(fk.onUpdate)) })
  }
  // InnoDB creates an index for a foreign key that has none, named after the constraint (or its
  // first column). It is implied by the foreign key: leave it out, so adding or re-creating a
  // foreign key does not show up as an extra index.
  for (const t of tables.values()) {
    t.indexes = t.indexes.filter((ix) => {
      const fk = t.foreignKeys.find(
        (f) =>
          !ix.unique &&
          !ix.method &&
          (ix.name === f.name || ix.name === f.columns[0]) &&
          ix.columns.length === f.columns.length &&
          ix.columns.every((p, i) => !p.expression && !p.suffix && p.name === f.columns[i]),
      )
      if (fk) fk.impliedIndex = ix.name
      return !fk
    })
  }
  schema.tables = [...tables.values()]
  schema.movableColumns = true

  // views: strip the database name MySQL writes into definitions
  const dbRe = new RegExp(`\`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`\\.`, 'g')
  const viewNames: string[] = []
  const viewRows = await exec.query<R>(
    `SELECT TABLE_NAME AS name, VIEW_DEFINITION AS def, CHECK_OPTION AS chk, SECURITY_TYPE AS sec FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [db],
  )
  for (const r of viewRows) viewNames.push(String(get(r, 'name')))
  for (const r of viewRows) {
    const def = String(get(r, 'def')).replace(dbRe, '')
    const v: View = { name: String(get(r, 'name')), definition: def }
    const opts = [
      get(r, 'sec') && get(r, 'sec') !== 'DEFINER' ? `SQL SECURITY ${get(r, 'sec')}` : '',
      get(r, 'chk') && get(r, 'chk') !== 'NONE' ? `WITH ${get(r, 'chk')} CHECK OPTION` : '',
    ]
      .filter(Boolean)
      .join(' ')
    if (opts) v.options = opts
    const deps = [...tables.keys(), ...viewNames].filter((n) => n !== v.name && def.includes(mysqlDialect.quoteIdent(n)))
    if (deps.length) v.dependsOn = deps
    schema.views.push(v)
  }

  // triggers
  for (const r of await exec.query<R>(
    `SELECT TRIGGER_NAME AS name, EVENT_MANIPULATION AS ev, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, ACTION_STATEMENT AS body
     FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME`,
    [db],
  )) {
    const tr: Trigger = {
      name: String(get(r, 'name')),
      table: String(get(r, 'tbl')),
      definition: `CREATE TRIGGER ${mysqlDialect.quoteIdent(String(get(r, 'name')))} ${get(r, 'timing')} ${get(r, 'ev')} ON ${mysqlDialect.quoteIdent(String(get(r, 'tbl')))} FOR EACH ROW ${String(get(r, 'body')).replace(dbRe, '')}`,
    }
    schema.triggers.push(tr)
  }

  // functions and procedures: SHOW CREATE, without the DEFINER clause
  for (const r of await exec.query<R>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 2, 1`,
    [db],
  )) {
    const kind = String(get(r, 'type')) === 'PROCEDURE' ? 'procedure' : 'function'
    const rows = await exec.query<R>(`SHOW CREATE ${kind.toUpperCase()} ${mysqlDialect.quoteIdent(String(get(r, 'name')))}`)
    const text = str(rows[0]?.[kind === 'procedure' ? 'Create Procedure' : 'Create Function'])
    if (!text) continue
    const fn: Routine = { name: String(get(r, 'name')), kind, signature: '', definition: text.replace(/\s+DEFINER=`[^`]*`@`[^`]*`/, '').replace(dbRe, '') }
    schema.routines.push(fn)
  }

  // events: kept by their definition (SHOW CREATE EVENT without the DEFINER)
  const events: SchemaObject[] = []
  for (const r of await exec.query<R>('SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1', [db])) {
    const rows = await exec.query<R>(`SHOW CREATE EVENT \`${String(get(r, 'name')).replace(/`/g, '``')}\``)
    const text = str(rows[0]?.['Create Event'])
    if (text)
      events.push({
        kind: 'event',
        name: String(get(r, 'name')),
        statements: [text.replace(/\s+DEFINER=`[^`]*`@`[^`]*`/, '').replace(dbRe, '')],
        drop: [`DROP EVENT ${mysqlDialect.quoteIdent(String(get(r, 'name')))}`],
        phase: 'late',
      })
  }
  if (events.length) schema.objects = events
  if (unsupported.length) schema.unsupported = unsupported
  return canonicalize(schema)
}
