import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type DialectName, runChangeCase, type SchemaChangeCase, type TestDialect, tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withoutContext } from './cli.js'
import { DRIVERS } from './drivers.js'

/**
 * `mig dump` is loadable by the engine's own client: fixture -> client -> mig dump -> client into an
 * empty database -> mig dump again gives identical text, and mig diff between the two databases
 * finds no differences. Objects mig does not model are named by dump and counted by diff and drift.
 */

const fixture = (driver: string, file: string) => fileURLToPath(new URL(`../../driver-${driver}/test/fixtures/${file}`, import.meta.url))

/** The `mariadb` client, or `mysql` where only that is installed. */
const MYSQL_CLIENT = spawnSync('mariadb', ['--version']).status === 0 ? 'mariadb' : 'mysql'

/** Run a SQL script with the engine's own command-line client; throws with its stderr when it fails. */
function loadWithClient(dialect: DialectName, url: string, sql: string): void {
  let run: ReturnType<typeof spawnSync>
  if (dialect === 'postgres') run = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', '-'], { input: sql })
  else if (dialect === 'mysql') {
    const u = new URL(url)
    const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), decodeURIComponent(u.pathname.slice(1))]
    if (u.password) args.splice(6, 0, `-p${decodeURIComponent(u.password)}`)
    run = spawnSync(MYSQL_CLIENT, args, { input: sql })
  } else run = spawnSync('sqlite3', ['-bail', url.replace(/^sqlite:/, '')], { input: sql })
  if (run.error) throw run.error
  if (run.status !== 0) throw new Error(`${dialect} client failed (${run.status}): ${String(run.stderr)}`)
}

interface DumpCase {
  name: string
  /** The SQL the source database is built from, for a database URL. */
  sql: (url: string) => string
  /** What `mig diff` between source and reload prints. */
  diff: 'No differences'
  /** Extra checks on the first dump. */
  check?: (dump: string) => void
}

const sakila = (url: string) =>
  readFileSync(fixture('mysql', 'sakila/sakila-schema.sql'), 'utf8')
    .replace(/^(DROP SCHEMA IF EXISTS sakila|CREATE SCHEMA sakila|USE sakila);\n/gm, '')
    .replace(/\bsakila\./g, `${decodeURIComponent(new URL(url).pathname.slice(1))}.`)

