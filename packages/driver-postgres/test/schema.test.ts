import { diffSchemas, dumpSchema, renderMigration } from '@mig/core'
import { applySql, changeCasesFor, dumpRoundTrip, freshDatabase, postgresDialectForTests, runChangeCase } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { createDriver } from '../src/index.js'

const freshPgDatabase = () => freshDatabase(postgresDialectForTests, createDriver)

const RICH = `
CREATE SCHEMA audit;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE invoice_no START WITH 1000 INCREMENT BY 5;
CREATE TABLE users (id serial PRIMARY KEY, name varchar(100) NOT NULL DEFAULT 'anon', email text UNIQUE, mood mood,
  age int CHECK (age >= 0), created_at timestamptz NOT NULL DEFAULT now(), tags text[]);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'login';
CREATE INDEX idx_users_lower_name ON users (lower(name)) WHERE age IS NOT NULL;
CREATE INDEX idx_users_tags ON users USING gin (tags);
CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text, slug text GENERATED ALWAYS AS (lower(title)) STORED, CONSTRAINT title_len CHECK (length(title) < 200));
CREATE TABLE audit.events (id int PRIMARY KEY, post_id bigint REFERENCES posts (id) DEFERRABLE INITIALLY DEFERRED, at timestamp(3));
CREATE VIEW user_posts AS SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id;
CREATE VIEW busy_users AS SELECT name FROM user_posts GROUP BY name HAVING count(*) > 1;
CREATE MATERIALIZED VIEW post_counts AS SELECT user_id, count(*) AS n FROM posts GROUP BY user_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := trim(NEW.title); RETURN NEW; END $$;
CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch();
CREATE PROCEDURE noop(a int) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
`

describe('PostgreSQL schema: change types', () => {
  for (const { c, summary } of changeCasesFor('postgres')) {
    it(c.name, async () => {
      const r = await runChangeCase(freshPgDatabase, c)
      expect(r.summary).toEqual(summary)
      expect(r.afterUp).toEqual([])
      expect(r.afterDown).toEqual([])
      expect(r.upTwice).toEqual([])
    })
  }
})

describe('PostgreSQL schema: dump', () => {
  it('is deterministic: dump -> apply to empty -> dump gives identical text', async () => {
    const { first, second, remaining } = await dumpRoundTrip(freshPgDatabase, RICH)
    expect(second).toBe(first)
    expect(first).toContain("CREATE TYPE \"mood\" AS ENUM ('sad', 'ok', 'happy');")
    expect(first).toContain('"id" serial,')
    expect(first).toContain('"id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL')
    expect(first).toContain('CREATE TABLE "audit"."events"')
    expect(first).toContain(') PARTITION BY RANGE (at);')
    expect(first).toContain('COMMENT ON COLUMN "users"."email" IS \'login\';')
    expect(first.indexOf('CREATE VIEW "user_posts"')).toBeLessThan(first.indexOf('CREATE VIEW "busy_users"'))
    expect(remaining).toEqual([])
  })
})

describe('PostgreSQL schema: portable definitions', () => {
  it('a dump taken in schema app applies to public and compares equal', async () => {
    const a = await freshPgDatabase()
    const b = await freshPgDatabase()
    try {
      await applySql(a.driver, 'CREATE SCHEMA app; SET search_path = app;')
      await applySql(a.driver, RICH.replace('CREATE SCHEMA audit;', 'CREATE SCHEMA audit;'))
      const dump = dumpSchema(await a.driver.introspect(), a.driver.ddl)
      expect(dump).not.toContain('app.')
      await applySql(b.driver, dump)
      expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes).toEqual([])
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('PostgreSQL schema: enums, functions, triggers', () => {
  it('adds an enum value in place and replaces a changed function', async () => {
    const a = await freshPgDatabase()
    const b = await freshPgDatabase()
    try {
      const fn = (body: string) => `CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT ${body} $$;`
      await applySql(a.driver, `CREATE TYPE mood AS ENUM ('sad', 'happy'); ${fn('x')}`)
      await applySql(b.driver, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); ${fn('x + 1')}`)
      const diff = diffSchemas(await a.driver.introspect(), await b.driver.introspect())
      expect(diff.changes.map((c) => c.summary)).toEqual(['~ ALTER TYPE mood ADD VALUE ok', '~ REPLACE FUNCTION f(x integer)'])
      const up = renderMigration(diff, a.driver.ddl)
      expect(up.sql).toContain("ALTER TYPE \"mood\" ADD VALUE 'ok' BEFORE 'happy';")
      expect(up.transactional).toBe(false)
      await applySql(a.driver, up.sql)
      expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes).toEqual([])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('keeps data through a widening type change and writes a USING cast for a narrowing one', async () => {
    const a = await freshPgDatabase()
    const b = await freshPgDatabase()
    try {
      await applySql(a.driver, "CREATE TABLE t (id int PRIMARY KEY, n varchar(10), m text); INSERT INTO t VALUES (1, 'abc', '42');")
      await applySql(b.driver, 'CREATE TABLE t (id int PRIMARY KEY, n varchar(50), m integer);')
      const diff = diffSchemas(await a.driver.introspect(), await b.driver.introspect())
      expect(diff.changes.map((c) => c.summary)).toEqual(['~ ALTER COLUMN t.n varchar(10) -> varchar(50)', '! ALTER COLUMN t.m text -> integer (DESTRUCTIVE)'])
      const up = renderMigration(diff, a.driver.ddl, { allowDestructive: true })
      expect(up.sql).toContain('ALTER TABLE "t" ALTER COLUMN "m" TYPE integer USING "m"::integer;')
      await applySql(a.driver, up.sql)
      expect(await a.driver.query('SELECT n, m FROM t')).toEqual([{ n: 'abc', m: 42 }])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
