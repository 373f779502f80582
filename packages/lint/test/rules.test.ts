import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { lintScript, RULES } from '../src/index.js'

/** The rule ids a script is reported for (in order), on `engine`. */
async function rules(sql: string, engine = 'postgres', transaction = true): Promise<string[]> {
  return (await lintScript({ sql, engine, transaction })).findings.map((finding) => finding.rule)
}

const MYSQL_SPLIT = { delimiterCommand: true, backslashEscapes: true }
const mysql = async (sql: string) => (await lintScript({ sql, engine: 'mysql', transaction: false, splitOptions: MYSQL_SPLIT })).findings.map((f) => f.rule)

// every case starts with a timeout set, so require-lock-timeout stays out of the way
const T = "SET lock_timeout = '2s';\n"

/** Each rule: statements it reports, statements it does not, and the same statements on a table created earlier in the script. */
const CASES: { rule: string; engine?: string; bad: string[]; good: string[]; newTable?: string[] }[] = [
  {
    rule: 'require-concurrent-index',
    bad: [
      'CREATE INDEX i ON users (email)',
      'CREATE UNIQUE INDEX i ON app.users (email)',
      'DROP INDEX i',
      'ALTER TABLE users ADD PRIMARY KEY (id)',
      'ALTER TABLE users ADD CONSTRAINT u UNIQUE (email)',
      'ALTER TABLE users ADD CONSTRAINT e EXCLUDE USING gist (email WITH =)',
    ],
    good: ['CREATE INDEX CONCURRENTLY i ON users (email)', 'DROP INDEX CONCURRENTLY i', 'ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX i'],
    newTable: ['CREATE INDEX i ON users (email)', 'ALTER TABLE users ADD PRIMARY KEY (id)'],
  },
  {
    rule: 'constraint-missing-not-valid',
    bad: [
      'ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org) REFERENCES orgs (id)',
      'ALTER TABLE users ADD CONSTRAINT c CHECK (age > 0)',
      'ALTER TABLE users ADD COLUMN org bigint REFERENCES orgs (id)',
    ],
    good: [
      'ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org) REFERENCES orgs (id) NOT VALID',
      'ALTER TABLE users ADD CONSTRAINT c CHECK (age > 0) NOT VALID',
      'ALTER TABLE users VALIDATE CONSTRAINT f',
    ],
    newTable: ['ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org) REFERENCES orgs (id)'],
  },
  {
    rule: 'ban-set-not-null',
    bad: ['ALTER TABLE users ALTER COLUMN email SET NOT NULL'],
    good: ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'ALTER TABLE users ADD COLUMN flag boolean NOT NULL DEFAULT false'],
    newTable: ['ALTER TABLE users ALTER COLUMN email SET NOT NULL'],
  },
  {
    rule: 'table-rewrite',
    bad: [
      'ALTER TABLE users ALTER COLUMN id TYPE bigint',
      'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp()',
      'ALTER TABLE users ADD COLUMN n bigserial',
      'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY',
      'ALTER TABLE users ADD COLUMN total int GENERATED ALWAYS AS (a + b) STORED',
      'ALTER TABLE users SET TABLESPACE fast',
      'ALTER TABLE users SET LOGGED',
      'VACUUM FULL users',
      'CLUSTER users USING users_pkey',
    ],
    good: [
      'ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now()',
      "ALTER TABLE users ADD COLUMN state text DEFAULT 'new'",
      'ALTER TABLE users ADD COLUMN n int',
      'VACUUM users',
    ],
    newTable: ['ALTER TABLE users ALTER COLUMN id TYPE bigint', 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()'],
  },
  {
    rule: 'ban-drop-table',
    bad: ['DROP TABLE users', 'DROP TABLE IF EXISTS app.users, other'],
    good: ['DROP VIEW users_view', 'DROP INDEX CONCURRENTLY i'],
    newTable: ['DROP TABLE users'],
  },
  {
    rule: 'ban-drop-column',
    bad: ['ALTER TABLE users DROP COLUMN email', 'ALTER TABLE users DROP email'],
    good: ['ALTER TABLE users DROP CONSTRAINT c'],
    newTable: ['ALTER TABLE users DROP COLUMN email'],
  },
  {
    rule: 'ban-rename',
    bad: ['ALTER TABLE users RENAME TO people', 'ALTER TABLE users RENAME COLUMN email TO mail', 'ALTER TABLE users RENAME email TO mail'],
    good: ['ALTER INDEX i RENAME TO j', 'ALTER TABLE users RENAME CONSTRAINT a TO b'],
    newTable: ['ALTER TABLE users RENAME COLUMN email TO mail'],
  },
  {
    rule: 'mysql-copy-alter',
    engine: 'mysql',
    bad: [
      'ALTER TABLE users MODIFY COLUMN email varchar(500) NOT NULL',
      'ALTER TABLE users CHANGE email email varchar(500)',
      'ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4',
      'ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org) REFERENCES orgs (id)',
      'ALTER TABLE users DROP PRIMARY KEY',
      'ALTER TABLE users ADD COLUMN x int, ALGORITHM=COPY',
    ],
    good: [
      'ALTER TABLE users MODIFY COLUMN email varchar(500), ALGORITHM=INPLACE, LOCK=NONE',
      'ALTER TABLE users ADD COLUMN x int, ALGORITHM = INSTANT',
      'ALTER TABLE users ADD COLUMN x int',
      'ALTER TABLE users DROP PRIMARY KEY, ADD PRIMARY KEY (id, org)',
      'CREATE INDEX i ON users (email)',
    ],
    newTable: ['ALTER TABLE users MODIFY COLUMN email varchar(500)'],
  },
]

