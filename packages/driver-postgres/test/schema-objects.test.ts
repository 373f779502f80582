import { freshDatabase, postgresDialectForTests, runChangeCase } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { createDriver } from '../src/index.js'

const freshPgDatabase = () => freshDatabase(postgresDialectForTests, createDriver)

const T = 'CREATE TABLE t (id int PRIMARY KEY, n int, owner text);\n'
const CONCAT = "CREATE FUNCTION cat(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a || ',', '') || b $$;\n"

/** Objects kept by their definition are created, dropped and replaced; up, down and up again converge. */
const CASES = [
  {
    name: 'domain created before the function its check calls and the table using it',
    from: '',
    to: `CREATE FUNCTION is_even(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x % 2 = 0 $$;
CREATE DOMAIN even AS int CHECK (is_even(VALUE));
CREATE TABLE t (id int PRIMARY KEY, n even);`,
    summary: ['+ CREATE FUNCTION is_even(x integer)', '+ CREATE DOMAIN even', '+ CREATE TABLE t'],
  },
  {
    name: 'rule, policy and row-level security added and changed',
    from: `${T}CREATE TABLE t_log (id int);\nCREATE RULE t_ins AS ON INSERT TO t DO ALSO INSERT INTO t_log VALUES (new.id);\n`,
    to: `${T}CREATE TABLE t_log (id int);\nCREATE RULE t_ins AS ON INSERT TO t DO ALSO INSERT INTO t_log VALUES (new.id + 1);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY mine ON t USING (owner = current_user);\n`,
    summary: ['- DROP RULE t_ins', '+ CREATE ROW-LEVEL SECURITY SETTING t', '+ CREATE POLICY mine', '+ CREATE RULE t_ins'],
  },
  {
    name: 'aggregate created after its state function, before the view using it',
    from: T,
    to: `${T}${CONCAT}CREATE AGGREGATE cat_all(text) (SFUNC = cat, STYPE = text);\nCREATE VIEW owners AS SELECT cat_all(owner) AS all_owners FROM t;\n`,
    summary: ['+ CREATE FUNCTION cat(a text, b text)', '+ CREATE AGGREGATE cat_all', '+ CREATE VIEW owners'],
  },
  {
    name: 'an index of a recreated materialized view comes back',
    from: `${T}CREATE MATERIALIZED VIEW mv AS SELECT id, n FROM t;\nCREATE UNIQUE INDEX mv_id ON mv (id);\n`,
    to: `${T}CREATE MATERIALIZED VIEW mv AS SELECT id, n, owner FROM t;\nCREATE UNIQUE INDEX mv_id ON mv (id);\n`,
    summary: ['- DROP MATERIALIZED VIEW mv', '+ CREATE MATERIALIZED VIEW mv', '+ CREATE MATERIALIZED VIEW INDEX mv_id'],
  },
]

describe('PostgreSQL schema: objects kept by their definition', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const r = await runChangeCase(freshPgDatabase, c)
      expect(r.summary).toEqual(c.summary)
      expect(r.afterUp).toEqual([])
      expect(r.afterDown).toEqual([])
      expect(r.upTwice).toEqual([])
    })
  }

  it('a changed domain is a destructive change with a hint', async () => {
    const r = await runChangeCase(freshPgDatabase, {
      name: 'domain changed',
      from: 'CREATE DOMAIN pct AS int CHECK (VALUE BETWEEN 0 AND 100);',
      to: 'CREATE DOMAIN pct AS int CHECK (VALUE BETWEEN 0 AND 1000);',
      summary: [],
    })
    expect(r.summary).toEqual(['! DROP DOMAIN pct (DESTRUCTIVE)', '+ CREATE DOMAIN pct'])
    expect(r.up).toContain('-- hint: domain pct changed: dropping it fails while columns use it')
    expect(r.afterUp).toEqual([])
  })
})
