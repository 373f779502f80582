import { describe, expect, it } from 'vitest'
import { commandTag, markSessionTags, parseScript, readTap, renderStatementResult, renderTable, SqlTestError } from '../src/index.js'

describe('result rendering', () => {
  it('renders an aligned psql-style table: centred headers, numbers on the right, NULL, multi-line cells, no trailing spaces', () => {
    const text = renderTable(
      [
        { name: 'id', align: 'right' },
        { name: 'name', align: 'left' },
        { name: 'note', align: 'left' },
      ],
      [
        ['1', 'alice', null],
        ['22', 'bob', 'two\nlines'],
      ],
    )
    expect(text).toBe(
      [' id | name  |  note', '----+-------+--------', '  1 | alice | (null)', ' 22 | bob   | two   +', '    |       | lines', '(2 rows)'].join('\n'),
    )
    expect(renderTable([{ name: 'x', align: 'left' }], [])).toBe(' x\n---\n(0 rows)')
  })

  it('renders a statement with its notices, then its table, tag or error, and a blank line', () => {
    expect(renderStatementResult({ sql: 'select 1 as x', columns: [{ name: 'x', align: 'right' }], rows: [['1']], notices: [] })).toBe(
      'select 1 as x;\n x\n---\n 1\n(1 row)\n\n',
    )
    expect(renderStatementResult({ sql: 'insert into t values (1);', tag: 'INSERT 0 1', notices: [{ severity: 'NOTICE', message: 'hi' }] })).toBe(
      'insert into t values (1);\nNOTICE:  hi\nINSERT 0 1\n\n',
    )
    expect(renderStatementResult({ sql: 'select x', notices: [], error: { severity: 'ERROR', message: 'no x', detail: 'd', hint: 'h' } })).toBe(
      'select x;\nERROR:  no x\nDETAIL:  d\nHINT:  h\n\n',
    )
  })

  it('makes command tags for engines without them', () => {
    expect(commandTag('-- c\nUPDATE t SET a = 1', 3)).toBe('UPDATE 3')
    expect(commandTag('create table t (a int)', 0)).toBe('CREATE')
  })
})

describe('test scripts', () => {
  it('cuts a script into main statements, session blocks and waits, keeping line numbers', () => {
    const src = 'BEGIN;\n{% session "b" %}\nSELECT 1;\nSELECT 2;\n{% endsession %}\nCOMMIT;\n{% wait "b" %}\nSELECT 3;\n'
    const blocks = parseScript(markSessionTags(src, 't.sql'), 't.sql')
    expect(
      blocks.map((b) =>
        b.kind === 'wait'
          ? `wait ${b.session}`
          : `${b.kind}${b.kind === 'session' ? ` ${b.session}` : ''}: ${b.statements.map((s) => `${s.line}:${s.sql}`).join(' | ')}`,
      ),
    ).toEqual(['main: 1:BEGIN', 'session b: 3:SELECT 1 | 4:SELECT 2', 'main: 6:COMMIT', 'wait b', 'main: 8:SELECT 3'])
  })

  it('refuses a session never closed, a nested session, a nameless one and a wait for an unknown session, with the line', () => {
    const cases: [string, RegExp][] = [
      ['SELECT 1;\n{% session "b" %}\nSELECT 2;\n', /^t\.sql:2: session "b" is never closed$/],
      ['{% session "a" %}\n{% session "b" %}\n{% endsession %}', /^t\.sql:2: .*do not nest/],
      ['{% session %}\n{% endsession %}', /^t\.sql:1: .*needs a session name/],
      ['{% endsession %}', /^t\.sql:1: \{% endsession %\} without/],
    ]
    for (const [src, message] of cases) expect(() => markSessionTags(src, 't.sql')).toThrow(message)
    expect(() => parseScript(markSessionTags('SELECT 1;\n{% wait "z" %}\n', 't.sql'), 't.sql')).toThrow(SqlTestError)
  })
})

describe('TAP', () => {
  const rows = (...lines: string[]) => lines.map((l) => ({ sql: 's', columns: [{ name: 'x', align: 'left' as const }], rows: [[l]], notices: [] }))

  it('reads a plan and assertions, and fails on not ok or a plan not met', () => {
    const ok = readTap(rows('1..2', 'ok 1 - a', 'ok 2 - b'))
    expect(ok?.failures).toEqual([])
    expect(ok?.assertions.map((a) => `${a.ok}:${a.number}:${a.description}`)).toEqual(['true:1:a', 'true:2:b'])
    const bad = readTap(rows('1..3', 'ok 1 - a', 'not ok 2 - b\n# Failed test 2'))
    expect(bad?.failures).toEqual(['not ok 2 - b', 'planned 3 tests but ran 2'])
    expect(bad?.diagnostics).toEqual(['# Failed test 2'])
    expect(readTap(rows('not ok 1 - x # TODO later', '1..1'))?.failures).toEqual([])
  })

  it('is not TAP without a plan', () => {
    expect(readTap(rows('ok 1 - looks like it'))).toBeUndefined()
  })
})
