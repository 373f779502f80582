import { cpSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { crc32 } from 'node:zlib'
import { type TestDialect, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { withDriver } from './cli.js'
import { capabilitiesOf, DRIVERS } from './drivers.js'
import { errors, type ModelProject, modelProjects } from './model-helpers.js'
import { TOOL_TABLES, withToolHistory } from './tool-tables.js'

/** Folders laid out as each tool's documentation shows them (shared with the core reader tests). */
const FIXTURES = fileURLToPath(new URL('../../core/test/fixtures/formats/', import.meta.url))

const ts = (i: number) => `2024-01-01 00:00:0${i}`

/** The history table each tool creates (by dialect), and its rows after the tool applied the whole fixture. */
interface ToolHistory {
  tables: Record<string, string[]>
  rows: string[]
}

const flywayRow = (rank: number, version: string | null, script: string, checksum: number) =>
  `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (${rank}, ${version === null ? 'NULL' : `'${version}'`}, 'd', 'SQL', '${script}', ${checksum}, 'me', 5, true)`

/** Flyway's checksum of a fixture file: CRC32 of its lines without line endings, signed. */
const flywaySum = (rel: string) => crc32(readFileSync(`${FIXTURES}flyway/${rel}`, 'utf8').replace(/\r?\n/g, '')) | 0

const sqitchChange = (i: number, name: string) =>
  `INSERT INTO {s}.changes (change_id, script_hash, {change}, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email) VALUES ('c${i}', 'h${i}', '${name}', 'flipr', '', '${ts(i)}', 'me', 'me@x', '${ts(0)}', 'me', 'me@x')`

const liquibaseTable = (upper: boolean, time: string) => {
  const c = (n: string) => (upper ? n.toUpperCase() : n)
  return `CREATE TABLE ${c('databasechangelog')} (${c('id')} VARCHAR(255) NOT NULL, ${c('author')} VARCHAR(255) NOT NULL, ${c('filename')} VARCHAR(255) NOT NULL, ${c('dateexecuted')} ${time} NOT NULL, ${c('orderexecuted')} INT NOT NULL, ${c('exectype')} VARCHAR(10) NOT NULL, ${c('md5sum')} VARCHAR(35), ${c('description')} VARCHAR(255), ${c('comments')} VARCHAR(255), ${c('tag')} VARCHAR(255), ${c('liquibase')} VARCHAR(20), ${c('contexts')} VARCHAR(255), ${c('labels')} VARCHAR(255), ${c('deployment_id')} VARCHAR(10))`
}
const liquibaseRow = (upper: boolean, order: number, id: string, file: string) =>
  `INSERT INTO ${upper ? 'DATABASECHANGELOG' : 'databasechangelog'} (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) VALUES ('${id.split(':')[1]}', '${id.split(':')[0]}', '${file}', '${ts(order)}', ${order}, 'EXECUTED', '9:abc')`

const HISTORY: Record<string, ToolHistory> = {
  dbmate: {
    tables: TOOL_TABLES.dbmate!,
    rows: ["INSERT INTO schema_migrations (version) VALUES ('20151129054053'), ('20151129054054')"],
  },
  goose: {
    tables: {
      sqlite: [
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))",
      ],
      postgres: [
        'CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))',
      ],
      mysql: [
        'CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id))',
      ],
    },
    // version 3 went down and up again; version 4 (no file) went up and down
    rows: [
      'INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false), (3, true), (4, true), (4, false)',
    ],
  },
  'golang-migrate': {
    tables: TOOL_TABLES['golang-migrate']!,
    rows: ['INSERT INTO schema_migrations (version, dirty) VALUES (2, false)'],
  },
  flyway: {
    tables: TOOL_TABLES.flyway!,
    rows: [
      flywayRow(1, '1', 'V1__Create_person_table.sql', 1),
      flywayRow(2, '1.1', 'V1_1__Populate_table.sql', 2),
      flywayRow(3, '1.2', 'more/V1.2__Add_people.sql', 3),
      flywayRow(4, '1.10', 'V1_10__Add_notes.sql', 4),
      flywayRow(5, '2', 'V2__Add_owner.sql', 5),
      flywayRow(6, '3', 'V3__Add_tags.sql', 6),
      // the repeatable ran twice: an older content, then the one on disk now
      flywayRow(7, null, 'R__Person_names.sql', 12345),
      flywayRow(8, null, 'R__Person_names.sql', flywaySum('R__Person_names.sql')),
    ],
  },
  sqitch: {
    tables: TOOL_TABLES.sqitch!,
    rows: [
      `INSERT INTO {s}.projects (project, created_at, creator_name, creator_email) VALUES ('flipr', '${ts(0)}', 'me', 'me@x')`,
      sqitchChange(1, 'appschema'),
      sqitchChange(2, 'users'),
      sqitchChange(3, 'flips'),
      sqitchChange(4, 'users'),
    ],
  },
  liquibase: {
    // PostgreSQL folds Liquibase's names to lower case; MySQL and SQLite keep DATABASECHANGELOG
    tables: { sqlite: [liquibaseTable(true, 'DATETIME')], postgres: [liquibaseTable(false, 'TIMESTAMP')], mysql: [liquibaseTable(true, 'DATETIME')] },
    rows: ['nvoxland:1', 'nvoxland:2', 'nvoxland:3', 'bob:test1-names']
      .map((id, i) => liquibaseRow(true, i + 1, id, 'changelog/001-init.sql'))
      .concat(liquibaseRow(true, 5, 'alice:add-row', 'changelog/002-more.sql')),
  },
}