const CASES: Record<DialectName, DumpCase[]> = {
  postgres: [
    {
      name: 'every object kind',
      sql: () => readFileSync(fixture('postgres', 'every-kind.sql'), 'utf8'),
      diff: 'No differences',
      check: (dump) => {
        expect(dump.indexOf('CREATE TABLE "customer"')).toBeLessThan(dump.indexOf('FUNCTION active_customers()'))
        expect(dump.indexOf('FUNCTION next_invoice()')).toBeLessThan(dump.indexOf('CREATE TABLE "billing"."invoice"'))
        expect(dump.indexOf('CREATE AGGREGATE "list_of"')).toBeLessThan(dump.indexOf('CREATE VIEW "customer_names"'))
        expect(dump).toContain('CREATE DOMAIN "positive_int" AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_int_check CHECK ((VALUE > 0));')
        expect(dump).toContain('CREATE TABLE "measurement_rest" PARTITION OF "measurement" DEFAULT;')
        expect(dump).toContain(') INHERITS ("event_log");')
        expect(dump).toContain('CREATE RULE event_log_2026_insert AS')
        expect(dump).toContain('CREATE POLICY "invoice_no_negative" ON "billing"."invoice" AS RESTRICTIVE FOR INSERT')
        expect(dump).toContain('COMMENT ON SCHEMA "billing" IS \'invoices and payments\';')
      },
    },
    {
      name: 'pagila (declarative partitions, domains, SETOF a table, aggregate)',
      sql: () => readFileSync(fixture('postgres', 'pagila/pagila-schema.sql'), 'utf8'),
      diff: 'No differences',
      check: (dump) => {
        expect(dump.indexOf('CREATE TABLE "customer"')).toBeLessThan(dump.indexOf('FUNCTION rewards_report('))
        expect(dump).toContain('CREATE DOMAIN "bıgınt" AS bigint;')
        expect(dump.match(/PARTITION OF "payment"/g)).toHaveLength(7)
      },
    },
    {
      name: 'pagila 0.10.1 (inheritance and rules)',
      sql: () => readFileSync(fixture('postgres', 'pagila/pagila-0.10.1-schema.sql'), 'utf8'),
      diff: 'No differences',
      check: (dump) => {
        expect(dump.match(/\) INHERITS \("payment"\);/g)).toHaveLength(6)
        expect(dump.match(/^CREATE RULE /gm)).toHaveLength(6)
      },
    },
  ],
  mysql: [
    {
      name: 'every object kind',
      sql: () => readFileSync(fixture('mysql', 'every-kind.sql'), 'utf8'),
      diff: 'No differences',
      check: (dump) => {
        expect(dump).toContain('DELIMITER ;;\nCREATE EVENT `purge_log`')
        expect(dump).toMatch(/DELIMITER ;;\nCREATE FUNCTION `book_count`[\s\S]*?END;;\nDELIMITER ;\n/)
        expect(dump).toMatch(/DELIMITER ;;\nCREATE TRIGGER `book_insert`[\s\S]*?END;;\nDELIMITER ;\n/)
      },
    },
    {
      name: 'sakila (procedures, functions, triggers, views)',
      sql: sakila,
      diff: 'No differences',
      check: (dump) => {
        expect(dump.match(/^DELIMITER ;;$/gm)).toHaveLength(9)
        expect(dump).toContain('CREATE SQL SECURITY INVOKER VIEW `actor_info`')
      },
    },
  ],
  sqlite: [
    {
      name: 'every object kind',
      sql: () => readFileSync(fixture('sqlite', 'every-kind.sql'), 'utf8'),
      diff: 'No differences',
      check: (dump) => {
        expect(dump).toContain("CREATE VIRTUAL TABLE books_fts USING fts5(title, content='books', content_rowid='id');")
        expect(dump.indexOf('CREATE VIRTUAL TABLE')).toBeLessThan(dump.indexOf('CREATE TRIGGER books_fts_insert'))
      },
    },
    {
      name: 'tables, views and triggers only',
      sql: () =>
        readFileSync(fixture('sqlite', 'every-kind.sql'), 'utf8')
          .split('\n')
          .filter((l) => !/books_fts/.test(l))
          .join('\n'),
      diff: 'No differences',
    },
  ],
}

/** Build a database from `sql` with the client, dump, reload into an empty one, dump again, diff. */
async function dumpLoop(dialect: TestDialect, c: DumpCase): Promise<{ first: string; second: string; diff: string; dumpStderr: string }> {
  const a = await dialect.createDatabase()
  const b = await dialect.createDatabase()
  const p = tempProject()
  try {
    loadWithClient(dialect.name, a, c.sql(a))
    const d1 = await runMig(['dump', '--database', a, '--out', 'first.sql'], p.dir)
    expect(d1.code).toBe(0)
    const first = readFileSync(p.path('first.sql'), 'utf8')
    loadWithClient(dialect.name, b, first)
    const d2 = await runMig(['dump', '--database', b, '--out', 'second.sql'], p.dir)
    expect(d2.code).toBe(0)
    const diff = await runMig(['diff', '--database', a, '--from', a, '--to', b], p.dir)
    expect(diff.code).toBe(0)
    return { first, second: readFileSync(p.path('second.sql'), 'utf8'), diff: diff.stdout.trim(), dumpStderr: withoutContext(d1.stderr) }
  } finally {
    p.cleanup()
    await dialect.dropDatabase(a)
    await dialect.dropDatabase(b)
  }
}

for (const dialect of testDialects()) {
  describe(`${dialect.name}: mig dump loads with the engine's own client`, () => {
    for (const c of CASES[dialect.name]) {
      it(`${c.name}: dump, load, dump again is identical; diff finds nothing`, async () => {
        const r = await dumpLoop(dialect, c)
        expect(r.second).toBe(r.first)
        expect(r.diff).toBe(c.diff)
        expect(r.dumpStderr).toBe('')
        c.check?.(r.first)
      }, 120_000)
    }
  })
}

