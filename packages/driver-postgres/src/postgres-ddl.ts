import type { Change, Column, Constraint, DdlPlan, DdlStatement, ForeignKey, Index, SchemaDdl, SchemaDiff, Sequence, Table } from '@mig/core'
import { isWidening, stringLiteral } from '@mig/core'
import { postgresDialect } from './postgres-dialect.js'

/** Quote one PostgreSQL identifier part (the dialect's quoting). */
export const quotePg = postgresDialect.quoteIdent
const q = quotePg
const qn = (o: { schema?: string; name: string }) => (o.schema ? `${q(o.schema)}.${q(o.name)}` : q(o.name))
const lit = (v: string) => stringLiteral(postgresDialect, v)

function columnSql(c: Column): string {
  const parts = [q(c.name), c.type]
  if (c.collation) parts.push(`COLLATE ${q(c.collation)}`)
  if (c.identity === 'always' || c.identity === 'by default') parts.push(`GENERATED ${c.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`)
  if (c.generated) parts.push(`GENERATED ALWAYS AS (${c.generated.expression}) STORED`)
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`)
  if (!c.nullable && !/serial$/.test(c.type)) parts.push('NOT NULL')
  return parts.join(' ')
}

function fkBody(fk: ForeignKey, table: Table): string {
  void table
  const ref = qn({ schema: fk.refSchema, name: fk.refTable })
  let sql = `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${ref} (${fk.refColumns.map(q).join(', ')})`
  if (fk.options?.includes('MATCH')) sql += ` ${/MATCH \w+/.exec(fk.options)![0]}`
  if (fk.onUpdate !== 'NO ACTION') sql += ` ON UPDATE ${fk.onUpdate}`
  if (fk.onDelete !== 'NO ACTION') sql += ` ON DELETE ${fk.onDelete}`
  const defer = fk.options?.replace(/MATCH \w+/, '').trim()
  if (defer) sql += ` ${defer}`
  return sql
}

/** `CONSTRAINT name ...` body of a constraint. */
export function constraintSql(c: Constraint, table: Table): string {
  switch (c.kind) {
    case 'primary':
      return `${c.constraint.name ? `CONSTRAINT ${q(c.constraint.name)} ` : ''}PRIMARY KEY (${c.constraint.columns.map(q).join(', ')})`
    case 'unique': {
      const nnd = c.constraint.options?.includes('NULLS NOT DISTINCT') ? ' NULLS NOT DISTINCT' : ''
      const defer = c.constraint.options?.replace('NULLS NOT DISTINCT', '').trim()
      return `CONSTRAINT ${q(c.constraint.name)} UNIQUE${nnd} (${c.constraint.columns.map(q).join(', ')})${defer ? ` ${defer}` : ''}`
    }
    case 'check':
      if (c.constraint.options === 'EXCLUDE') return `CONSTRAINT ${q(c.constraint.name)} ${c.constraint.expression}`
      return `CONSTRAINT ${q(c.constraint.name)} CHECK (${c.constraint.expression})${c.constraint.options === 'NO INHERIT' ? ' NO INHERIT' : ''}`
    case 'foreign':
      return `CONSTRAINT ${q(c.constraint.name)} ${fkBody(c.constraint, table)}`
  }
}

function constraintsOf(t: Table): Constraint[] {
  const out: Constraint[] = []
  if (t.primaryKey) out.push({ kind: 'primary', constraint: t.primaryKey })
  for (const u of t.uniques) out.push({ kind: 'unique', constraint: u })
  for (const c of t.checks) out.push({ kind: 'check', constraint: c })
  for (const f of t.foreignKeys) out.push({ kind: 'foreign', constraint: f })
  return out
}

/** A parent named as {@link Table.parents} holds it (`schema.name` or `name`), quoted. */
function parentRef(key: string): string {
  const dot = key.indexOf('.')
  return dot < 0 ? q(key) : `${q(key.slice(0, dot))}.${q(key.slice(dot + 1))}`
}

/**
 * `CREATE TABLE` with columns and constraints (indexes and comments are separate statements); a
 * partition is created `PARTITION OF` its parent, an inheriting table with `INHERITS`. Inherited
 * columns are not in the model: the parent gives them.
 */
export function createTableSql(t: Table): string {
  const items = [...t.columns.map(columnSql), ...constraintsOf(t).map((c) => constraintSql(c, t))]
  const body = items.length ? `(\n${items.map((i) => `  ${i}`).join(',\n')}\n)` : '()'
  const partitionBy = / ?(PARTITION BY .*)$/.exec(t.options ?? '')?.[1]
  const tail = partitionBy ? ` ${partitionBy}` : ''
  const parents = t.parents ?? []
  if (t.partitionBound !== undefined && parents.length)
    return `CREATE TABLE ${qn(t)} PARTITION OF ${parentRef(parents[0]!)}${items.length ? ` ${body}` : ''} ${t.partitionBound}${tail}`
  return `CREATE TABLE ${qn(t)} ${body}${parents.length ? ` INHERITS (${parents.map(parentRef).join(', ')})` : ''}${tail}`
}

function indexSql(t: Table, ix: Index): string {
  if (ix.definition) return ix.definition
  const parts = ix.columns.map((p) => (p.expression ? `(${p.name})` : `${q(p.name)}${p.suffix ? ` ${p.suffix}` : ''}`))
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${q(ix.name)} ON ${qn(t)}${ix.method ? ` USING ${ix.method}` : ''} (${parts.join(', ')})${ix.where ? ` WHERE ${ix.where}` : ''}`
}