/** What each fixture holds once applied, how `down` shows, and a folder whose second migration is marked no-transaction (or not) and fails after an insert. */
interface FormatCase {
  versions: string[]
  /** Global flags every command needs (Flyway placeholders). */
  flags?: string[]
  /** A query and the rows it returns after `up`. */
  applied: [string, unknown[]]
  /** A table the last versioned migration creates or changes, gone after one `down`... */
  downDrops?: string
  failing?: (noTransaction: boolean) => Record<string, string>
  /** Shown in the TOOL ID column of `status`. */
  toolIds?: string[]
}

const CASES: Record<string, FormatCase> = {
  dbmate: {
    versions: ['20151129054053', '20151129054054'],
    applied: ['SELECT id, note FROM audit_log', [{ id: 1, note: 'created; by dbmate' }]],
    downDrops: 'audit_log',
    failing: (off) => ({
      '1_a.sql': '-- migrate:up\ncreate table t_ok (id int);\n-- migrate:down\ndrop table t_ok;\n',
      '2_b.sql': `-- migrate:up${off ? ' transaction:false' : ''}\ninsert into t_ok (id) values (1);\ninsert into t_missing (id) values (1);\n-- migrate:down\n`,
    }),
  },
  goose: {
    versions: ['00001', '00002', '00003'],
    applied: [
      'SELECT id, title, body FROM post ORDER BY id',
      [
        { id: 1, title: 'hello world', body: null },
        { id: 2, title: 'costs $5', body: 'a; b' },
      ],
    ],
    downDrops: 'tags',
    failing: (off) => ({
      '00001_a.sql': '-- +goose Up\ncreate table t_ok (id int);\n',
      '00002_b.sql': `${off ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\ninsert into t_ok (id) values (1);\ninsert into t_missing (id) values (1);\n`,
    }),
  },
  'golang-migrate': {
    versions: ['1', '2'],
    applied: ['SELECT nickname FROM users', []],
  },
  flyway: {
    versions: ['1', '1.1', '1.2', '1.10', '2', '3', 'R__Person_names'],
    flags: ['--var', 'next_id=4', '--var', 'owner=Ms. Owner'],
    applied: ['SELECT NAME FROM person_names ORDER BY NAME', [{ name: 'Axel' }, { name: 'Mr. Foo' }, { name: 'Ms. Bar' }, { name: 'Ms. Owner' }]],
    failing: (off) => ({
      'V1__a.sql': 'create table t_ok (id int);\n',
      'V2__b.sql': 'insert into t_ok (id) values (1);\ninsert into t_missing (id) values (1);\n',
      ...(off ? { 'V2__b.sql.conf': 'executeInTransaction=false\n' } : {}),
    }),
    toolIds: ['R__Person_names.sql'],
  },
  sqitch: {
    versions: ['1', '2', '3', '4'],
    applied: ['SELECT nickname, twitter FROM users', []],
    failing: (off) => ({
      'sqitch.plan': '%project=x\n\na 2013-12-30T23:19:09Z M <m@x>\nb [a] 2013-12-30T23:19:10Z M <m@x> # fails\n',
      'deploy/a.sql': 'BEGIN;\ncreate table t_ok (id int);\nCOMMIT;\n',
      'deploy/b.sql': `${off ? '' : 'BEGIN;\n'}insert into t_ok (id) values (1);\ninsert into t_missing (id) values (1);\n${off ? '' : 'COMMIT;\n'}`,
    }),
    toolIds: ['appschema', 'users', 'flips', 'users'],
  },
  liquibase: {
    versions: ['1', '2', '3', '4', 'R__test1-names'],
    applied: ['SELECT name FROM test1_names ORDER BY name', [{ name: 'name 1' }, { name: 'name 3' }, { name: 'name; 2' }]],
    failing: (off) => ({
      'c.sql': `--liquibase formatted sql\n--changeset a:1\ncreate table t_ok (id int);\n--changeset a:2${off ? ' runInTransaction:false' : ''}\ninsert into t_ok (id) values (1);\ninsert into t_missing (id) values (1);\n`,
    }),
    toolIds: ['nvoxland:1', 'nvoxland:2', 'nvoxland:3', 'alice:add-row', 'bob:test1-names'],
  },
}

