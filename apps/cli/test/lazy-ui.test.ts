import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempProject } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { BIN } from './helpers.js'

const TRACE = fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url))

function traced(cwd: string, args: string[]) {
  return spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } })
}

/** The same, on a pseudo-terminal (util-linux `script`), where mig shows the Ink view. */
function tracedOnTerminal(cwd: string, args: string[]): string {
  const env = { ...process.env }
  delete env.CI
  const cmd = [process.execPath, '--import', TRACE, BIN, ...args].map((a) => JSON.stringify(a)).join(' ')
  const r = spawnSync('script', ['-qec', `stty cols 100 rows 30; ${cmd}`, '/dev/null'], { cwd, encoding: 'utf8', env })
  // strip ANSI escapes and carriage returns
  return r.stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '\n')
}

describe('Ink and React load only for a TTY', () => {
  it('the tracer sees them when the UI module is imported (so the check below can fail)', () => {
    const r = spawnSync(process.execPath, ['--import', TRACE, '-e', `import(${JSON.stringify(new URL('../dist/ui/run-view.js', import.meta.url).href)})`], {
      encoding: 'utf8',
    })
    expect(r.stderr).toContain('LOADED ink')
  })
  it('the tracer sees them when the bundled binary runs on a terminal (Ink and React are imported, not inlined)', () => {
    const p = tempProject({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
    try {
      const screen = tracedOnTerminal(p.dir, ['up'])
      expect(screen).toMatch(/✔ Applied 1_a \(\d+ms\)/)
      expect(screen).toContain('LOADED ink')
      expect(screen).toContain('LOADED react')
    } finally {
      p.cleanup()
    }
  })
})

describe('node:child_process loads only when a command runs', () => {
  it('the tracer sees it when a hook runs (so the check below can fail)', () => {
    const p = tempProject({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);', 'mig.toml': '[hooks]\nbefore_up = "true"\n' })
    try {
      const r = traced(p.dir, ['up'])
      expect(r.status, r.stderr).toBe(0)
      expect(r.stderr).toContain('LOADED node:child_process')
    } finally {
      p.cleanup()
    }
  })
})

describe('the AWS SDK loads only for s3:// migration entries', () => {
  it('the tracer sees it when an s3:// entry is listed (so the check below can fail)', () => {
    const p = tempProject({ 'mig.toml': 'migrations = ["s3://bucket-x/db"]\n[s3]\nendpoint = "http://127.0.0.1:9"\n' })
    try {
      const r = spawnSync(process.execPath, ['--import', TRACE, BIN, 'status'], {
        cwd: p.dir,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1' },
      })
      expect(r.status).toBe(2)
      expect(r.stderr).toContain('LOADED @aws-sdk/client-s3')
    } finally {
      p.cleanup()
    }
  })
})

// The tracer reports Ink, React, the AWS SDK, node:child_process (the cases above show it can see each) and
// vscode-languageserver (lsp.test.ts shows it sees that one when mig lsp runs)
describe('a plain run without a terminal or hooks loads none of them', () => {
  for (const args of [['--version'], ['up', '--json'], ['up'], ['status'], ['watch', '--once']]) {
    it(`mig ${args.join(' ')}`, () => {
      const p = tempProject({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
      try {
        const r = traced(p.dir, args)
        expect(r.status).toBe(0)
        expect(r.stderr).not.toContain('LOADED')
      } finally {
        p.cleanup()
      }
    })
  }
})