function seqOptions(s: Sequence): string {
  return [
    s.type ? `AS ${s.type}` : '',
    `INCREMENT BY ${s.increment}`,
    s.min !== undefined ? `MINVALUE ${s.min}` : '',
    s.max !== undefined ? `MAXVALUE ${s.max}` : '',
    `START WITH ${s.start}`,
    s.cache !== undefined ? `CACHE ${s.cache}` : '',
    s.cycle ? 'CYCLE' : 'NO CYCLE',
  ]
    .filter(Boolean)
    .join(' ')
}

function comment(kind: string, target: string, text: string | undefined): string {
  return `COMMENT ON ${kind} ${target} IS ${text === undefined ? 'NULL' : lit(text)}`
}

/**
 * PostgreSQL DDL. Everything runs in one transaction (PostgreSQL DDL is transactional), except that
 * a new enum value cannot be used in the transaction that adds it: those scripts are marked
 * non-transactional so each statement commits on its own.
 */
export const postgresDdl: SchemaDdl = {
  quoteIdent: q,
  plan(diff: SchemaDiff): DdlPlan {
    const statements: DdlStatement[] = []
    const emit = (sql: string, c: Change) => statements.push({ sql, changes: [c] })
    let transactional = true
    let bodiesRelaxed = false
    for (const c of diff.changes) {
      if (c.kind === 'create_routine' && !bodiesRelaxed) {
        // routines are created before the tables their bodies may read (as pg_dump does)
        bodiesRelaxed = true
        emit('SET check_function_bodies = false', c)
      }
      switch (c.kind) {
        case 'create_extension':
          emit(`CREATE EXTENSION IF NOT EXISTS ${q(c.extension.name)}${c.extension.schema ? ` SCHEMA ${q(c.extension.schema)}` : ''}`, c)
          break
        case 'drop_extension':
          emit(`DROP EXTENSION ${q(c.extension.name)}`, c)
          break
        case 'create_schema':
          emit(`CREATE SCHEMA ${q(c.name)}`, c)
          break
        case 'drop_schema':
          emit(`DROP SCHEMA ${q(c.name)}`, c)
          break
        case 'create_enum':
          emit(`CREATE TYPE ${qn(c.enum)} AS ENUM (${c.enum.values.map(lit).join(', ')})`, c)
          if (c.enum.comment !== undefined) emit(comment('TYPE', qn(c.enum), c.enum.comment), c)
          break
        case 'drop_enum':
          emit(`DROP TYPE ${qn(c.enum)}`, c)
          break
        case 'add_enum_value':
          transactional = false
          emit(`ALTER TYPE ${qn(c.enum)} ADD VALUE ${lit(c.value)}${c.before ? ` BEFORE ${lit(c.before)}` : ''}`, c)
          break
        case 'create_sequence':
          emit(`CREATE SEQUENCE ${qn(c.sequence)} ${seqOptions(c.sequence)}`, c)
          break
        case 'alter_sequence':
          emit(`ALTER SEQUENCE ${qn(c.to)} ${seqOptions(c.to)}`, c)
          break
        case 'drop_sequence':
          emit(`DROP SEQUENCE ${qn(c.sequence)}`, c)
          break
        case 'create_table': {
          emit(createTableSql(c.table), c)
          for (const ix of c.table.indexes) {
            emit(indexSql(c.table, ix), c)
            if (ix.comment !== undefined) emit(comment('INDEX', qn({ schema: c.table.schema, name: ix.name }), ix.comment), c)
          }
          if (c.table.comment !== undefined) emit(comment('TABLE', qn(c.table), c.table.comment), c)
          for (const col of c.table.columns) if (col.comment !== undefined) emit(comment('COLUMN', `${qn(c.table)}.${q(col.name)}`, col.comment), c)
          break
        }
        case 'drop_table':
          emit(`DROP TABLE ${qn(c.table)}`, c)
          break
        case 'add_column':
          emit(`ALTER TABLE ${qn(c.table)} ADD COLUMN ${columnSql(c.column)}`, c)
          if (c.column.comment !== undefined) emit(comment('COLUMN', `${qn(c.table)}.${q(c.column.name)}`, c.column.comment), c)
          break
        case 'drop_column':
          emit(`ALTER TABLE ${qn(c.table)} DROP COLUMN ${q(c.column.name)}`, c)
          break
        case 'alter_column':
          for (const sql of alterColumn(c.table, c.from, c.to)) emit(sql, c)
          break
        case 'add_constraint':
          emit(`ALTER TABLE ${qn(c.table)} ADD ${constraintSql(c.constraint, c.table)}`, c)
          break
        case 'drop_constraint': {
          const name = c.constraint.constraint.name
          if (name) emit(`ALTER TABLE ${qn(c.table)} DROP CONSTRAINT ${q(name)}`, c)
          break
        }
        case 'add_index':
          emit(indexSql(c.table, c.index), c)
          if (c.index.comment !== undefined) emit(comment('INDEX', qn({ schema: c.table.schema, name: c.index.name }), c.index.comment), c)
          break
        case 'drop_index':
          emit(`DROP INDEX ${qn({ schema: c.table.schema, name: c.index.name })}`, c)
          break
        case 'set_table_comment':
          emit(comment('TABLE', qn(c.table), c.to), c)
          break
        case 'alter_table_options':
          break
        case 'create_view':
          emit(`CREATE ${c.view.materialized ? 'MATERIALIZED ' : ''}VIEW ${qn(c.view)} AS\n${c.view.definition}`, c)
          if (c.view.comment !== undefined) emit(comment(c.view.materialized ? 'MATERIALIZED VIEW' : 'VIEW', qn(c.view), c.view.comment), c)
          break
        case 'drop_view':
          emit(`DROP ${c.view.materialized ? 'MATERIALIZED ' : ''}VIEW ${qn(c.view)}`, c)
          break
        case 'create_routine':
          emit(c.routine.definition, c)
          if (c.routine.comment !== undefined || c.replaces?.comment !== undefined)
            emit(comment(c.routine.kind.toUpperCase(), `${qn(c.routine)}${c.routine.signature}`, c.routine.comment), c)
          break
        case 'drop_routine':
          emit(`DROP ${c.routine.kind.toUpperCase()} ${qn(c.routine)}${c.routine.signature}`, c)
          break
        case 'create_trigger':
          emit(c.trigger.definition, c)
          break
        case 'drop_trigger':
          emit(`DROP TRIGGER ${q(c.trigger.name)} ON ${qn({ schema: c.trigger.schema, name: c.trigger.table })}`, c)
          break
        case 'create_object':
          for (const sql of c.object.statements) emit(sql, c)
          break
        case 'drop_object':
          for (const sql of c.object.drop) emit(sql, c)
          break
      }
    }
    return { statements, transactional }
  },
}