describe('each rule reports what it names, and nothing else', () => {
  for (const { rule, engine = 'postgres', bad, good, newTable = [] } of CASES) {
    const run = (sql: string) => (engine === 'mysql' ? mysql(`SET SESSION lock_wait_timeout = 5;\n${sql}`) : rules(`${T}${sql}`, engine))
    const create =
      engine === 'mysql' ? 'CREATE TABLE users (id int, email text, age int, org int);\n' : 'CREATE TABLE users (id int, email text, age int, org int);\n'
    describe(rule, () => {
      for (const sql of bad) it(`reports: ${sql}`, async () => expect(await run(`${sql};`)).toContain(rule))
      for (const sql of good) it(`accepts: ${sql}`, async () => expect(await run(`${sql};`)).not.toContain(rule))
      for (const sql of newTable)
        it(`accepts on a table created earlier in the migration: ${sql}`, async () => expect(await run(`${create}${sql};`)).not.toContain(rule))
    })
  }
})

describe('concurrently-in-transaction', () => {
  for (const sql of [
    'CREATE INDEX CONCURRENTLY i ON users (email)',
    'DROP INDEX CONCURRENTLY i',
    'REINDEX INDEX CONCURRENTLY i',
    'ALTER TABLE m DETACH PARTITION p CONCURRENTLY',
  ]) {
    it(`reports ${sql} in a transactional migration`, async () => expect(await rules(`${T}${sql};`, 'postgres', true)).toEqual(['concurrently-in-transaction']))
    it(`accepts ${sql} with -- mig:no-transaction`, async () => expect(await rules(`${T}${sql};`, 'postgres', false)).toEqual([]))
  }
  it('accepts REFRESH MATERIALIZED VIEW CONCURRENTLY, which runs in a transaction', async () => {
    expect(await rules(`${T}REFRESH MATERIALIZED VIEW CONCURRENTLY v;`)).toEqual([])
  })
})

