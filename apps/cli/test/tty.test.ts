import { spawnSync } from 'node:child_process'
import { tempProject } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { BIN } from './helpers.js'

// A real pseudo-terminal through util-linux `script`, as a person at a terminal would see it.
function inTerminal(cwd: string, args: string[]): string {
  const env = { ...process.env }
  delete env.CI
  const cmd = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.join(' ')}`
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd, encoding: 'utf8', env })
  // strip ANSI escapes and carriage returns
  return r.stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '\n')
}

describe('on a terminal (util-linux script)', () => {
  it('mig up shows the Ink view: spinner, finished lines with durations, progress, summary', () => {
    const p = tempProject({
      'migrations/1_a.sql': 'CREATE TABLE a (x int);',
      'migrations/2_b.sql': 'CREATE TABLE b (x int);',
      'migrations/3_c.sql': 'CREATE TABLE c (x int);',
    })
    try {
      const screen = inTerminal(p.dir, ['up'])
      expect(screen).toMatch(/✔ Applied 1_a \(\d+ms\)/)
      expect(screen).toMatch(/✔ Applied 3_c \(\d+ms\)/)
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Applying \d_\w\.\.\./)
      expect(screen).toContain('3/3')
      expect(screen).toContain('Applied 3 migrations')
      expect(screen).not.toContain('done (')
    } finally {
      p.cleanup()
    }
  })

  it('mig watch --once marks each re-apply with the time and ✔', () => {
    const p = tempProject({
      'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\n',
      'migrations/R__v.sql': 'DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT 1 AS one;\n',
    })
    try {
      expect(inTerminal(p.dir, ['watch', '--once'])).toMatch(/✔ \d\d:\d\d:\d\d {2}Applied R__v \(\d+ms\)/)
      p.write({ 'migrations/R__v.sql': 'CREATE VIEW v AS SELEC 1;\n' })
      expect(inTerminal(p.dir, ['watch', '--once'])).toMatch(/✖ \d\d:\d\d:\d\d {2}Failed R__v: .* at migrations\/R__v\.sql:1/)
    } finally {
      p.cleanup()
    }
  })
})