/** An object kept by its definition, changed: dropped and created again; up, down and up again converge. */
const KEPT_BY_DEFINITION: Record<DialectName, SchemaChangeCase> = {
  postgres: {
    name: 'rule',
    from: 'CREATE TABLE t (id int); CREATE TABLE t_log (id int);\nCREATE RULE t_ins AS ON INSERT TO t DO ALSO INSERT INTO t_log VALUES (new.id);',
    to: 'CREATE TABLE t (id int); CREATE TABLE t_log (id int);\nCREATE RULE t_ins AS ON INSERT TO t DO ALSO INSERT INTO t_log VALUES (new.id * 2);',
    summary: ['- DROP RULE t_ins', '+ CREATE RULE t_ins'],
  },
  mysql: {
    name: 'event',
    from: "CREATE TABLE t (id int);\nCREATE EVENT cleanup ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM t;",
    to: "CREATE TABLE t (id int);\nCREATE EVENT cleanup ON SCHEDULE EVERY 2 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM t WHERE id > 1;",
    summary: ['- DROP EVENT cleanup', '+ CREATE EVENT cleanup'],
  },
  sqlite: {
    name: 'virtual table',
    from: "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, title TEXT);\nCREATE VIRTUAL TABLE t_fts USING fts5(body, content='t', content_rowid='id');",
    to: "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, title TEXT);\nCREATE VIRTUAL TABLE t_fts USING fts5(body, title, content='t', content_rowid='id');",
    summary: ['- DROP VIRTUAL TABLE t_fts', '+ CREATE VIRTUAL TABLE t_fts'],
  },
}

for (const dialect of testDialects()) {
  it(`${dialect.name}: a changed ${KEPT_BY_DEFINITION[dialect.name].name} is replaced by diff; down and up again converge`, async () => {
    const open = async () => {
      const url = await dialect.createDatabase()
      const driver = DRIVERS[dialect.name](url)
      await driver.connect()
      return {
        driver,
        close: async () => {
          await driver.close()
          await dialect.dropDatabase(url)
        },
      }
    }
    const c = KEPT_BY_DEFINITION[dialect.name]
    const r = await runChangeCase(open, c)
    expect(r.summary).toEqual(c.summary)
    expect(r.afterUp).toEqual([])
    expect(r.afterDown).toEqual([])
    expect(r.upTwice).toEqual([])
  }, 60_000)
}

describe.runIf(testDialects().some((d) => d.name === 'postgres'))('postgres: what mig does not model is named', () => {
  const pg = testDialects().find((d) => d.name === 'postgres')!
  it('dump names grants and statistics objects on stderr; diff counts them as not compared', async () => {
    const url = await pg.createDatabase()
    const p = tempProject()
    try {
      loadWithClient('postgres', url, 'CREATE TABLE t (a int, b int); GRANT SELECT ON t TO PUBLIC; CREATE STATISTICS t_ab ON a, b FROM t;')
      const dump = await runMig(['dump', '--database', url], p.dir)
      expect(dump.code).toBe(0)
      expect(withoutContext(dump.stderr)).toBe('warning: not dumped (not modelled): grant t, statistics object t_ab\n')
      const diff = await runMig(['diff', '--database', url, '--from', url, '--to', url], p.dir)
      expect(diff.stdout.trim()).toBe('No differences in compared objects; not compared: 1 grant, 1 statistics object')
    } finally {
      p.cleanup()
      await pg.dropDatabase(url)
    }
  }, 60_000)

  it('drift compares a rule, and names the grant it does not compare', async () => {
    const url = await pg.createDatabase()
    const p = tempProject({
      'migrations/001_log.sql':
        "CREATE TABLE log (at date NOT NULL, what text);\nCREATE TABLE log_old (LIKE log);\nCREATE RULE log_old_insert AS ON INSERT TO log WHERE new.at < '2000-01-01' DO INSTEAD INSERT INTO log_old VALUES (new.*);\nGRANT SELECT ON log TO PUBLIC;\n",
    })
    try {
      expect((await runMig(['up', '--database', url], p.dir)).code).toBe(0)
      const clean = await runMig(['drift', '--database', url], p.dir)
      expect(clean.stdout.trim()).toBe('No drift in compared objects (1 applied migration(s) checked); not compared: 1 grant')
      expect(clean.code).toBe(0)
      loadWithClient('postgres', url, 'DROP RULE log_old_insert ON log;')
      const drifted = await runMig(['drift', '--database', url], p.dir)
      expect(drifted.stdout.trim().split('\n')).toEqual([
        'Drift: the database differs from its 1 applied migration(s):',
        '- DROP RULE log_old_insert',
        'not compared: 1 grant',
      ])
      expect(drifted.code).toBe(1)
    } finally {
      p.cleanup()
      await pg.dropDatabase(url)
    }
  }, 60_000)
})