describe('require-lock-timeout', () => {
  it('warns once, at the first locking statement on an existing table', async () => {
    const { findings } = await lintScript({
      sql: 'CREATE TABLE a (x int);\nCREATE INDEX ON a (x);\nALTER TABLE users ADD COLUMN x int;\nALTER TABLE users ADD COLUMN y int;',
      engine: 'postgres',
      transaction: true,
    })
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([['require-lock-timeout', 'warning', 3]])
  })
  for (const set of ["SET lock_timeout = '5s'", 'SET LOCAL lock_timeout = 5000', "SET statement_timeout TO '1min'"])
    it(`is satisfied by ${set}`, async () => expect(await rules(`${set};\nALTER TABLE users ADD COLUMN x int;`)).toEqual([]))
  it('is not satisfied by SET LOCAL in a migration without a transaction (PostgreSQL ignores it there)', async () => {
    expect(await rules('SET LOCAL lock_timeout = 5000;\nALTER TABLE users ADD COLUMN x int;', 'postgres', false)).toEqual(['require-lock-timeout'])
    expect(await rules('SET lock_timeout = 5000;\nALTER TABLE users ADD COLUMN x int;', 'postgres', false)).toEqual([])
  })
  it('is not satisfied by a timeout of 0 (none), nor by one set after the DDL', async () => {
    expect(await rules('SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN x int;')).toEqual(['require-lock-timeout'])
    expect(await rules('ALTER TABLE users ADD COLUMN x int;\nSET lock_timeout = 100;')).toEqual(['require-lock-timeout'])
  })
  it('MySQL: lock_wait_timeout, also per statement with MariaDB SET STATEMENT', async () => {
    expect(await mysql('ALTER TABLE users ADD COLUMN x int;')).toEqual(['require-lock-timeout'])
    expect(await mysql('SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN x int;')).toEqual([])
    expect(await mysql('SET @@session.lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN x int;')).toEqual([])
    expect(await mysql('SET STATEMENT lock_wait_timeout = 5 FOR ALTER TABLE users ADD COLUMN x int;')).toEqual([])
  })
  it('SQLite has no such setting: not reported', async () => expect(await rules('ALTER TABLE users ADD COLUMN x int;', 'sqlite')).toEqual([]))
})

describe('token rules on other engines', () => {
  it('SQLite: drops and renames, by token matching', async () => {
    expect(
      await rules('ALTER TABLE users DROP COLUMN email;\nDROP TABLE "old";\nALTER TABLE users RENAME TO people;\nCREATE INDEX i ON users (email);', 'sqlite'),
    ).toEqual(['ban-drop-column', 'ban-drop-table', 'ban-rename'])
  })
  it('MySQL: RENAME TABLE, names in backticks, comments and strings do not confuse it', async () => {
    expect(
      await mysql("SET SESSION lock_wait_timeout = 5;\n# DROP TABLE x;\nINSERT INTO t VALUES ('DROP TABLE y');\nRENAME TABLE `a` TO `b`;\nDROP TABLE `users`;"),
    ).toEqual(['ban-rename', 'ban-drop-table'])
  })
  it('MySQL: PostgreSQL rules do not apply', async () =>
    expect(await mysql('SET SESSION lock_wait_timeout = 5;\nCREATE INDEX i ON users (email);')).toEqual([]))
})

describe('syntax-error', () => {
  it("reports a statement PostgreSQL's parser rejects, where it stopped", async () => {
    const { findings } = await lintScript({ sql: 'SELECT 1;\nCREATE TABLE (x int);', engine: 'postgres', transaction: true })
    // the line and column where the parser stopped
    expect(findings).toMatchObject([{ rule: 'syntax-error', severity: 'error', line: 2, column: 14 }])
    expect(findings[0]!.message).toContain('syntax error at or near "("')
  })
})

