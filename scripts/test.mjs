// Runs every package's tests through turbo, then prints one closing line for the whole suite:
// "Tests: N passed, N failed, N skipped" (summed from each package's vitest JSON report).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['packages', 'apps']
const reports = roots.flatMap((r) => (existsSync(r) ? readdirSync(r).map((p) => join(r, p, '.test-results.json')) : []))
for (const r of reports) rmSync(r, { force: true })

const args = ['run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)]
const run = spawnSync('turbo', args, { stdio: 'inherit' })

let passed = 0
let failed = 0
let skipped = 0
let files = 0
for (const r of reports) {
  if (!existsSync(r)) continue
  const j = JSON.parse(readFileSync(r, 'utf8'))
  files++
  passed += j.numPassedTests ?? 0
  failed += (j.numFailedTests ?? 0) + (j.numFailedTestSuites && !j.numFailedTests ? j.numFailedTestSuites : 0)
  skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0)
}
const code = run.status ?? 1
if (code !== 0 && failed === 0) failed = 1 // a package that crashed before reporting
console.log(`\n${files} packages tested`)
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(code)
