import {
  type Change,
  type Column,
  type DdlPlan,
  type DdlStatement,
  type ForeignKey,
  type Index,
  type SchemaDdl,
  type SchemaDiff,
  stringLiteral,
  type Table,
} from '@mig/core'
import { mysqlDialect } from './mysql-dialect.js'

/** Quote one MySQL identifier (the dialect's quoting). */
export const quoteMysql = mysqlDialect.quoteIdent
const q = quoteMysql
// DDL is written for the default sql_mode (backslash escapes)
const lit = (v: string) => stringLiteral(mysqlDialect, v)

/** Column definition as in `CREATE TABLE` / `MODIFY COLUMN`. */
export function columnSql(c: Column): string {
  const parts = [q(c.name), c.type]
  if (c.collation) parts.push(`COLLATE ${c.collation}`)
  if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.generated.expression}) ${c.generated.stored ? 'STORED' : 'VIRTUAL'}`)
  else parts.push(c.nullable ? 'NULL' : 'NOT NULL')
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`)
  if (c.identity === 'auto') parts.push('AUTO_INCREMENT')
  if (c.comment) parts.push(`COMMENT ${lit(c.comment)}`)
  return parts.join(' ')
}

function partsSql(ix: Index): string {
  return ix.columns
    .map((p) => (p.expression ? `(${p.name})` : `${q(p.name)}${p.suffix ? (p.suffix.startsWith('(') ? p.suffix.replace(' ', ' ') : ` ${p.suffix}`) : ''}`))
    .join(', ')
}

function indexItem(ix: Index): string {
  const kind = ix.method === 'FULLTEXT' || ix.method === 'SPATIAL' ? `${ix.method} KEY` : ix.unique ? 'UNIQUE KEY' : 'KEY'
  return `${kind} ${q(ix.name)} (${partsSql(ix)})${ix.comment ? ` COMMENT ${lit(ix.comment)}` : ''}`
}

function fkSql(fk: ForeignKey): string {
  const ref = fk.refSchema ? `${q(fk.refSchema)}.${q(fk.refTable)}` : q(fk.refTable)
  let s = `CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${ref} (${fk.refColumns.map(q).join(', ')})`
  if (fk.onDelete !== 'NO ACTION') s += ` ON DELETE ${fk.onDelete}`
  if (fk.onUpdate !== 'NO ACTION') s += ` ON UPDATE ${fk.onUpdate}`
  return s
}

/** `CREATE TABLE` with keys, checks and foreign keys inline, like `SHOW CREATE TABLE`. */
export function createTableSql(t: Table): string {
  const items = t.columns.map(columnSql)
  if (t.primaryKey) items.push(`PRIMARY KEY (${t.primaryKey.columns.map(q).join(', ')})`)
  for (const ix of t.indexes) items.push(indexItem(ix))
  for (const c of t.checks) items.push(`CONSTRAINT ${q(c.name)} CHECK (${c.expression})`)
  for (const fk of t.foreignKeys) items.push(fkSql(fk))
  const opts = [t.options ?? '', t.comment ? `COMMENT=${lit(t.comment)}` : ''].filter(Boolean).join(' ')
  return `CREATE TABLE ${q(t.name)} (\n${items.map((i) => `  ${i}`).join(',\n')}\n)${opts ? ` ${opts}` : ''}`
}

/**
 * MySQL / MariaDB DDL. Column changes are one `MODIFY COLUMN` with the full new definition; new
 * columns keep their position (`AFTER`/`FIRST`). DDL is not transactional on MySQL: the runner
 * records progress per statement.
 */