describe('-- mig:lint-ignore', () => {
  const sql = 'CREATE INDEX i ON users (a);\nCREATE INDEX j ON users (b);'
  it('above a statement accepts that statement only, keeping the reason', async () => {
    const result = await lintScript({
      sql: `${T}${sql.replace('CREATE INDEX j', '-- mig:lint-ignore require-concurrent-index users has 10 rows\nCREATE INDEX j')}`,
      engine: 'postgres',
      transaction: true,
    })
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([['require-concurrent-index', 2]])
    expect(result.ignored).toMatchObject([{ rule: 'require-concurrent-index', line: 4, reason: 'users has 10 rows' }])
  })
  it('in the header, separated by a blank line, accepts the whole file', async () => {
    const result = await lintScript({ sql: `-- mig:lint-ignore require-concurrent-index small table\n\n${T}${sql}`, engine: 'postgres', transaction: true })
    expect(result.findings).toEqual([])
    expect(result.ignored.map((f) => f.line)).toEqual([4, 5])
  })
  it('right above the first statement, accepts that statement only', async () => {
    const result = await lintScript({
      sql: `-- mig:lint-ignore require-concurrent-index small table\nCREATE INDEX i ON users (a);\n${T}CREATE INDEX j ON users (b);`,
      engine: 'postgres',
      transaction: true,
    })
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ['require-lock-timeout', 2],
      ['require-concurrent-index', 4],
    ])
  })
  it('without a reason is an error, and so is an unknown rule', async () => {
    const result = await lintScript({
      sql: `-- mig:lint-ignore require-concurrent-index\n\n-- mig:lint-ignore no-such-rule because\n${T}${sql}`,
      engine: 'postgres',
      transaction: true,
    })
    expect(result.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['invalid-lint-ignore', 'error', 1],
      ['invalid-lint-ignore', 'error', 3],
    ])
    expect(result.findings[0]!.message).toContain('needs a reason')
    expect(result.findings[1]!.message).toContain('unknown rule "no-such-rule"')
  })
  it('of another rule accepts nothing, and is reported as unused (a warning)', async () => {
    const { findings } = await lintScript({ sql: `-- mig:lint-ignore ban-drop-table not this one\n\n${T}${sql}`, engine: 'postgres', transaction: true })
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['unused-lint-ignore', 'warning', 1],
      ['require-concurrent-index', 'error', 4],
      ['require-concurrent-index', 'error', 5],
    ])
  })
  it('of a rule that does not apply to the engine is unused', async () => {
    expect(await mysql('SET SESSION lock_wait_timeout = 5;\n-- mig:lint-ignore require-concurrent-index small\nCREATE INDEX i ON users (email);')).toEqual([
      'unused-lint-ignore',
    ])
  })
})

describe('positions', () => {
  it('line and column of the statement, offset by firstLine (sections)', async () => {
    const { findings } = await lintScript({ sql: `${T}\n  /* c */ DROP TABLE users;`, engine: 'postgres', transaction: true, firstLine: 10 })
    expect(findings).toMatchObject([{ rule: 'ban-drop-table', line: 12, column: 11, statement: 'DROP TABLE users' }])
  })
})

it('every rule has an id in kebab-case, a severity, a summary and a fix', () => {
  for (const rule of RULES) {
    expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/)
    expect(['error', 'warning']).toContain(rule.severity)
    expect(rule.summary.length).toBeGreaterThan(10)
    expect(rule.fix.length).toBeGreaterThan(10)
  }
})

it('every rule has its page in docs/lint/ and a row in docs/lint.md, and there is no page without a rule', () => {
  const docs = fileURLToPath(new URL('../../../docs/', import.meta.url))
  const overview = readFileSync(`${docs}lint.md`, 'utf8')
  for (const rule of RULES) {
    expect(existsSync(`${docs}lint/${rule.id}.md`), rule.id).toBe(true)
    expect(overview).toContain(`| [\`${rule.id}\`](lint/${rule.id}.md) | ${rule.severity} |`)
  }
  expect(readdirSync(`${docs}lint`).sort()).toEqual(RULES.map((rule) => `${rule.id}.md`).sort())
})
