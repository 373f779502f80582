import type { SqlTestRun } from '@mig/core'
import { createTwoFilesPatch } from 'diff'

/** The outcome of one test in a `mig test` command. */
export interface TestOutcome {
  name: string
  status: 'passed' | 'failed' | 'error'
  durationMs: number
  /** The unified diff of expected and actual output (failed comparisons). */
  diff?: string
  /** Why it failed, in one line. */
  message?: string
  /** The test called seeded template functions. */
  seeded?: boolean
  run?: SqlTestRun
}

/** A unified diff of the expected and the actual output (`diff` package), labelled with the file. */
export function outputDiff(expectedFile: string, expected: string, actual: string): string {
  return createTwoFilesPatch(expectedFile, `${expectedFile} (actual)`, expected, actual, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((l) => !/^=+$/.test(l) && !l.startsWith('Index: '))
    .join('\n')
    .trimEnd()
}

/** Whether output to this stream may be coloured: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColor(tty: boolean): boolean {
  return tty && !process.env.NO_COLOR
}

/** Colour a unified diff for a terminal: removals red, additions green, hunk headers cyan. */
export function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? `\x1b[1m${l}\x1b[22m`
        : l.startsWith('+')
          ? `\x1b[32m${l}\x1b[39m`
          : l.startsWith('-')
            ? `\x1b[31m${l}\x1b[39m`
            : l.startsWith('@@')
              ? `\x1b[36m${l}\x1b[39m`
              : l,
    )
    .join('\n')
}

function xml(text: string): string {
  // characters XML 1.0 cannot hold at all are dropped (a NUL in a result)
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * JUnit XML for CI: one `<testsuite>` named `suite`, a `<testcase>` per test with a `<failure>`
 * (the diff, or the TAP failures) or an `<error>` (the test could not run).
 */
export function junitXml(suite: string, outcomes: readonly TestOutcome[]): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3)
  const failures = outcomes.filter((o) => o.status === 'failed').length
  const errors = outcomes.filter((o) => o.status === 'error').length
  const total = outcomes.reduce((n, o) => n + o.durationMs, 0)
  const cases = outcomes.map((o) => {
    const open = `    <testcase classname="${xml(suite)}" name="${xml(o.name)}" time="${seconds(o.durationMs)}"`
    if (o.status === 'passed') return `${open}/>`
    const tag = o.status === 'failed' ? 'failure' : 'error'
    return `${open}>\n      <${tag} message="${xml(o.message ?? o.status)}">${xml(o.diff ?? o.message ?? '')}</${tag}>\n    </testcase>`
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${outcomes.length}" failures="${failures}" errors="${errors}" time="${seconds(total)}">`,
    `  <testsuite name="${xml(suite)}" tests="${outcomes.length}" failures="${failures}" errors="${errors}" time="${seconds(total)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

/** `3 passed, 1 failed` (and errors when there were some). */
export function summaryLine(outcomes: readonly TestOutcome[]): string {
  const count = (s: TestOutcome['status']) => outcomes.filter((o) => o.status === s).length
  const errors = count('error')
  return `${count('passed')} passed, ${count('failed') + errors} failed${errors ? ` (${errors} could not run)` : ''}`
}
