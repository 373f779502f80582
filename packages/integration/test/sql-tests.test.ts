import { readFileSync, writeFileSync } from 'node:fs'
import { testDialects } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDriver } from './cli.js'
import { leftoverCopies, type SqlTestProject, sqlTestProject } from './sql-tests-helpers.js'

const BASICS = `SELECT id, name FROM users ORDER BY id;
INSERT INTO users (id, name) VALUES (2, 'bob');
SELECT COUNT(*) AS n FROM users;
SELECT * FROM no_such_table;
SELECT 41 + 1 AS answer, NULL AS missing;
`

// The main script holds a row lock; session b waits for it, so the main script goes on while b is
// blocked, and b's update happens only after the COMMIT.
const LOCK = `BEGIN;
UPDATE users SET name = 'main' WHERE id = 1;
{% session "b" %}
UPDATE users SET name = 'session' WHERE id = 1;
SELECT name FROM users WHERE id = 1;
{% endsession %}
SELECT name FROM users WHERE id = 1;
COMMIT;
{% wait "b" %}
SELECT name FROM users WHERE id = 1;
`

const SEEDED = `SELECT {{ uuid_v4() }} AS a, {{ uuid_v7() }} AS b;\nSELECT {{ uuid_v4() }} AS c;\n`

/** `mig test` through the built CLI, in temp projects, on every dialect. */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: mig test`, () => {
    let url: string
    let project: SqlTestProject
    beforeAll(async () => {
      url = await dialect.createDatabase()
      project = await sqlTestProject(url, {
        'tests/basics/test.sql': BASICS,
        'tests/lock/test.sql': LOCK,
        'tests/seeded/test.sql.njk': SEEDED,
      })
    })
    afterAll(async () => {
      project?.cleanup()
      await dialect.dropDatabase(url)
    })

    it('expect writes psql-style output; compare passes; errors do not stop the script; the target is untouched', async () => {
      const expect1 = await project.mig(['test', 'expect'])
      expect(expect1.stderr).toBe('')
      expect(expect1.code).toBe(0)
      expect(expect1.stdout).toContain('Wrote tests/basics/expected.out')
      expect(expect1.stdout).toMatch(/^3 passed, 0 failed$/m)
      const out = readFileSync(project.path('tests/basics/expected.out'), 'utf8')
      expect(out).toContain(' id | name\n----+-------\n  1 | alice\n(1 row)\n')
      expect(out).toContain(' n\n---\n 2\n(1 row)\n')
      // the error is reported and the next statement still runs
      expect(out).toMatch(/SELECT \* FROM no_such_table;\nERROR: {2}.*no_such_table/)
      expect(out).toContain('SELECT 41 + 1 AS answer, NULL AS missing;\n answer | missing\n--------+---------\n     42 | (null)\n(1 row)\n')
      const compare = await project.mig(['test', 'compare'])
      expect(compare.code).toBe(0)
      expect(compare.stdout).toMatch(/^ok {3}basics \(\d+ms\)$/m)
      expect(compare.stdout).toMatch(/^3 passed, 0 failed$/m)
      const rows = await withDriver(dialect.name, url, (d) => d.query('SELECT id, name FROM users ORDER BY id'))
      expect(rows.map((r) => `${r.id}:${r.name}`)).toEqual(['1:alice'])
      expect(await leftoverCopies(dialect, project)).toEqual([])
    })

    it('run prints the output of the named tests', async () => {
      const r = await project.mig(['test', 'run', 'basics'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(readFileSync(project.path('tests/basics/expected.out'), 'utf8'))
    })

    it('a changed result prints a plain unified diff and exits 1; the copy is dropped', async () => {
      const script = project.path('tests/basics/test.sql')
      writeFileSync(script, BASICS.replace("'bob'", "'carol'").replace('ORDER BY id;', 'ORDER BY id DESC;'))
      try {
        const r = await project.mig(['test', 'compare', '--junit', 'junit.xml'])
        expect(r.code).toBe(1)
        expect(r.stdout).toMatch(/^FAIL basics \(\d+ms\): output differs from expected\.out$/m)
        expect(r.stdout).toContain('--- tests/basics/expected.out')
        expect(r.stdout).toContain('-SELECT id, name FROM users ORDER BY id;')
        expect(r.stdout).toContain('+SELECT id, name FROM users ORDER BY id DESC;')
        expect(r.stdout).toMatch(/^@@ /m)
        expect(r.stdout).not.toMatch(/\x1b\[/)
        expect(r.stdout).toMatch(/^2 passed, 1 failed$/m)
        const junit = readFileSync(project.path('junit.xml'), 'utf8')
        expect(junit).toContain('<testsuite name="mig test" tests="3" failures="1" errors="0"')
        expect(junit).toMatch(
          /<testcase classname="mig test" name="basics" time="[\d.]+">\n\s+<failure message="output differs from expected.out">--- tests\/basics\/expected.out/,
        )
        expect(junit).toMatch(/<testcase classname="mig test" name="lock" time="[\d.]+"\/>/)
        expect(await leftoverCopies(dialect, project)).toEqual([])
      } finally {
        writeFileSync(script, BASICS)
      }
    })

    it('a test without expected output fails and says to run mig test expect', async () => {
      project.write({ 'tests/fresh/test.sql': 'SELECT 1 AS one;\n' })
      try {
        const r = await project.mig(['test', 'compare', 'fresh'])
        expect(r.code).toBe(1)
        expect(r.stdout).toContain('no expected output (tests/fresh/expected.out): run mig test expect fresh')
      } finally {
        project.write({ 'tests/fresh/test.sql': '' })
        const { rmSync } = await import('node:fs')
        rmSync(project.path('tests/fresh'), { recursive: true, force: true })
      }
    })

    it('a lock test gives the same output 20 runs in a row', async () => {
      const expected = readFileSync(project.path('tests/lock/expected.out'), 'utf8')
      // b waited for the main script's lock, and saw the main script's update committed before its own
      expect(expected).toContain("-- session b\n-- (waiting for a lock)\nUPDATE users SET name = 'session' WHERE id = 1;\nUPDATE 1\n")
      expect(expected).toMatch(/SELECT name FROM users WHERE id = 1;\n name\n-+\n main\n\(1 row\)\n\nCOMMIT;/)
      expect(expected.trimEnd().endsWith(' session\n(1 row)')).toBe(true)
      for (let i = 0; i < 20; i++) {
        const r = await project.mig(['test', 'compare', 'lock'])
        expect(r.stdout + r.stderr, `run ${i + 1}`).toMatch(/^ok {3}lock/m)
        expect(r.code).toBe(0)
      }
    })

    it("seeded template functions give the same values every run, seeded by the test's name, and are reported", async () => {
      const first = await project.mig(['test', 'run', 'seeded'])
      expect(first.code).toBe(0)
      expect(first.stdout).toContain("Seeded values (uuid_v4, uuid_v7 seeded by the test's name) in: seeded")
      const uuids = first.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g) ?? []
      // three calls, each printed in the echoed statement and in its result
      expect(new Set(uuids).size).toBe(3)
      expect(uuids.filter((u) => u[14] === '7')).toHaveLength(2)
      const second = await project.mig(['test', 'run', 'seeded'])
      expect(second.stdout).toBe(first.stdout)
      project.write({ 'tests/seeded2/test.sql.njk': SEEDED })
      try {
        const other = await project.mig(['test', 'run', 'seeded2'])
        expect(other.code).toBe(0)
        for (const u of new Set(uuids)) expect(other.stdout).not.toContain(u)
      } finally {
        const { rmSync } = await import('node:fs')
        rmSync(project.path('tests/seeded2'), { recursive: true, force: true })
      }
    })

    it('--json prints one event per line and a summary', async () => {
      const r = await project.mig(['--json', 'test', 'compare'])
      expect(r.code).toBe(0)
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(events.filter((e) => e.event === 'test:start').map((e) => e.name)).toEqual(['basics', 'lock', 'seeded'])
      expect(events.filter((e) => e.event === 'test:passed')).toHaveLength(3)
      expect(events.find((e) => e.name === 'seeded' && e.event === 'test:passed').seeded).toBe(true)
      expect(events.at(-1)).toEqual({ event: 'summary', passed: 3, failed: 0, seeded: ['seeded'] })
    })

    it('bad input exits 2 with a clear message', async () => {
      const cases: [Record<string, string>, string[], RegExp][] = [
        [{ 'tests/empty/README': 'x' }, ['test', 'run'], /tests\/empty: test folder has no test\.sql/],
        [{}, ['test', 'run', 'nope'], /no test named "nope"[\s\S]*known tests: basics, lock, seeded/],
        [
          { 'tests/open/test.sql': 'SELECT 1;\n{% session "b" %}\nSELECT 2;\n' },
          ['test', 'run', 'open'],
          /tests\/open\/test\.sql:2: session "b" is never closed/,
        ],
        [{ 'tests/tpl/test.sql.njk': 'SELECT 1;\nSELECT {{ 1 + }};\n' }, ['test', 'run', 'tpl'], /tests\/tpl\/test\.sql\.njk:2:\d+: /],
        [{ 'tests/wait/test.sql': '{% wait "z" %}\n' }, ['test', 'run', 'wait'], /tests\/wait\/test\.sql:1: .*no session "z" started/],
      ]
      const { rmSync } = await import('node:fs')
      for (const [files, args, message] of cases) {
        project.write(files)
        try {
          const r = await project.mig(args)
          expect(r.stderr).toMatch(message)
          expect(r.code).toBe(2)
        } finally {
          for (const f of Object.keys(files)) rmSync(project.path(f.split('/').slice(0, 2).join('/')), { recursive: true, force: true })
        }
      }
      expect(await leftoverCopies(dialect, project)).toEqual([])
    })
  })
}