/** `mig status --json` as [version, status] pairs, in the order status lists them. */
function statusOf(run: ModelProject['run']): [string, string][] {
  const doc = JSON.parse(run(['status', '--json']).stdout) as { migrations: { version: string; status: string }[] }
  return doc.migrations.map((m) => [m.version, m.status])
}

const config = (format: string) => `history_table = "mig_history"\nmigrations = [{ path = "db", format = "${format}" }]\n`

/** MySQL (the dialect whose splitter reads DELIMITER lines) versus the others, asked of the driver. */
const readsDelimiter = (dialect: TestDialect) => Boolean(DRIVERS[dialect.name]('sqlite::memory:').splitOptions?.delimiterCommand)

for (const dialect of testDialects()) {
  describe(`other tools' folders on ${dialect.name}`, () => {
    const projects = modelProjects(dialect)
    const setup = async (format: string, files: Record<string, string> = {}, fixture: string | null = format) => {
      const project = await projects({ 'mig.toml': config(format), ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`db/${k}`, v])) })
      if (fixture) cpSync(`${FIXTURES}${fixture}`, project.p.path('db'), { recursive: true })
      return project
    }

    for (const [format, c] of Object.entries(CASES)) {
      describe(format, () => {
        const flags = c.flags ?? []
        it('reads the folder in order, applies it, rolls back with the tool’s down, and converts to mig files with the same checksums', async () => {
          const { p, url, run } = await setup(format)
          expect(statusOf((args) => run([...args, ...flags]))).toEqual(c.versions.map((v) => [v, 'pending']))
          const up = run(['up', ...flags])
          expect(errors(up)).toBe('')
          expect(up.code).toBe(0)
          expect(up.stdout).toContain(`Applied ${c.versions.length} migrations`)
          const rows = await withDriver(dialect.name, url, (d) => d.query(c.applied[0]))
          // PostgreSQL folds unquoted names to lower case
          expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])))).toEqual(c.applied[1])
          if (c.toolIds) {
            const status = run(['status', ...flags]).stdout
            expect(status).toContain('TOOL ID')
            for (const id of c.toolIds) expect(status).toContain(id)
          }
          if (c.downDrops) {
            expect(run(['down', ...flags]).code).toBe(0)
            await expect(withDriver(dialect.name, url, (d) => d.query(`SELECT * FROM ${c.downDrops}`))).rejects.toThrow()
            expect(run(['up', ...flags]).code).toBe(0)
          }
          const convert = run(['convert', '--from', format, 'db', '--out', 'migrations'])
          if (format === 'flyway') {
            // Flyway's dotted versions have no mig-format file name: refused, nothing written
            expect(convert.code).toBe(2)
            expect(errors(convert)).toContain('1.1_Populate_table: version 1.1 is not a whole number')
            return
          }
          expect(errors(convert)).toBe('')
          expect(convert.code).toBe(0)
          p.write({ 'mig.toml': 'history_table = "mig_history"\nmigrations = ["migrations"]\n' })
          expect(new Set(statusOf(run).map(([, status]) => status))).toEqual(new Set(['applied']))
          expect(run(['up']).stdout).toBe('No pending migrations\n')
        })

        it(`adopt --from ${format} imports the tool's history; up then has nothing to do`, async () => {
          const { p, url, run } = await setup(format)
          const h = HISTORY[format]!
          // PostgreSQL folds Liquibase's DATABASECHANGELOG to lower case
          const adapt = (sql: string) => (dialect.name === 'postgres' ? sql.replace('INTO DATABASECHANGELOG', 'INTO databasechangelog') : sql)
          await withToolHistory(format, dialect.name, { url, path: p.path }, { tables: h.tables[dialect.name]!, rows: h.rows, adapt }, async (extra) => {
            const r = run(['adopt', '--from', format, ...extra, ...flags])
            expect(errors(r)).toBe('')
            expect(r.code).toBe(0)
            expect(r.stdout).toContain(`Adopted ${c.versions.length} migrations from ${format}`)
            // versioned migrations are adopted; a repeatable adopted with its current checksum reads as applied
            expect(statusOf((args) => run([...args, ...flags]))).toEqual(c.versions.map((v) => [v, v.startsWith('R__') ? 'applied' : 'adopted']))
            expect(run(['up', ...flags]).stdout).toBe('No pending migrations\n')
          })
        })

        if (c.failing) {
          it('a migration marked no-transaction in the tool’s way keeps what ran before its failure; unmarked, nothing stays (transactional DDL)', async () => {
            for (const off of [true, false]) {
              const { url, run } = await setup(format, c.failing!(off), null)
              const up = run(['up'])
              expect(up.code).toBe(1)
              expect(errors(up)).toMatch(/t_missing/)
              const rows = await withDriver(dialect.name, url, (d) => d.query('SELECT id FROM t_ok'))
              // without transactional DDL (MySQL) mig runs no migration in a transaction: the insert stays either way
              expect(rows.length).toBe(off || !capabilitiesOf(dialect.name).transactionalDdl ? 1 : 0)
            }
          })
        }
      })
    }

    it('a mig folder refuses another tool’s file, exit 2, naming the format, running nothing', async () => {
      const { url, run } = await projects({
        'migrations/20240101000000_post.sql': '-- migrate:up\ncreate table post (id int);\n-- migrate:down\nDROP TABLE post;\n',
      })
      const r = run(['up'])
      expect(r.code).toBe(2)
      expect(errors(r)).toContain('20240101000000_post.sql: line 1: "-- migrate:up" is a dbmate marker')
      expect(errors(r)).toContain('Set format = "dbmate" for this folder in mig.toml')
      await expect(withDriver(dialect.name, url, (d) => d.query('SELECT * FROM post'))).rejects.toThrow()
    })

    it('format = "auto" reads a goose folder; two formats in one folder, or claiming one folder, exit 2', async () => {
      const auto = await setup('auto', {}, 'goose')
      expect(statusOf(auto.run).map(([version]) => version)).toEqual(['00001', '00002', '00003'])
      const mixed = await setup('auto', { '20240101000000_x.sql': '-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n' }, 'goose')
      const r = mixed.run(['status'])
      expect(r.code).toBe(2)
      expect(errors(r)).toMatch(/format = "auto" cannot tell this folder's format: its files read as .*goose .*dbmate|dbmate .*goose/)
      mixed.p.write({ 'mig.toml': 'migrations = [{ path = "db", format = "goose" }, { path = "db", format = "dbmate" }]\n' })
      const twice = mixed.run(['status'])
      expect(twice.code).toBe(2)
      expect(errors(twice)).toMatch(/mig\.toml:1.*two formats cannot claim one folder/s)
    })

    it('goose StatementBegin/End blocks with inner semicolons run as one statement (function, procedure, trigger)', async () => {
      // each dialect's own block syntax, as goose users write it
      const block: Record<string, string> = {
        postgres:
          'CREATE FUNCTION bump() RETURNS trigger AS $$\nBEGIN\n  NEW.n := NEW.n + 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\nCREATE TRIGGER bump BEFORE INSERT ON counter FOR EACH ROW EXECUTE FUNCTION bump();',
        mysql: 'CREATE TRIGGER bump BEFORE INSERT ON counter FOR EACH ROW\nBEGIN\n  SET NEW.n = NEW.n + 1;\n  SET NEW.n = NEW.n + 0;\nEND;',
        sqlite:
          'CREATE TRIGGER bump AFTER INSERT ON counter\nBEGIN\n  UPDATE counter SET n = n + 1 WHERE rowid = NEW.rowid;\n  UPDATE counter SET n = n + 0 WHERE rowid = NEW.rowid;\nEND;',
      }
      const { url, run } = await setup(
        'goose',
        {
          '00001_counter.sql': '-- +goose Up\nCREATE TABLE counter (n int);\n-- +goose Down\nDROP TABLE counter;\n',
          '00002_bump.sql': `-- +goose Up\n-- +goose StatementBegin\n${block[dialect.name]}\n-- +goose StatementEnd\n`,
        },
        null,
      )
      expect(errors(run(['up']))).toBe('')
      const rows = await withDriver(dialect.name, url, async (d) => {
        await d.query('INSERT INTO counter (n) VALUES (1)')
        return d.query('SELECT n FROM counter')
      })
      expect(rows.map((r) => Number(r.n))).toEqual([2])
    })

    it('bad input is named with file:line, exit 2, before anything runs', async () => {
      const cases: [string, Record<string, string>, RegExp][] = [
        ['sqitch', { 'sqitch.plan/keep': '' }, /db\/sqitch\.plan: cannot read: EISDIR/],
        ['liquibase', { 'c.sql': '--liquibase formatted sql\n--changeset bob\ncreate table x (id int);\n' }, /db\/c\.sql:2: a changeset without id/],
        ['goose', { '00001_x.sql': 'CREATE TABLE x (id int);\n' }, /db\/00001_x\.sql:1: a goose migration must start with '-- \+goose Up'/],
        ['goose', { '00001_x.sql': '-- +goose Up\nCREATE TABLE x (id int)\n' }, /db\/00001_x\.sql:2: unfinished SQL statement: missing semicolon\?/],
        ['flyway', { 'V1__a.sql': 'create table x (id int);', 'create_users.sql': 'select 1;' }, /db\/create_users\.sql:1: not a Flyway migration name/],
      ]
      for (const [format, files, message] of cases) {
        const { url, run } = await setup(format, files, null)
        const r = run(['up'])
        expect(r.code).toBe(2)
        expect(errors(r)).toMatch(message)
        await expect(withDriver(dialect.name, url, (d) => d.query('SELECT * FROM x'))).rejects.toThrow()
      }
      // mig new writes mig-format files: never into another tool's folder
      const { run } = await setup('dbmate')
      const created = run(['new', 'add_table'])
      expect(created.code).toBe(2)
      expect(errors(created)).toContain('no plain mig-format folder in migrations = [...] to create the file in')
    })

    it('splitter: a column named begin opens no block; delimiter "X" loses its quotes on MySQL', async () => {
      const files: Record<string, string> = {
        'migrations/1_t2.sql': 'create table t2(begin int);\ninsert into t2 (begin) values (1);\ninsert into t2 (begin) values (2);\n',
      }
      if (readsDelimiter(dialect)) {
        files['migrations/2_proc.sql'] =
          "delimiter '$$'\nCREATE PROCEDURE p2() BEGIN INSERT INTO t2 VALUES (3); INSERT INTO t2 VALUES (4); END$$\ndelimiter ;\nCALL p2();\n"
      }
      const { url, run } = await projects({ 'mig.toml': 'history_table = "mig_history"\n', ...files })
      expect(errors(run(['up']))).toBe('')
      const rows = await withDriver(dialect.name, url, (d) => d.query('SELECT begin FROM t2 ORDER BY begin'))
      expect(rows.map((r) => Number(r.begin))).toEqual(readsDelimiter(dialect) ? [1, 2, 3, 4] : [1, 2])
    })
  })
}
