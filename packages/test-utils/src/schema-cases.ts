import { type Driver, diffSchemas, dumpSchema, renderMigration, type Schema } from '@mig/core'

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
  {
    name: 'add column',
    from: USERS,
    to: USERS.replace('email varchar(200))', 'email varchar(200), phone varchar(20))'),
    summary: ['+ ADD COLUMN users.phone varchar(20)'],
  },
  { name: 'drop column', from: USERS, to: USERS.replace(', email varchar(200))', ')'), summary: ['! DROP COLUMN users.email (DESTRUCTIVE)'] },
  {
    name: 'widen a type',
    from: USERS,
    to: USERS.replace('name varchar(100)', 'name varchar(200)'),
    summary: ['~ ALTER COLUMN users.name varchar(100) -> varchar(200)'],
  },
  {
    name: 'narrow a type',
    from: USERS,
    to: USERS.replace('email varchar(200)', 'email varchar(50)'),
    summary: ['! ALTER COLUMN users.email varchar(200) -> varchar(50) (DESTRUCTIVE)'],
  },
  {
    name: 'set not null',
    from: USERS,
    to: USERS.replace('email varchar(200)', 'email varchar(200) NOT NULL'),
    summary: ['~ ALTER COLUMN users.email SET NOT NULL'],
  },
  {
    name: 'drop not null',
    from: USERS,
    to: USERS.replace('name varchar(100) NOT NULL', 'name varchar(100)'),
    summary: ['~ ALTER COLUMN users.name DROP NOT NULL'],
  },
  {
    name: 'set a default',
    from: USERS,
    to: USERS.replace('email varchar(200)', "email varchar(200) DEFAULT 'none'"),
    summary: ["~ ALTER COLUMN users.email DEFAULT 'none'"],
    summaryBy: { postgres: ["~ ALTER COLUMN users.email DEFAULT 'none'::character varying"] },
  },
  { name: 'add index', from: USERS, to: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`, summary: ['+ CREATE INDEX idx_users_email ON users'] },
  { name: 'drop index', from: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`, to: USERS, summary: ['- DROP INDEX idx_users_email'] },
  {
    name: 'change index',
    from: `${USERS}CREATE INDEX idx_users_email ON users (email);\n`,
    to: `${USERS}CREATE UNIQUE INDEX idx_users_email ON users (email, name);\n`,
    summary: ['- DROP INDEX idx_users_email', '+ CREATE UNIQUE INDEX idx_users_email ON users'],
  },
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
  {
    name: 'create view',
    from: USERS,
    to: `${USERS}CREATE VIEW named_users AS SELECT id, name FROM users WHERE name IS NOT NULL;\n`,
    summary: ['+ CREATE VIEW named_users'],
  },
  {
    name: 'change view',
    from: `${USERS}CREATE VIEW named_users AS SELECT id, name FROM users;\n`,
    to: `${USERS}CREATE VIEW named_users AS SELECT id, name, email FROM users;\n`,
    summary: ['- DROP VIEW named_users', '+ CREATE VIEW named_users'],
  },
  // dialect-specific objects
  {
    name: 'create enum and use it',
    only: ['postgres'],
    from: USERS,
    to: `CREATE TYPE mood AS ENUM ('sad', 'happy');\n${USERS.replace('email varchar(200))', 'email varchar(200), mood mood)')}`,
    summary: ['+ CREATE TYPE mood AS ENUM (sad, happy)', '+ ADD COLUMN users.mood mood'],
  },
  {
    name: 'alter a sequence',
    only: ['postgres'],
    from: 'CREATE SEQUENCE invoice_no START WITH 100;\n',
    to: 'CREATE SEQUENCE invoice_no START WITH 100 INCREMENT BY 5 CYCLE;\n',
    summary: ['~ ALTER SEQUENCE invoice_no'],
  },
  {
    name: 'identity column',
    only: ['postgres'],
    from: 'CREATE TABLE t (id integer NOT NULL PRIMARY KEY);\n',
    to: 'CREATE TABLE t (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);\n',
    summary: ['~ ALTER COLUMN t.id IDENTITY by default'],
  },
  {
    name: 'table and column comments',
    only: ['postgres'],
    from: USERS,
    to: `${USERS}COMMENT ON TABLE users IS 'people';\n`,
    summary: ['~ COMMENT ON TABLE users'],
  },
  {
    name: 'table comment',
    only: ['mysql'],
    from: USERS,
    to: USERS.replace(');\n', ") COMMENT='people';\n"),
    summary: ['~ COMMENT ON TABLE users'],
  },
  {
    name: 'materialized view',
    only: ['postgres'],
    from: USERS,
    to: `${USERS}CREATE MATERIALIZED VIEW user_names AS SELECT name FROM users;\n`,
    summary: ['+ CREATE MATERIALIZED VIEW user_names'],
  },
  {
    name: 'change a function and its trigger',
    only: ['postgres'],
    from: `${USERS}CREATE FUNCTION trim_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := trim(NEW.name); RETURN NEW; END $$;\nCREATE TRIGGER users_trim BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION trim_name();\n`,
    to: `${USERS}CREATE FUNCTION trim_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := lower(trim(NEW.name)); RETURN NEW; END $$;\nCREATE TRIGGER users_trim BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION trim_name();\n`,
    summary: ['- DROP TRIGGER users_trim', '~ REPLACE FUNCTION trim_name()', '+ CREATE TRIGGER users_trim ON users'],
  },
  {
    name: 'change a trigger',
    only: ['mysql'],
    from: `${USERS}CREATE TRIGGER users_trim BEFORE INSERT ON users FOR EACH ROW SET NEW.name = trim(NEW.name);\n`,
    to: `${USERS}CREATE TRIGGER users_trim BEFORE INSERT ON users FOR EACH ROW SET NEW.name = lower(trim(NEW.name));\n`,
    summary: ['- DROP TRIGGER users_trim', '+ CREATE TRIGGER users_trim ON users'],
  },
  {
    name: 'change a trigger',
    only: ['sqlite'],
    from: `${USERS}CREATE TRIGGER users_trim AFTER INSERT ON users BEGIN UPDATE users SET name = trim(name) WHERE id = NEW.id; END;\n`,
    to: `${USERS}CREATE TRIGGER users_trim AFTER INSERT ON users BEGIN UPDATE users SET name = lower(trim(name)) WHERE id = NEW.id; END;\n`,
    summary: ['- DROP TRIGGER users_trim', '+ CREATE TRIGGER users_trim ON users'],
  },
  {
    name: 'create a procedure',
    only: ['mysql'],
    from: USERS,
    to: `${USERS}CREATE PROCEDURE count_users(OUT n int) BEGIN SELECT count(*) INTO n FROM users; END;\n`,
    summary: ['+ CREATE PROCEDURE count_users'],
  },
  {
    name: 'move a column',
    only: ['sqlite', 'mysql'],
    from: USERS,
    to: 'CREATE TABLE users (id integer NOT NULL PRIMARY KEY, email varchar(200), name varchar(100) NOT NULL);\n',
    summary: ['~ ALTER COLUMN users.email MOVE AFTER id', '~ ALTER COLUMN users.name MOVE AFTER email'],
  },
]

