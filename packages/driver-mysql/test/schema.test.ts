import { diffSchemas, renderMigration } from '@mig/core'
import { applySql, changeCasesFor, dumpRoundTrip, freshDatabase, mysqlDialectForTests, runChangeCase } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { createDriver } from '../src/index.js'

const freshMysqlDatabase = () => freshDatabase(mysqlDialectForTests, createDriver)

const RICH = `
CREATE TABLE users (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL DEFAULT 'anon', email varchar(190) UNIQUE,
  mood enum('sad','ok','happy'), age int CHECK (age >= 0), created_at timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  doc json, bio text, KEY idx_name_prefix (name(10)), FULLTEXT KEY ft_bio (bio)) COMMENT='people';
CREATE TABLE posts (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id int NOT NULL, title varchar(200) COMMENT 'headline',
  slug varchar(200) GENERATED ALWAYS AS (lower(title)) VIRTUAL, CONSTRAINT title_len CHECK (char_length(title) < 200),
  CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
CREATE VIEW user_posts AS SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id;
CREATE VIEW busy_users AS SELECT name FROM user_posts GROUP BY name HAVING count(*) > 1;
CREATE FUNCTION add1(x int) RETURNS int DETERMINISTIC RETURN x + 1;
CREATE TRIGGER posts_touch BEFORE INSERT ON posts FOR EACH ROW SET NEW.title = trim(NEW.title);
`

describe('MySQL schema: change types', () => {
  for (const { c, summary } of changeCasesFor('mysql')) {
    it(c.name, async () => {
      const r = await runChangeCase(freshMysqlDatabase, c)
      expect(r.summary).toEqual(summary)
      expect(r.afterUp).toEqual([])
      expect(r.afterDown).toEqual([])
      expect(r.upTwice).toEqual([])
    })
  }
})

describe('MySQL schema: dump', () => {
  it('is deterministic: dump -> apply to empty -> dump gives identical text', async () => {
    const { first, second, remaining } = await dumpRoundTrip(freshMysqlDatabase, RICH)
    expect(second).toBe(first)
    expect(first).toContain('`created_at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp()')
    expect(first).toContain('KEY `idx_name_prefix` (`name`(10))')
    expect(first).toContain('`doc` json NULL')
    expect(first).toContain('CONSTRAINT `posts_user_fk` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE')
    expect(first).toContain('CREATE TRIGGER `posts_touch` BEFORE INSERT ON `posts` FOR EACH ROW')
    expect(first.indexOf('CREATE VIEW `user_posts`')).toBeLessThan(first.indexOf('CREATE VIEW `busy_users`'))
    expect(first.indexOf('CREATE VIEW `user_posts`')).toBeGreaterThan(0)
    expect(remaining).toEqual([])
  })
})

describe('MySQL schema: column order and types', () => {
  it('adds a column in its place (AFTER) and keeps data through MODIFY COLUMN', async () => {
    const a = await freshMysqlDatabase()
    const b = await freshMysqlDatabase()
    try {
      await applySql(a.driver, "CREATE TABLE t (id int PRIMARY KEY, n varchar(10), m text); INSERT INTO t VALUES (1, 'abc', '42');")
      await applySql(b.driver, 'CREATE TABLE t (id int PRIMARY KEY, phone varchar(20), n varchar(50), m int);')
      const diff = diffSchemas(await a.driver.introspect(), await b.driver.introspect())
      expect(diff.changes.map((c) => c.summary)).toEqual([
        '+ ADD COLUMN t.phone varchar(20)',
        '~ ALTER COLUMN t.n varchar(10) -> varchar(50)',
        '! ALTER COLUMN t.m text -> int(11) (DESTRUCTIVE)',
      ])
      const up = renderMigration(diff, a.driver.ddl, { allowDestructive: true })
      expect(up.sql).toContain('ALTER TABLE `t` ADD COLUMN `phone` varchar(20) NULL AFTER `id`;')
      await applySql(a.driver, up.sql)
      expect(await a.driver.query('SELECT * FROM t')).toEqual([{ id: 1, phone: null, n: 'abc', m: 42 }])
      expect(JSON.stringify((await a.driver.introspect()).tables[0]!.columns.map((c) => c.name))).toBe('["id","phone","n","m"]')
      expect(diffSchemas(await a.driver.introspect(), await b.driver.introspect()).changes).toEqual([])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
