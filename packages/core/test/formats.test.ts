import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import {
  convertMigrations,
  compareVersions,
  detectFormat,
  directory,
  discover,
  type FormatSetting,
  type Migration,
  matchImported,
  parseConfig,
  ProjectError,
  splitStatements,
} from '../src/index.js'
import { placeholdersToTemplate } from '../src/formats/flyway.js'
import { envsubst, parseGoose } from '../src/formats/goose.js'
import { project } from './temp-project.js'

const FIXTURES = fileURLToPath(new URL('./fixtures/formats/', import.meta.url))

/** A copy of a fixture folder, plus extra files. */
function fixture(name: string, extra: Record<string, string> = {}): string {
  const dir = project(extra)
  cpSync(join(FIXTURES, name), dir, { recursive: true })
  return dir
}

const read = (dir: string, format: FormatSetting) => discover([directory(dir, { format })])
const statements = async (m: Migration, which: 'up' | 'down' | 'verify' = 'up') => splitStatements(await m[which]!.read()).map((s) => s.sql)

async function problems(dir: string, format: FormatSetting): Promise<string[]> {
  try {
    await read(dir, format)
  } catch (err) {
    expect(err).toBeInstanceOf(ProjectError)
    return (err as ProjectError).problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.message}`)
  }
  return []
}

describe('dbmate', () => {
  it('reads the up and down sections, in version order, with transaction:false', async () => {
    const [users, audit] = await read(fixture('dbmate'), 'dbmate')
    expect([users!.id, audit!.id]).toEqual(['20151129054053_create_users_table', '20151129054054_audit_log'])
    expect(await statements(users!)).toEqual(['create table users (\n  id integer,\n  name varchar(255),\n  email varchar(255) not null\n)'])
    expect(await statements(users!, 'down')).toEqual(['drop table users'])
    expect(users!.up!.line).toBe(2)
    expect(users!.transaction).toBe(true)
    expect(audit!.transaction).toBe(false)
    expect(await statements(audit!)).toEqual([
      'create table audit_log (id integer, note varchar(100))',
      "insert into audit_log (id, note) values (1, 'created; by dbmate')",
    ])
  })

  it('refuses what dbmate refuses, at file:line', async () => {
    const dir = project({
      '1_no_up.sql': 'create table a (id int);\n',
      '2_no_down.sql': '-- migrate:up\ncreate table b (id int);\n',
      '3_before.sql': 'create table c (id int);\n-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n',
    })
    expect(await problems(dir, 'dbmate')).toEqual([
      "1_no_up.sql:1: dbmate requires each migration to define an up block with '-- migrate:up'",
      "2_no_down.sql:1: dbmate requires each migration to define a down block with '-- migrate:down'",
      "3_before.sql:1: dbmate does not support statements preceding the '-- migrate:up' block",
    ])
  })
})

describe('goose', () => {
  it('reads sections, blocks, NO TRANSACTION and ENVSUBST as goose does', async () => {
    // set here, not read from outside (vi.stubEnv: the test-settings scan looks for process.env reads)
    vi.stubEnv('POST_TITLE', 'from the environment')
    try {
      const [post, seed, tags] = await read(fixture('goose'), 'goose')
      expect([post!.version, seed!.version, tags!.version]).toEqual(['00001', '00002', '00003'])
      expect(await statements(post!)).toHaveLength(1)
      expect(await statements(post!, 'down')).toEqual(['DROP TABLE post'])
      expect(await statements(seed!)).toEqual([
        "INSERT INTO post (id, title) VALUES (1, 'from the environment')",
        "INSERT INTO post (id, title, body)\nVALUES (2, 'costs $5', 'a; b')",
      ])
      expect(tags!.transaction).toBe(false)
      expect(post!.transaction).toBe(true)
      expect(await tags!.up!.read()).not.toContain('+goose')
      expect(await statements(tags!)).toHaveLength(3)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('envsubst: defaults, empty values and escapes', () => {
    const env = { A: 'a', EMPTY: '' }
    expect(envsubst('${A} ${B:-b} ${EMPTY:-e} ${EMPTY-e} $A \\$A ${B}|', env)).toBe('a b e  a $A |')
  })

  it('an up section whose last statement lacks ";" is an error, as in goose; a broken down fails when read', async () => {
    expect(parseGoose('-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n').up!.error).toMatchObject({ line: 2 })
    const dir = project({
      '1_no_semicolon.sql': '-- +goose Up\nCREATE TABLE a (id int)\n',
      '2_no_up.sql': 'CREATE TABLE b (id int);\n',
      '3_bad_down.sql': '-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c\n',
      '4_block.sql': '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n',
      '5_lowercase.sql': '-- +goose up\nSELECT 1;\n',
    })
    expect(await problems(dir, 'goose')).toEqual([
      '1_no_semicolon.sql:2: unfinished SQL statement: missing semicolon? (goose ends a statement at a line ending in ";")',
      "2_no_up.sql:1: a goose migration must start with '-- +goose Up'",
      "4_block.sql:2: missing '-- +goose StatementEnd' annotation",
      '5_lowercase.sql:1: unknown goose annotation "-- +goose up" (goose compares them exactly: -- +goose Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUBST ON, ENVSUBST OFF)',
    ])
    const ok = project({ '3_bad_down.sql': '-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c\n' })
    const [m] = await read(ok, 'goose')
    await expect(m!.down!.read()).rejects.toThrow('3_bad_down.sql:4: unfinished SQL statement')
  })
})

describe('golang-migrate', () => {
  it('reads N_title.up.sql / .down.sql; versions are numbers', async () => {
    const ms = await read(fixture('golang-migrate'), 'golang-migrate')
    expect(ms.map((m) => m.id)).toEqual(['1_create_users_table', '2_add_nickname'])
    expect(await statements(ms[1]!, 'down')).toEqual(['ALTER TABLE users DROP COLUMN nickname'])
    const dup = project({ '1_a.up.sql': 'select 1;', '001_b.up.sql': 'select 2;' })
    expect(await problems(dup, 'golang-migrate')).toEqual(['1_a.up.sql:1: duplicate migration file: version 1 is also ' + join(dup, '001_b.up.sql')])
  })
})

describe('flyway', () => {
  it('orders versions as Flyway does (1 < 1.1 < 1.2 < 1.10 < 2), reads subfolders, U as down, R as repeatable, .conf', async () => {
    const ms = await read(fixture('flyway'), 'flyway')
    expect(ms.map((m) => (m.kind === 'repeatable' ? m.version : `V${m.version}`))).toEqual(['V1', 'V1.1', 'V1.2', 'V1.10', 'V2', 'V3', 'R__Person_names'])
    const notes = ms.find((m) => m.version === '1.10')!
    expect(await statements(notes, 'down')).toEqual(['drop table PERSON_NOTE'])
    expect(ms.find((m) => m.version === '3')!.transaction).toBe(false)
    const owner = ms.find((m) => m.version === '2')!
    expect(owner.up!.template).toBe(true)
    expect(await owner.up!.read()).toBe("insert into PERSON (ID, NAME) values ({{ vars.next_id | raw }}, '{{ vars.owner | raw }}');\n")
    expect(compareVersions('1.1', '1.10')).toBe(-1)
    expect(compareVersions('1.2', '1.10')).toBe(-1)
    expect(compareVersions('1.0', '1')).toBe(0)
    expect(compareVersions('2', '1.10')).toBe(1)
  })

  it('placeholders become raw variables; text nunjucks would read stays literal; flyway: built-ins', () => {
    const problems: { file: string; message: string }[] = []
    const out = placeholdersToTemplate("select '{{x}}', ${a}, ${flyway:filename}, ${my-var};\nselect ${flyway:user};", '/p/V1__x.sql', problems)
    expect(out).toEqual({
      text: '{% raw %}select \'{{x}}\', {% endraw %}{{ vars.a | raw }}, V1__x.sql, {{ vars["my-var"] | raw }};\nselect ${flyway:user};',
      template: true,
    })
    expect(problems).toEqual([
      { file: '/p/V1__x.sql:2', message: '${flyway:user} is a Flyway built-in mig does not provide: use a variable (vars.toml) instead' },
    ])
    expect(placeholdersToTemplate('select 1;', 'f', problems)).toEqual({ text: 'select 1;', template: false })
  })

  it('a name that is neither V, U, R nor B is refused; a baseline stands in for the versions it squashed', async () => {
    const bad = project({ 'V1__a.sql': 'select 1;', 'create_users.sql': 'select 2;', 'v2__lower.sql': 'select 3;', 'U9__orphan.sql': 'select 4;' })
    expect((await problems(bad, 'flyway')).sort()).toEqual([
      'U9__orphan.sql:1: undo migration without its versioned migration V9__…',
      'create_users.sql:1: not a Flyway migration name: V<version>__<description>.sql, U<version>__…, B<version>__… or R__<description>.sql',
      'v2__lower.sql:1: not a Flyway migration name: V<version>__<description>.sql, U<version>__…, B<version>__… or R__<description>.sql',
    ])
    const squashed = project({ 'V1__a.sql': 'select 1;', 'B2__base.sql': 'select 2;', 'V3__c.sql': 'select 3;' })
    expect((await read(squashed, 'flyway')).map((m) => m.id)).toEqual(['2_base', '3_c'])
    const both = project({ 'V1__a.sql': 'select 1;', 'V2__b.sql': 'select 2;', 'B2__base.sql': 'select 2;' })
    expect((await read(both, 'flyway')).map((m) => m.id)).toEqual(['1_a', '2_b'])
  })
})

describe('sqitch', () => {
  it('reads the plan in order with dependencies, reworked changes, verify scripts and their own transactions', async () => {
    const ms = await read(fixture('sqitch'), 'sqitch')
    expect(ms.map((m) => `${m.version} ${m.name} ${m.toolId}`)).toEqual([
      '1 appschema appschema',
      '2 users@v1.0.0-dev2 users',
      '3 flips flips',
      '4 users users',
    ])
    const [appschema, oldUsers, flips, users] = ms
    expect(oldUsers!.depends).toEqual(['1'])
    expect(flips!.depends).toEqual(['1', '2'])
    expect(users!.depends).toEqual(['2'])
    // BEGIN; … COMMIT; lines blanked: mig's transaction runs the change
    expect(await statements(appschema!)).toEqual(['CREATE TABLE flipr_meta (name varchar(50) PRIMARY KEY, value varchar(100))'])
    expect(appschema!.transaction).toBe(true)
    expect(flips!.transaction).toBe(false)
    expect(await statements(oldUsers!, 'verify')).toEqual(['SELECT nickname, password\n  FROM users\n WHERE 1 = 0'])
    expect(await statements(users!, 'down')).toEqual(['ALTER TABLE users DROP COLUMN twitter'])
  })

  it('an unreadable plan, a bad line and an unknown dependency are refused at file:line', async () => {
    expect(await problems(project({ 'deploy/a.sql': 'select 1;' }), 'sqitch')).toEqual([
      'sqitch.plan: cannot read: ENOENT (a sqitch project folder has sqitch.plan next to deploy/, revert/ and verify/)',
    ])
    const dir = project({
      'sqitch.plan': '%project=x\n\na 2013-12-30T23:19:09Z M <m@x>\nthis is not a change\nb [zz] 2013-12-30T23:19:09Z M <m@x>\n',
      'deploy/a.sql': 'select 1;',
      'deploy/b.sql': 'select 1;',
    })
    expect(await problems(dir, 'sqitch')).toEqual([
      'sqitch.plan:4: not a sqitch plan line (change [deps] timestamp planner <email> # note)',
      'sqitch.plan:5: "b" requires "zz", which no earlier change of the plan is',
    ])
  })
})

describe('liquibase formatted SQL', () => {
  it('reads changesets in changelog order; runOnChange as repeatable; rollback, runInTransaction, endDelimiter', async () => {
    const ms = await read(fixture('liquibase'), 'liquibase')
    expect(ms.map((m) => `${m.version} ${m.toolId}`)).toEqual([
      '1 nvoxland:1',
      '2 nvoxland:2',
      '3 nvoxland:3',
      '4 alice:add-row',
      'R__test1-names bob:test1-names',
    ])
    const [one, two, three, four, view] = ms
    expect(await statements(one!, 'down')).toEqual(['drop table test1'])
    expect(await statements(two!)).toEqual(["insert into test1 (id, name) values (1, 'name 1')", "insert into test1 (id, name) values (2, 'name; 2')"])
    expect(two!.description).toBe('two rows to start with')
    expect(three!.transaction).toBe(false)
    expect(await statements(four!)).toEqual(["insert into test1 (id, name) values (3, 'name 3')"])
    expect(view!.kind).toBe('repeatable')
    expect(view!.down).toBeNull()
  })

  it('a changeset without id and a dbms filter are refused at file:line', async () => {
    const dir = project({ 'c.sql': '--liquibase formatted sql\n--changeset bob\nselect 1;\n--changeset bob:2 dbms:mysql\nselect 2;\n' })
    expect(await problems(dir, 'liquibase')).toEqual([
      'c.sql:2: a changeset without id: Liquibase requires --changeset <author>:<id>',
      'c.sql:4: dbms:mysql: mig runs a changeset on every database; keep one changelog folder per database instead',
    ])
  })
})

describe('mig folders and auto', () => {
  it('a mig-format folder refuses other tools’ markers, naming the format to set', async () => {
    for (const [text, format] of [
      ['-- migrate:up\ncreate table post (id int);\n-- migrate:down\nDROP TABLE post;\n', 'dbmate'],
      ['-- +goose Up\nCREATE TABLE post (id int);\n-- +goose Down\nDROP TABLE post;\n', 'goose'],
      ['--liquibase formatted sql\n--changeset bob:1\nselect 1;\n', 'liquibase'],
      ['select 1;\n--changeset bob:1\nselect 2;\n', 'liquibase'],
    ]) {
      const [problem] = await problems(project({ '20240101000000_post.sql': text! }), 'mig')
      expect(problem).toContain(`Set format = "${format}" for this folder in mig.toml`)
      expect(problem).toMatch(/^20240101000000_post\.sql: line \d: /)
    }
    expect(await problems(project({ '1_a.sql': '-- changeset of columns for billing\nselect 1;\n-- migrate:upgrade later\n' }), 'mig')).toEqual([])
    const [flyway] = await problems(project({ 'V1__init.sql': 'select 1;' }), 'mig')
    expect(flyway).toBe('V1__init.sql: a Flyway migration name: set format = "flyway" for this folder in mig.toml')
  })

  it('auto detects each format from its files, and refuses a folder two formats claim', async () => {
    for (const name of ['dbmate', 'goose', 'flyway', 'sqitch', 'liquibase']) expect(detectFormat(fixture(name))).toEqual({ format: name })
    expect(detectFormat(fixture('golang-migrate'))).toEqual({ format: 'mig' })
    expect((await read(fixture('goose'), 'auto')).map((m) => m.version)).toEqual(['00001', '00002', '00003'])
    const mixed = fixture('dbmate', { '00009_other.sql': '-- +goose Up\nselect 1;\n' })
    const [problem] = await problems(mixed, 'auto')
    expect(problem).toContain('format = "auto" cannot tell this folder\'s format: its files read as ')
    expect(problem).toMatch(/dbmate \(.*20151129054053_create_users_table\.sql:1\)/)
    expect(problem).toMatch(/goose \(.*00009_other\.sql:1\)/)
  })

  it('mig.toml: { path, format } entries beside strings; unknown formats and two formats for one folder are refused', () => {
    const cfg = parseConfig('migrations = ["migrations", { path = "db/migrations", format = "dbmate" }]\n', '/p/mig.toml')
    expect(cfg.migrations).toEqual(['migrations', 'db/migrations'])
    expect(cfg.formats).toEqual({ 'db/migrations': 'dbmate' })
    expect(() => parseConfig('migrations = [{ path = "db", format = "rails" }]\n', '/p/mig.toml')).toThrow(/format of db must be one of "mig", "dbmate"/)
    expect(() => parseConfig('migrations = [{ path = "db", format = "goose" }, { path = "db", format = "dbmate" }]\n', '/p/mig.toml')).toThrow(
      /mig.toml:1.*folder db is listed twice, with formats "goose" and "dbmate": two formats cannot claim one folder/s,
    )
  })
})

describe('adopt --from and convert', () => {
  it('matches tool ids in order (sqitch reworks, liquibase author:id) and dotted Flyway versions', async () => {
    const sqitch = await read(fixture('sqitch'), 'sqitch')
    const match = matchImported(
      [
        { ref: 'appschema', toolId: 'appschema' },
        { ref: 'users', toolId: 'users' },
        { ref: 'users', toolId: 'users' },
      ],
      sqitch,
    )
    expect(match.migrations.map((m) => m.id)).toEqual(['1_appschema', '2_users@v1.0.0-dev2', '4_users'])
    const flyway = await read(fixture('flyway'), 'flyway')
    expect(matchImported([{ ref: 'V1_10__Add_notes.sql', version: '1.10', name: 'add_notes' }], flyway).migrations.map((m) => m.id)).toEqual(['1.10_Add_notes'])
  })

  it('convert writes up scripts byte for byte as mig reads them, so checksums carry over', async () => {
    for (const name of ['dbmate', 'goose', 'sqitch', 'liquibase', 'golang-migrate']) {
      const source = await read(fixture(name), name as FormatSetting)
      const { files, problems: refused } = await convertMigrations(source)
      expect(refused).toEqual([])
      const out = project(Object.fromEntries(files.map((f) => [f.path, f.text])))
      const converted = await read(out, 'mig')
      expect(converted.map((m) => m.version)).toEqual(source.map((m) => m.version))
      for (const [i, m] of converted.entries()) {
        if (m.kind === 'repeatable' && !source[i]!.transaction) continue
        expect(await m.up!.read()).toBe(await source[i]!.up!.read())
        expect(m.transaction).toBe(source[i]!.transaction)
        expect(m.depends).toEqual(source[i]!.depends)
      }
    }
    const { problems: dotted } = await convertMigrations(await read(fixture('flyway'), 'flyway'))
    expect(dotted.map((p) => p.migration)).toEqual(['1.1_Populate_table', '1.2_Add_people', '1.10_Add_notes'])
  })
})
