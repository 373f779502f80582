import { describe, expect, it } from 'vitest'
import { type Column, diffSchemas, emptySchema, isWidening, type Schema, type Table } from '../src/index.js'

const col = (name: string, type = 'integer', extra: Partial<Column> = {}): Column => ({ name, type, nullable: true, ...extra })
function table(name: string, columns: Column[], extra: Partial<Table> = {}): Table {
  return { name, columns, uniques: [], checks: [], foreignKeys: [], indexes: [], ...extra }
}
function schema(tables: Table[], extra: Partial<Schema> = {}): Schema {
  return { ...emptySchema('test'), tables, ...extra }
}
const fk = (name: string, column: string, refTable: string) => ({
  name,
  columns: [column],
  refTable,
  refColumns: ['id'],
  onDelete: 'NO ACTION' as const,
  onUpdate: 'NO ACTION' as const,
})

describe('diffSchemas', () => {
  it('creates referenced tables first and defers a foreign key that closes a cycle', () => {
    const a = table('a', [col('id'), col('b_id')], { foreignKeys: [fk('a_b', 'b_id', 'b')] })
    const b = table('b', [col('id'), col('a_id')], { foreignKeys: [fk('b_a', 'a_id', 'a')] })
    const c = table('c', [col('id'), col('a_id')], { foreignKeys: [fk('c_a', 'a_id', 'a')] })
    const d = diffSchemas(emptySchema('test'), schema([c, b, a]))
    expect(d.changes.map((x) => x.summary)).toEqual(['+ CREATE TABLE b', '+ CREATE TABLE a', '+ CREATE TABLE c', '+ ADD FOREIGN KEY b.b_a'])
    const createB = d.changes[0]!
    expect(createB.kind === 'create_table' && createB.table.foreignKeys).toEqual([])
  })

  it('drops referencing tables before referenced ones, breaking cycles with foreign key drops', () => {
    const a = table('a', [col('id'), col('b_id')], { foreignKeys: [fk('a_b', 'b_id', 'b')] })
    const b = table('b', [col('id'), col('a_id')], { foreignKeys: [fk('b_a', 'a_id', 'a')] })
    const d = diffSchemas(schema([a, b]), emptySchema('test'))
    expect(d.changes.map((x) => x.summary)).toEqual(['- DROP FOREIGN KEY b.b_a', '! DROP TABLE a (DESTRUCTIVE)', '! DROP TABLE b (DESTRUCTIVE)'])
  })

  it('suggests a rename for a dropped and an added column of the same type, and hints NOT NULL backfills', () => {
    const from = schema([table('users', [col('id'), col('fullname', 'text'), col('age')])])
    const to = schema([table('users', [col('id'), col('display_name', 'text'), col('age', 'integer', { nullable: false })])])
    const d = diffSchemas(from, to)
    const drop = d.changes.find((c) => c.kind === 'drop_column')!
    expect(drop.destructive).toBe(true)
    expect(drop.hints[0]).toContain('ALTER TABLE users RENAME COLUMN fullname TO display_name')
    const alter = d.changes.find((c) => c.kind === 'alter_column')!
    expect(alter.summary).toBe('~ ALTER COLUMN users.age SET NOT NULL')
    expect(alter.hints[0]).toContain('backfill NULLs first')
  })

  it('recreates a view that reads a changed table, and the views that read it', () => {
    const t = (type: string) => table('t', [col('id'), col('x', type)])
    const views = [
      { name: 'v1', definition: 'select x from t', dependsOn: ['t'] },
      { name: 'v2', definition: 'select x from v1', dependsOn: ['v1'] },
    ]
    const d = diffSchemas(schema([t('integer')], { views }), schema([t('bigint')], { views }))
    expect(d.changes.map((x) => x.summary)).toEqual([
      '- DROP VIEW v2',
      '- DROP VIEW v1',
      '~ ALTER COLUMN t.x integer -> bigint',
      '+ CREATE VIEW v1',
      '+ CREATE VIEW v2',
    ])
  })

  it('ignores history tables and, for engines that cannot place columns, column order', () => {
    const from = schema([table('t', [col('a'), col('b')]), table('schema_migrations', [col('version', 'text')])])
    const to = schema([table('t', [col('b'), col('a')])])
    expect(diffSchemas(from, to, { ignoreTables: ['schema_migrations'] }).changes).toEqual([])
    const movable = diffSchemas({ ...from, movableColumns: true }, { ...to, movableColumns: true }, { ignoreTables: ['schema_migrations'] })
    expect(movable.changes.map((x) => x.summary)).toEqual(['~ ALTER COLUMN t.b MOVE FIRST', '~ ALTER COLUMN t.a MOVE AFTER b'])
  })

  it('adds enum values in place and recreates an enum that lost a value', () => {
    const e = (values: string[]) => schema([], { enums: [{ name: 'mood', values }] })
    expect(diffSchemas(e(['sad', 'happy']), e(['sad', 'ok', 'happy'])).changes.map((x) => x.summary)).toEqual(['~ ALTER TYPE mood ADD VALUE ok'])
    expect(diffSchemas(e(['sad', 'happy']), e(['sad'])).changes.map((x) => x.summary)).toEqual([
      '! DROP TYPE mood (DESTRUCTIVE)',
      '+ CREATE TYPE mood AS ENUM (sad)',
    ])
  })
})

describe('isWidening', () => {
  it.each([
    ['varchar(100)', 'varchar(200)', true],
    ['varchar(200)', 'varchar(100)', false],
    ['varchar(20)', 'text', true],
    ['text', 'varchar(20)', false],
    ['integer', 'bigint', true],
    ['bigint', 'integer', false],
    ['numeric(10,2)', 'numeric(12,2)', true],
    ['numeric(10,2)', 'numeric(10,3)', false],
    ['text', 'integer', false],
    ['int(11)', 'bigint(20)', true],
  ])('%s -> %s is %s', (a, b, expected) => {
    expect(isWidening(a, b)).toBe(expected)
  })
})
