import { type Driver, diffSchemas, renderMigration, type Schema } from '@mig/core'

/** One change-type case: `from` and `to` are SQL scripts; `summary` are expected summary lines. */
export interface SchemaChangeCase {
  name: string
  from: string
  to: string
  /** Exact summary lines, in order; per dialect overrides in `summaryBy`. */
  summary: string[]
  summaryBy?: Record<string, string[]>
  /** Only on these dialects. */
  only?: string[]
}

const USERS = 'CREATE TABLE users (id integer NOT NULL PRIMARY KEY, name varchar(100) NOT NULL, email varchar(200));\n'
const ORDERS = 'CREATE TABLE orders (id integer NOT NULL PRIMARY KEY, user_id integer NOT NULL, total integer);\n'

/** Change types every dialect must detect, apply and reverse. */
export const SCHEMA_CHANGE_CASES: SchemaChangeCase[] = [
  { name: 'create table', from: '', to: USERS, summary: ['+ CREATE TABLE users'] },
  { name: 'drop table', from: `${USERS}CREATE TABLE old_logs (id integer);\n`, to: USERS, summary: ['! DROP TABLE old_logs (DESTRUCTIVE)'] },
  { name: 'add column', from: USERS, to: USERS.replace('email varchar(200))', 'email varchar(200), phone varchar(20))'), summary: ['+ ADD COLUMN users.phone varchar(20)'] },
  { name: 'drop column', from: USERS, to: USERS.replace(', email varchar(200))', ')'), summary: ['! DROP COLUMN users.email (DESTRUCTIVE)'] },
  { name: 'widen a type', from: USERS, to: USERS.replace('name varchar(100)', 'name varchar(200)'), summary: ['~ ALTER COLUMN users.name varchar(100) -> varchar(200)'] },
  { name: 'narrow a type', from: USERS, to: USERS.replace('email varchar(200)', 'email varchar(50)'), summary: ['! ALTER COLUMN users.email varchar(200) -> varchar(50) (DESTRUCTIVE)'] },
  { name: 'set not null', from: USERS, to: USERS.replace('email varchar(200)', 'email varchar(200) NOT NULL'), summary: ['~ ALTER COLUMN users.email SET NOT NULL'] },
  { name: 'drop not null', from: USERS, to: USERS.replace('name varchar(100) NOT NULL', 'name varchar(100)'), summary: ['~ ALTER COLUMN users.name DROP NOT NULL'] },
  {
    name: 'set a default',
    from: USERS,
    to: USERS.replace('email varchar(200)', "email varchar(200) DEFAULT 'none'"),
    summary: ["~ ALTER COLUMN users.email DEFAULT 'none'"],
    summaryBy: { postgres: ["~ ALTER COLUMN users.email DEFAULT 'none'::character varying"] },
  },
  { name: 'add index', from: USERS, to: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`, summary: ['+ CREATE INDEX idx_users_email ON users'] },
  { name: 'drop index', from: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`, to: USERS, summary: ['- DROP INDEX idx_users_email'] },
  { name: 'change index', from: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`, to: `${USERS}CREATE UNIQUE INDEX idx_users_email ON users (email, name);\n`, summary: ['- DROP INDEX idx_users_email', '+ CREATE UNIQUE INDEX idx_users_email ON users'] },
  {
    name: 'add unique constraint',
    from: USERS,
    to: USERS.replace('email varchar(200))', 'email varchar(200), CONSTRAINT users_email_key UNIQUE (email))'),
    summary: ['+ ADD UNIQUE users.users_email_key'],
    // MySQL: a UNIQUE constraint is a unique index
    summaryBy: { mysql: ['+ CREATE UNIQUE INDEX users_email_key ON users'] },
  },
  {
    name: 'add check constraint',
    from: USERS,
    to: USERS.replace('email varchar(200))', "email varchar(200), CONSTRAINT email_at CHECK (email LIKE '%@%'))"),
    summary: ['+ ADD CHECK users.email_at'],
  },
  {
    name: 'add foreign key',
    from: USERS + ORDERS,
    to: USERS + ORDERS.replace('total integer)', 'total integer, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)'),
    summary: ['+ ADD FOREIGN KEY orders.orders_user_fk'],
  },
  {
    name: 'create tables in dependency order',
    from: '',
    // `orders` sorts before `users`: the referenced table must still be created first
    to: `${USERS}${ORDERS.replace('total integer)', 'total integer, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id))')}`,
    summary: ['+ CREATE TABLE users', '+ CREATE TABLE orders'],
  },
  {
    name: 'drop tables in dependency order',
    from: `${USERS}${ORDERS.replace('total integer)', 'total integer, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id))')}`,
    to: '',
    summary: ['! DROP TABLE orders (DESTRUCTIVE)', '! DROP TABLE users (DESTRUCTIVE)'],
  },
  { name: 'create view', from: USERS, to: `${USERS}CREATE VIEW named_users AS SELECT id, name FROM users WHERE name IS NOT NULL;\n`, summary: ['+ CREATE VIEW named_users'] },
  {
    name: 'change view',
    from: `${USERS}CREATE VIEW named_users AS SELECT id, name FROM users;\n`,
    to: `${USERS}CREATE VIEW named_users AS SELECT id, name, email FROM users;\n`,
    summary: ['- DROP VIEW named_users', '+ CREATE VIEW named_users'],
  },
]

/** Apply a script on a driver (skips empty scripts). */
export async function applySql(driver: Driver, sql: string): Promise<void> {
  if (sql.trim()) await driver.runScript(driver, { sql })
}

/** Run one change case on two fresh databases; returns what the test asserts on. */
export async function runChangeCase(
  open: () => Promise<{ driver: Driver; close(): Promise<void> }>,
  c: SchemaChangeCase,
): Promise<{ summary: string[]; up: string; afterUp: string[]; afterDown: string[]; upTwice: string[] }> {
  const a = await open()
  const b = await open()
  try {
    await applySql(a.driver, c.from)
    await applySql(b.driver, c.to)
    const from: Schema = await a.driver.introspect!()
    const to: Schema = await b.driver.introspect!()
    const diff = diffSchemas(from, to)
    const up = renderMigration(diff, a.driver.ddl!, { allowDestructive: true })
    await applySql(a.driver, up.sql)
    const mid = await a.driver.introspect!()
    const afterUp = diffSchemas(mid, to).changes.map((x) => x.summary)
    const down = renderMigration(diffSchemas(mid, from), a.driver.ddl!, { allowDestructive: true })
    await applySql(a.driver, down.sql)
    const afterDown = diffSchemas(await a.driver.introspect!(), from).changes.map((x) => x.summary)
    await applySql(a.driver, up.sql)
    const upTwice = diffSchemas(await a.driver.introspect!(), to).changes.map((x) => x.summary)
    return { summary: diff.changes.map((x) => x.summary), up: up.sql, afterUp, afterDown, upTwice }
  } finally {
    await a.close()
    await b.close()
  }
}
