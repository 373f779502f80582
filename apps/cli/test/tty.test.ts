import { spawnSync } from 'node:child_process'
import { tempProject } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { BIN } from './helpers.js'

// A real pseudo-terminal through util-linux `script`, as a person at a terminal would see it;
// `shell` goes before the command (a background job, `timeout`).
function inTerminal(cwd: string, args: string[], shell = ''): string {
  const env = { ...process.env }
  delete env.CI
  const cmd = `stty cols 100 rows 30; ${shell}${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.join(' ')}`
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

  // timed saves in a pseudo-terminal (script(1) gives no output until it ends, so the test cannot
  // wait for the screen): it failed once in ~15 runs on a loaded machine, cause not seen; one retry
  it('mig watch shows the live view: header, re-applies with ✔/✖, the last error until a save fixes it', { retry: 1 }, () => {
    const p = tempProject({
      'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\n',
      'migrations/R__v.sql': 'DROP VIEW IF EXISTS v;\nCREATE VIEW v AS SELECT 1 AS one;\n',
    })
    try {
      // a broken save after 2.5s, a fixed one after 5s, Ctrl-C (SIGINT) after 7.5s (slack for a busy machine)
      const edits =
        "(sleep 2.5; printf 'CREATE VIEW v AS SELEC 1;\\n' > migrations/R__v.sql; sleep 2.5; printf 'DROP VIEW IF EXISTS v;\\nCREATE VIEW v AS SELECT 2 AS two;\\n' > migrations/R__v.sql) & timeout -s INT 7.5 "
      const screen = inTerminal(p.dir, ['watch'], edits)
      expect(screen).toContain('Database: sqlite:')
      expect(screen).toContain('Watching migrations')
      expect(screen).toContain('watching… (Ctrl-C to stop)')
      // Ink draws at most every 32ms: a quick round may skip its "re-applying" frame, never its first
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (checking what changed|re-applying 1 repeatable)…/)
      expect(screen).toMatch(/✔ \d\d:\d\d:\d\d {2}Applied R__v \(\d+ms\)/)
      expect(screen).toMatch(/✖ \d\d:\d\d:\d\d {2}Failed R__v: .* at migrations\/R__v\.sql:1/)
      expect(screen).toMatch(/✖ migrations\/R__v\.sql:1: R__v: .*SELEC/)
      // the fix: re-applied, and the error box is gone from the last frame
      const fixed = screen.slice(screen.lastIndexOf('Re-applied R__v'))
      expect(fixed).toMatch(/^Re-applied R__v \(\d+ms\)/)
      expect(fixed).not.toContain('✖ migrations/R__v.sql')
      // "stopped" after Ctrl-C is asserted off a terminal (watch.test.ts): here script(1) can end
      // before the view's last frame reaches its file
    } finally {
      p.cleanup()
    }
  })
})