export const mysqlDdl: SchemaDdl = {
  quoteIdent: q,
  // routines, triggers and events have semicolons inside: the mysql/mariadb client (and mig's own
  // splitter) needs another delimiter around them, as mysqldump writes
  scriptText: (st) => (st.compound ? `DELIMITER ;;\n${st.sql};;\nDELIMITER ;` : `${st.sql};`),
  plan(diff: SchemaDiff): DdlPlan {
    const statements: DdlStatement[] = []
    const emit = (sql: string, c: Change) => statements.push({ sql, changes: [c] })
    const emitCompound = (sql: string, c: Change) => statements.push({ sql, changes: [c], compound: true })
    for (const c of diff.changes) {
      switch (c.kind) {
        case 'create_table':
          emit(createTableSql(c.table), c)
          break
        case 'drop_table':
          emit(`DROP TABLE ${q(c.table.name)}`, c)
          break
        case 'add_column':
          emit(`ALTER TABLE ${q(c.table.name)} ADD COLUMN ${columnSql(c.column)} ${c.after ? `AFTER ${q(c.after)}` : 'FIRST'}`, c)
          break
        case 'drop_column':
          emit(`ALTER TABLE ${q(c.table.name)} DROP COLUMN ${q(c.column.name)}`, c)
          break
        case 'alter_column':
          emit(`ALTER TABLE ${q(c.table.name)} MODIFY COLUMN ${columnSql(c.to)}${c.move ? (c.move.after ? ` AFTER ${q(c.move.after)}` : ' FIRST') : ''}`, c)
          break
        case 'add_constraint': {
          const k = c.constraint
          if (k.kind === 'primary') emit(`ALTER TABLE ${q(c.table.name)} ADD PRIMARY KEY (${k.constraint.columns.map(q).join(', ')})`, c)
          else if (k.kind === 'unique')
            emit(`ALTER TABLE ${q(c.table.name)} ADD CONSTRAINT ${q(k.constraint.name)} UNIQUE (${k.constraint.columns.map(q).join(', ')})`, c)
          else if (k.kind === 'check') emit(`ALTER TABLE ${q(c.table.name)} ADD CONSTRAINT ${q(k.constraint.name)} CHECK (${k.constraint.expression})`, c)
          else emit(`ALTER TABLE ${q(c.table.name)} ADD ${fkSql(k.constraint)}`, c)
          break
        }
        case 'drop_constraint': {
          const k = c.constraint
          if (k.kind === 'primary') emit(`ALTER TABLE ${q(c.table.name)} DROP PRIMARY KEY`, c)
          else if (k.kind === 'foreign') {
            emit(`ALTER TABLE ${q(c.table.name)} DROP FOREIGN KEY ${q(k.constraint.name)}`, c)
            // the index InnoDB made for the key stays behind unless dropped; drop it unless the
            // target still has a key or index that will use it
            const implied = k.constraint.impliedIndex
            const target = diff.to.tables.find((t) => t.name === c.table.name)
            const stillUsed =
              target && (target.indexes.some((ix) => ix.name === implied) || target.foreignKeys.some((f) => f.columns.join() === k.constraint.columns.join()))
            if (implied && target && !stillUsed) emit(`DROP INDEX ${q(implied)} ON ${q(c.table.name)}`, c)
          } else if (k.kind === 'unique') emit(`ALTER TABLE ${q(c.table.name)} DROP INDEX ${q(k.constraint.name)}`, c)
          else emit(`ALTER TABLE ${q(c.table.name)} DROP CONSTRAINT ${q(k.constraint.name)}`, c)
          break
        }
        case 'add_index': {
          const kind = c.index.method === 'FULLTEXT' || c.index.method === 'SPATIAL' ? `${c.index.method} ` : c.index.unique ? 'UNIQUE ' : ''
          emit(
            `CREATE ${kind}INDEX ${q(c.index.name)} ON ${q(c.table.name)} (${partsSql(c.index)})${c.index.comment ? ` COMMENT ${lit(c.index.comment)}` : ''}`,
            c,
          )
          break
        }
        case 'drop_index': {
          // A surviving foreign key whose own (implied) index does not exist yet needs one before
          // the index it relied on can go.
          const target = diff.to.tables.find((t) => t.name === c.table.name)
          for (const f of target?.foreignKeys ?? []) {
            const covers = (ix: Index) => f.columns.every((col, i) => ix.columns[i]?.name === col && !ix.columns[i]?.expression)
            if (!f.impliedIndex || f.impliedIndex === c.index.name || !covers(c.index)) continue
            if (target!.indexes.some(covers) || c.table.indexes.some((ix) => ix.name !== c.index.name && covers(ix))) continue
            emit(`CREATE INDEX ${q(f.impliedIndex)} ON ${q(c.table.name)} (${f.columns.map(q).join(', ')})`, c)
          }
          emit(`DROP INDEX ${q(c.index.name)} ON ${q(c.table.name)}`, c)
          break
        }
        case 'set_table_comment':
          emit(`ALTER TABLE ${q(c.table.name)} COMMENT = ${lit(c.to ?? '')}`, c)
          break
        case 'alter_table_options':
          if (c.to) emit(`ALTER TABLE ${q(c.table.name)} ${c.to}`, c)
          break
        case 'create_view':
          emit(
            `CREATE ${c.view.options?.includes('SQL SECURITY') ? `${/SQL SECURITY \w+/.exec(c.view.options)![0]} ` : ''}VIEW ${q(c.view.name)} AS ${c.view.definition}${c.view.options?.includes('CHECK OPTION') ? ` ${/WITH \w+ CHECK OPTION/.exec(c.view.options)![0]}` : ''}`,
            c,
          )
          break
        case 'drop_view':
          emit(`DROP VIEW ${q(c.view.name)}`, c)
          break
        case 'create_routine':
          if (c.replaces) emit(`DROP ${c.replaces.kind.toUpperCase()} ${q(c.replaces.name)}`, c)
          emitCompound(c.routine.definition, c)
          break
        case 'drop_routine':
          emit(`DROP ${c.routine.kind.toUpperCase()} ${q(c.routine.name)}`, c)
          break
        case 'create_trigger':
          emitCompound(c.trigger.definition, c)
          break
        case 'create_object':
          for (const sql of c.object.statements) emitCompound(sql, c)
          break
        case 'drop_object':
          for (const sql of c.object.drop) emit(sql, c)
          break
        case 'drop_trigger':
          emit(`DROP TRIGGER ${q(c.trigger.name)}`, c)
          break
        default:
          throw new Error(`MySQL has no ${c.kind.replace(/_/g, ' ')}: ${c.summary}`)
      }
    }
    return { statements }
  },
}