/** serial types are not real types: ALTER COLUMN ... TYPE takes the integer type underneath. */
const SERIAL_BASE: Record<string, string> = { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' }

function alterColumn(t: Table, from: Column, to: Column): string[] {
  const at = `ALTER TABLE ${qn(t)} ALTER COLUMN ${q(to.name)}`
  const out: string[] = []
  const defaultChanged = from.default !== to.default
  if (
    (from.generated && !to.generated) ||
    (!from.generated && to.generated) ||
    (from.generated && to.generated && from.generated.expression !== to.generated.expression)
  ) {
    if (from.generated && !to.generated) out.push(`${at} DROP EXPRESSION`)
    else {
      // a generation expression cannot be altered in place: drop and re-add the column
      out.push(`ALTER TABLE ${qn(t)} DROP COLUMN ${q(from.name)}`)
      out.push(`ALTER TABLE ${qn(t)} ADD COLUMN ${columnSql(to)}`)
      return out
    }
  }
  if (from.identity && from.identity !== to.identity && !to.identity) out.push(`${at} DROP IDENTITY`)
  if (defaultChanged && from.default !== undefined) out.push(`${at} DROP DEFAULT`)
  if (from.type !== to.type || from.collation !== to.collation) {
    const type = SERIAL_BASE[to.type] ?? to.type
    const using = isWidening(SERIAL_BASE[from.type] ?? from.type, type) ? '' : ` USING ${q(to.name)}::${type}`
    out.push(`${at} TYPE ${type}${to.collation ? ` COLLATE ${q(to.collation)}` : ''}${using}`)
  }
  if (defaultChanged && to.default !== undefined) out.push(`${at} SET DEFAULT ${to.default}`)
  if (from.nullable !== to.nullable) out.push(`${at} ${to.nullable ? 'DROP' : 'SET'} NOT NULL`)
  if (to.identity && from.identity !== to.identity) {
    if (from.identity) out.push(`${at} SET GENERATED ${to.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'}`)
    else out.push(`${at} ADD GENERATED ${to.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`)
  }
  if (from.comment !== to.comment) out.push(comment('COLUMN', `${qn(t)}.${q(to.name)}`, to.comment))
  return out
}
