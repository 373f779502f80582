// The GitHub Action's step (action/run.mjs), run as the runner runs it: inputs in INPUT_*
// variables, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT pointing at files, against real databases.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { tempProject, type TempProject, testDialects } from '@mig/test-utils'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const RUN = `${ROOT}action/run.mjs`

interface StepRun {
  code: number | null
  log: string
  stderr: string
  summary: string
  outputs: Record<string, string>
}

/** Run the action's step in `p` with the given inputs (as `with:` names them). */
function step(p: TempProject, inputs: Record<string, string>): StepRun {
  const summaryFile = p.path(`summary-${Math.random().toString(36).slice(2)}.md`)
  const outputFile = p.path(`output-${Math.random().toString(36).slice(2)}.txt`)
  writeFileSync(summaryFile, '')
  writeFileSync(outputFile, '')
  const env: Record<string, string | undefined> = {
    ...process.env,
    GITHUB_WORKSPACE: p.dir,
    DATABASE_URL: undefined,
    MIG_TARGET: undefined,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const r = spawnSync(process.execPath, [RUN], { cwd: p.dir, env, encoding: 'utf8' })
  const outputs = Object.fromEntries(
    readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
  return { code: r.status, log: r.stdout, stderr: r.stderr, summary: readFileSync(summaryFile, 'utf8'), outputs }
}

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

for (const dialect of testDialects()) {
  describe(`the GitHub Action on ${dialect.name}`, () => {
    it('up applies, writes a summary table and the applied output; status, a failure and bad usage are summarised', async () => {
      const url = await dialect.createDatabase()
      // the project has no URL: the database comes from the database-url input
      const p = tempProject({
        'app/mig.toml': '',
        'app/migrations/1_users.sql': 'CREATE TABLE users (id int);\n',
        'app/migrations/2_orders.sql': 'CREATE TABLE orders (id int);\n',
      })
      cleanups.push(async () => {
        p.cleanup()
        await dialect.dropDatabase(url)
      })
      const common = { 'database-url': url, 'working-directory': 'app', version: 'source' }

      const up = step(p, { ...common, command: 'up' })
      expect(up.code, up.stderr).toBe(0)
      expect(up.outputs).toEqual({ applied: '2', failed: '0', 'exit-code': '0' })
      expect(up.log).toContain(`::add-mask::${url}\n`)
      expect(up.log).toMatch(/^Applied 1_users \(\d+ ms\)$/m)
      expect(up.summary).toContain('## ✅ `mig up`')
      expect(up.summary).toMatch(/\| ✅ \| `1_users` \| up \| applied \| \d+ ms \|\n\| ✅ \| `2_orders` \| up \| applied \| \d+ ms \|/)
      expect(up.summary).toMatch(/2 migrations applied in \d/)

      const again = step(p, { ...common, command: 'up' })
      expect(again.code).toBe(0)
      expect(again.outputs.applied).toBe('0')
      expect(again.summary).toContain('Nothing to do: the database is up to date.')

      const status = step(p, { ...common, command: 'status' })
      expect(status.code, status.stderr).toBe(0)
      expect(status.summary).toMatch(/\| `1` \| users \| applied \| \d{4}-/)
      expect(status.outputs.applied).toBe('0')

      writeFileSync(p.path('app/migrations/3_broken.sql'), 'CREATE TABLE items (id int);\nINSERT INTO missing_table VALUES (1);\n')
      writeFileSync(p.path('app/migrations/4_later.sql'), 'CREATE TABLE later (id int);\n')
      const failed = step(p, { ...common, command: 'up' })
      expect(failed.code).toBe(1)
      expect(failed.outputs).toEqual({ applied: '0', failed: '1', 'exit-code': '1' })
      expect(failed.summary).toContain('## ❌ `mig up`')
      expect(failed.summary).toMatch(/\| ❌ \| `3_broken` \| up \| failed \|/)
      expect(failed.summary).toContain('**Error:** 3_broken')
      expect(failed.summary).toContain('```sql\nINSERT INTO missing_table VALUES (1)\n```')
      // an annotation on the file and line, relative to the workspace
      expect(failed.log).toMatch(/^::error file=app\/migrations\/3_broken\.sql,line=2::3_broken/m)

      const usage = step(p, { ...common, command: 'up', args: '--to' })
      expect(usage.code).toBe(2)
      expect(usage.outputs['exit-code']).toBe('2')
      expect(usage.summary).toContain("option '--to <version>' argument missing")
    })
  })
}

describe('the GitHub Action: inputs and which mig runs', () => {
  it('args (quoted words stay one argument) reach mig; the project-installed @mig/cli runs by default', () => {
    const p = tempProject({
      'mig.toml': '[targets.ci]\nurl = "sqlite:./ci.db"\n',
      'migrations/1_a.sql': 'CREATE TABLE a (id int);\n',
      'package.json': '{"name":"app","private":true}',
    })
    cleanups.push(async () => p.cleanup())
    mkdirSync(p.path('node_modules/@mig'), { recursive: true })
    symlinkSync(realpathSync(`${ROOT}apps/cli`), p.path('node_modules/@mig/cli'))
    const dry = step(p, { command: 'up', args: '--target "ci" --dry-run' })
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.log).toMatch(/^Running mig up --target ci --dry-run with @mig\/cli \d+\.\d+\.\d+ /m)
    expect(dry.summary).toContain('| 📝 | `1_a` | up | planned |')
    expect(dry.summary).toContain('Dry run: nothing was changed.')
    expect(dry.outputs.applied).toBe('0')
    expect(dry.summary).toContain('sqlite:')
    expect(dry.summary).toContain('ci.db` (target `ci`)')
  })
  it('action.yml passes every input run.mjs reads, as the runner names them', () => {
    const yml = readFileSync(`${ROOT}action.yml`, 'utf8')
    const run = readFileSync(RUN, 'utf8')
    const read = [...run.matchAll(/input\(env, '([a-z-]+)'\)/g)].map((m) => m[1]!)
    expect(read.sort()).toEqual(['args', 'command', 'database-url', 'version', 'working-directory'])
    for (const name of read) {
      expect(yml).toMatch(new RegExp(`^  ${name}:\\n    description: `, 'm'))
      expect(yml).toContain(`INPUT_${name.toUpperCase()}: \${{ inputs.${name} }}`)
    }
    expect(yml).toContain('applied:\n    description:')
    // the file is valid YAML of a composite action whose last step runs the script
    const { parse } = createRequire(`${ROOT}packages/templates/package.json`)('yaml') as { parse(text: string): unknown }
    const action = parse(yml) as {
      runs: { using: string; steps: { run?: string; env?: Record<string, string> }[] }
      outputs: Record<string, { value: string }>
    }
    expect(action.runs.using).toBe('composite')
    expect(action.runs.steps.at(-1)?.run).toBe('node "$GITHUB_ACTION_PATH/action/run.mjs"')
    expect(Object.keys(action.runs.steps.at(-1)?.env ?? {}).sort()).toEqual(read.map((name) => `INPUT_${name.toUpperCase()}`).sort())
    expect(Object.keys(action.outputs).sort()).toEqual(['applied', 'exit-code', 'failed'])
  })
})