/** Apply a script on a driver (skips empty scripts). */
export async function applySql(driver: Driver, sql: string): Promise<void> {
  if (sql.trim()) await driver.runScript(driver, { sql })
}

/** Opens a fresh, empty database of one dialect. */
export type OpenFreshDatabase = () => Promise<{ driver: Driver; close(): Promise<void> }>

/** The change cases that apply to a dialect, each with the summary lines expected there. */
export function changeCasesFor(dialect: string): { c: SchemaChangeCase; summary: string[] }[] {
  return SCHEMA_CHANGE_CASES.filter((c) => !c.only || c.only.includes(dialect)).map((c) => ({ c, summary: c.summaryBy?.[dialect] ?? c.summary }))
}

/**
 * Dump a database built from `sql`, apply the dump to an empty database and dump that again.
 * `remaining` is what a diff between the two databases still finds (empty when the dump is faithful).
 */
export async function dumpRoundTrip(open: OpenFreshDatabase, sql: string): Promise<{ first: string; second: string; remaining: string[] }> {
  const a = await open()
  const b = await open()
  try {
    await applySql(a.driver, sql)
    const first = dumpSchema(await a.driver.introspect!(), a.driver.ddl!)
    await applySql(b.driver, first)
    const second = dumpSchema(await b.driver.introspect!(), b.driver.ddl!)
    const remaining = diffSchemas(await a.driver.introspect!(), await b.driver.introspect!()).changes.map((x) => x.summary)
    return { first, second, remaining }
  } finally {
    await a.close()
    await b.close()
  }
}

/** Run one change case on two fresh databases; returns what the test asserts on. */
export async function runChangeCase(
  open: OpenFreshDatabase,
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
