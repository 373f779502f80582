import type { Change, Constraint } from './changes.js'
import { type Column, qualifiedName } from './model.js'

function describeColumn(c: Column): string {
  let s = c.type
  if (!c.nullable) s += ' NOT NULL'
  if (c.default !== undefined) s += ` DEFAULT ${c.default}`
  if (c.identity) s += c.identity === 'auto' ? ' AUTO' : ` IDENTITY ${c.identity}`
  if (c.generated) s += ` GENERATED (${c.generated.expression})${c.generated.stored ? ' STORED' : ''}`
  return s
}

function alteration(from: Column, to: Column): string {
  const parts: string[] = []
  if (from.type !== to.type) parts.push(`${from.type} -> ${to.type}`)
  if (from.nullable !== to.nullable) parts.push(to.nullable ? 'DROP NOT NULL' : 'SET NOT NULL')
  if (from.default !== to.default) parts.push(to.default === undefined ? 'DROP DEFAULT' : `DEFAULT ${to.default}`)
  if (from.identity !== to.identity) parts.push(to.identity ? `IDENTITY ${to.identity}` : 'DROP IDENTITY')
  if (JSON.stringify(from.generated) !== JSON.stringify(to.generated)) parts.push(to.generated ? `GENERATED (${to.generated.expression})` : 'DROP EXPRESSION')
  if (from.collation !== to.collation) parts.push(`COLLATE ${to.collation ?? 'default'}`)
  if (from.comment !== to.comment) parts.push('COMMENT')
  return parts.join(', ')
}

/** The summary line of a change: `+` create, `~` alter, `-` drop, `!` destructive (with `(DESTRUCTIVE)`). */
export function summarize(c: Change): string {
  const body = describe(c)
  const sign = c.destructive ? '!' : body.sign
  return `${sign} ${body.text}${c.destructive ? ' (DESTRUCTIVE)' : ''}`
}

function describe(c: Change): { sign: string; text: string } {
  switch (c.kind) {
    case 'create_schema':
      return { sign: '+', text: `CREATE SCHEMA ${c.name}` }
    case 'drop_schema':
      return { sign: '-', text: `DROP SCHEMA ${c.name}` }
    case 'create_extension':
      return { sign: '+', text: `CREATE EXTENSION ${c.extension.name}` }
    case 'drop_extension':
      return { sign: '-', text: `DROP EXTENSION ${c.extension.name}` }
    case 'create_enum':
      return { sign: '+', text: `CREATE TYPE ${qualifiedName(c.enum)} AS ENUM (${c.enum.values.join(', ')})` }
    case 'drop_enum':
      return { sign: '-', text: `DROP TYPE ${qualifiedName(c.enum)}` }
    case 'add_enum_value':
      return { sign: '~', text: `ALTER TYPE ${qualifiedName(c.enum)} ADD VALUE ${c.value}` }
    case 'create_sequence':
      return { sign: '+', text: `CREATE SEQUENCE ${qualifiedName(c.sequence)}` }
    case 'drop_sequence':
      return { sign: '-', text: `DROP SEQUENCE ${qualifiedName(c.sequence)}` }
    case 'alter_sequence':
      return { sign: '~', text: `ALTER SEQUENCE ${qualifiedName(c.to)}` }
    case 'create_table':
      return { sign: '+', text: `CREATE TABLE ${qualifiedName(c.table)}` }
    case 'drop_table':
      return { sign: '-', text: `DROP TABLE ${qualifiedName(c.table)}` }
    case 'add_column':
      return { sign: '+', text: `ADD COLUMN ${qualifiedName(c.table)}.${c.column.name} ${describeColumn(c.column)}` }
    case 'drop_column':
      return { sign: '-', text: `DROP COLUMN ${qualifiedName(c.table)}.${c.column.name}` }
    case 'alter_column':
      return {
        sign: '~',
        text: `ALTER COLUMN ${qualifiedName(c.table)}.${c.to.name} ${[alteration(c.from, c.to), c.move ? (c.move.after ? `MOVE AFTER ${c.move.after}` : 'MOVE FIRST') : ''].filter(Boolean).join(', ')}`,
      }
    case 'add_constraint':
      return { sign: '+', text: `ADD ${constraintLabel(c.constraint.kind)} ${qualifiedName(c.table)}.${constraintTitle(c.constraint)}` }
    case 'drop_constraint':
      return { sign: '-', text: `DROP ${constraintLabel(c.constraint.kind)} ${qualifiedName(c.table)}.${constraintTitle(c.constraint)}` }
    case 'add_index':
      return { sign: '+', text: `CREATE ${c.index.unique ? 'UNIQUE ' : ''}INDEX ${c.index.name} ON ${qualifiedName(c.table)}` }
    case 'drop_index':
      return { sign: '-', text: `DROP INDEX ${c.index.name}` }
    case 'set_table_comment':
      return { sign: '~', text: `COMMENT ON TABLE ${qualifiedName(c.table)}` }
    case 'alter_table_options':
      return { sign: '~', text: `ALTER TABLE ${qualifiedName(c.table)} ${c.to ?? ''}`.trimEnd() }
    case 'create_view':
      return { sign: '+', text: `CREATE ${c.view.materialized ? 'MATERIALIZED ' : ''}VIEW ${qualifiedName(c.view)}` }
    case 'drop_view':
      return { sign: '-', text: `DROP ${c.view.materialized ? 'MATERIALIZED ' : ''}VIEW ${qualifiedName(c.view)}` }
    case 'create_routine':
      return {
        sign: c.replaces ? '~' : '+',
        text: `${c.replaces ? 'REPLACE' : 'CREATE'} ${c.routine.kind.toUpperCase()} ${qualifiedName(c.routine)}${c.routine.signature}`,
      }
    case 'drop_routine':
      return { sign: '-', text: `DROP ${c.routine.kind.toUpperCase()} ${qualifiedName(c.routine)}${c.routine.signature}` }
    case 'create_trigger':
      return { sign: '+', text: `CREATE TRIGGER ${c.trigger.name} ON ${c.trigger.table}` }
    case 'drop_trigger':
      return { sign: '-', text: `DROP TRIGGER ${c.trigger.name}` }
    case 'create_object':
      return { sign: '+', text: `CREATE ${c.object.kind.toUpperCase()} ${qualifiedName(c.object)}` }
    case 'drop_object':
      return { sign: '-', text: `DROP ${c.object.kind.toUpperCase()} ${qualifiedName(c.object)}` }
  }
}

