import { diffSchemas, renderMigration } from '@mig/core'
import { applySql, runChangeCase, changeCasesFor, dumpRoundTrip } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { createDriver, type SqliteDriver } from '../src/index.js'

async function open(): Promise<{ driver: SqliteDriver; close(): Promise<void> }> {
  const driver = createDriver('sqlite::memory:')
  await driver.connect()
  return { driver, close: () => driver.close() }
}

const RICH = `
CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT, name varchar(100) NOT NULL DEFAULT 'anon', email text UNIQUE COLLATE NOCASE,
  age int CHECK (age >= 0), created_at text DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX idx_users_lower_name ON users (lower(name)) WHERE age IS NOT NULL;
CREATE INDEX idx_users_age ON users (age DESC, name);
CREATE TABLE posts (id integer PRIMARY KEY, user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE SET NULL,
  title text, slug text GENERATED ALWAYS AS (lower(title)) VIRTUAL, CONSTRAINT title_len CHECK (length(title) < 200));
CREATE TABLE tags (post_id int, tag text, PRIMARY KEY (post_id, tag), FOREIGN KEY (post_id) REFERENCES posts (id)) WITHOUT ROWID;
CREATE VIEW user_posts AS SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id;
CREATE VIEW busy_users AS SELECT name FROM user_posts GROUP BY name HAVING count(*) > 1;
CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN UPDATE users SET age = age WHERE id = NEW.user_id; END;
`

describe('SQLite schema: change types', () => {
  for (const { c, summary } of changeCasesFor('sqlite')) {
    it(c.name, async () => {
      const r = await runChangeCase(open, c)
      expect(r.summary).toEqual(summary)
      expect(r.afterUp).toEqual([])
      expect(r.afterDown).toEqual([])
      expect(r.upTwice).toEqual([])
    })
  }
})

describe('SQLite schema: dump', () => {
  it('is deterministic: dump -> apply to empty -> dump gives identical text', async () => {
    const { first, second, remaining } = await dumpRoundTrip(open, RICH)
    expect(second).toBe(first)
    expect(first).toContain('CREATE TABLE "users" (\n  "id" integer PRIMARY KEY AUTOINCREMENT,')
    expect(first).toContain('"slug" text GENERATED ALWAYS AS (lower(title)) VIRTUAL')
    expect(first).toContain(') WITHOUT ROWID;')
    expect(first).toContain('CREATE INDEX "idx_users_lower_name" ON "users" (lower(name)) WHERE age IS NOT NULL;')
    // referenced tables first, dependent views after the views they read
    expect(first.indexOf('CREATE TABLE "users"')).toBeLessThan(first.indexOf('CREATE TABLE "posts"'))
    expect(first.indexOf('CREATE TABLE "posts"')).toBeLessThan(first.indexOf('CREATE TABLE "tags"'))
    expect(first.indexOf('CREATE VIEW user_posts')).toBeLessThan(first.indexOf('CREATE VIEW busy_users'))
    expect(remaining).toEqual([])
  })
})

describe('SQLite schema: safety and data', () => {
  it('comments out destructive changes unless allowed, and suggests a rename', async () => {
    const a = await open()
    const b = await open()
    await applySql(a.driver, 'CREATE TABLE users (id integer PRIMARY KEY, fullname text, age int); CREATE TABLE old_logs (x int);')
    await applySql(b.driver, 'CREATE TABLE users (id integer PRIMARY KEY, display_name text, age int NOT NULL);')
    const diff = diffSchemas(await a.driver.introspect(), await b.driver.introspect())
    expect(diff.changes.map((c) => c.summary)).toEqual([
      '! DROP TABLE old_logs (DESTRUCTIVE)',
      '! DROP COLUMN users.fullname (DESTRUCTIVE)',
      '+ ADD COLUMN users.display_name text',
      '~ ALTER COLUMN users.age SET NOT NULL',
    ])
    const guarded = renderMigration(diff, a.driver.ddl)
    expect(guarded.skippedDestructive).toBeGreaterThan(0)
    expect(guarded.sql).toContain('-- WARNING: destructive change, commented out (pass --allow-destructive to apply):\n-- DROP TABLE "old_logs";')
    expect(guarded.sql).toMatch(
      /-- hint: users\.fullname is dropped and users\.display_name \(text\) added: if this is a rename, use ALTER TABLE users RENAME COLUMN fullname TO display_name/,
    )
    expect(guarded.sql).toContain('-- hint: users.age becomes NOT NULL: backfill NULLs first')
    await applySql(a.driver, guarded.sql)
    expect((await a.driver.introspect()).tables.map((t) => t.name)).toContain('old_logs')
    const allowed = renderMigration(diff, a.driver.ddl, { allowDestructive: true })
    expect(allowed.skippedDestructive).toBe(0)
    await applySql(a.driver, allowed.sql)
    expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes).toEqual([])
    await a.close()
    await b.close()
  })

  it('keeps rows and child rows (ON DELETE CASCADE) through a table rebuild', async () => {
    const a = await open()
    const b = await open()
    const parent = (t: string) =>
      `CREATE TABLE users (id integer PRIMARY KEY, name ${t}); CREATE TABLE posts (id integer PRIMARY KEY, user_id int REFERENCES users (id) ON DELETE CASCADE);`
    await applySql(a.driver, parent('varchar(10)'))
    await applySql(a.driver, "INSERT INTO users VALUES (1, 'ann'), (2, 'bob'); INSERT INTO posts VALUES (10, 1), (11, 2);")
    await applySql(b.driver, parent('varchar(50) NOT NULL'))
    const up = renderMigration(diffSchemas(await a.driver.introspect(), await b.driver.introspect()), a.driver.ddl, { allowDestructive: true })
    expect(up.transactional).toBe(false)
    expect(up.sql.startsWith('-- mig:no-transaction\nPRAGMA foreign_keys = OFF;\nBEGIN;\n')).toBe(true)
    await applySql(a.driver, up.sql)
    expect(await a.driver.query('SELECT id, name FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'bob' },
    ])
    expect(await a.driver.query('SELECT count(*) AS n FROM posts')).toEqual([{ n: 2 }])
    expect(await a.driver.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }])
    expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes).toEqual([])
    await a.close()
    await b.close()
  })

  it('matches names case-insensitively, like SQLite', async () => {
    const a = await open()
    const b = await open()
    await applySql(a.driver, 'CREATE TABLE USERS (id integer PRIMARY KEY);')
    await applySql(b.driver, 'CREATE TABLE users (id integer PRIMARY KEY, name text);')
    expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes.map((c) => c.summary)).toEqual(['+ ADD COLUMN users.name text'])
    await a.close()
    await b.close()
  })
})