function constraintLabel(kind: string): string {
  return kind === 'primary' ? 'PRIMARY KEY' : kind === 'unique' ? 'UNIQUE' : kind === 'check' ? 'CHECK' : 'FOREIGN KEY'
}

function constraintTitle(c: Constraint): string {
  if (c.kind === 'primary') return c.constraint.name || `(${c.constraint.columns.join(', ')})`
  if (c.constraint.name) return c.constraint.name
  if (c.kind === 'check') return `CHECK (${c.constraint.expression})`
  if (c.kind === 'unique') return `(${c.constraint.columns.join(', ')})`
  return `(${c.constraint.columns.join(', ')}) -> ${c.constraint.refTable}`
}

const INT_RANK: Record<string, number> = {
  tinyint: 1,
  smallint: 2,
  int2: 2,
  mediumint: 3,
  integer: 4,
  int: 4,
  int4: 4,
  bigint: 5,
  int8: 5,
}

function parse(type: string): { base: string; args: number[] } {
  const m = /^([a-z_ ]+?)\s*(?:\(([\d,\s]+)\))?(\s+unsigned)?$/i.exec(type.trim())
  if (!m) return { base: type.trim().toLowerCase(), args: [] }
  return {
    base: m[1]!.toLowerCase().replace(/\s+/g, ' ') + (m[3] ? ' unsigned' : ''),
    args: (m[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((x) => Number(x.trim())),
  }
}

const STRINGS = ['character varying', 'varchar', 'nvarchar', 'varchar2']
const UNBOUNDED_TEXT = ['text', 'mediumtext', 'longtext', 'clob']

/**
 * True when changing a column from type `from` to `to` cannot lose data: a longer varchar, a
 * larger integer, more numeric precision, varchar to text. Unknown conversions count as narrowing.
 */
export function isWidening(from: string, to: string): boolean {
  const a = parse(from)
  const b = parse(to)
  if (a.base === b.base) {
    if (a.args.length === 0 && b.args.length === 0) return true
    if (a.args.length === 0) return false
    if (b.args.length === 0) return true
    if (a.args.length === 2 && b.args.length === 2) return b.args[0]! - b.args[1]! >= a.args[0]! - a.args[1]! && b.args[1]! >= a.args[1]!
    return b.args[0]! >= a.args[0]!
  }
  if (INT_RANK[a.base] !== undefined && INT_RANK[b.base] !== undefined) return INT_RANK[b.base]! >= INT_RANK[a.base]!
  if (INT_RANK[a.base] !== undefined && (b.base === 'numeric' || b.base === 'decimal')) return b.args.length === 0 || b.args[0]! - (b.args[1] ?? 0) >= 20
  if (
    (STRINGS.includes(a.base) || a.base === 'char' || a.base === 'character') &&
    (UNBOUNDED_TEXT.includes(b.base) || (STRINGS.includes(b.base) && (b.args[0] ?? Infinity) >= (a.args[0] ?? Infinity)))
  )
    return true
  if (a.base === 'text' && (b.base === 'mediumtext' || b.base === 'longtext')) return true
  if (a.base === 'mediumtext' && b.base === 'longtext') return true
  if ((a.base === 'real' || a.base === 'float4' || a.base === 'float') && (b.base === 'double precision' || b.base === 'double' || b.base === 'float8'))
    return true
  if (a.base === 'timestamp without time zone' && b.base === 'timestamp with time zone') return true
  return false
}
