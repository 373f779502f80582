// End-to-end demo on the embedded SQLite default: init -> new -> up -> status, in examples/quickstart.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const bin = join(root, 'apps/cli/dist/bin.cjs')
const dir = join(root, 'examples/quickstart')
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
const mig = (...args) => {
  console.log(`$ mig ${args.join(' ')}`)
  execFileSync(process.execPath, [bin, ...args], { cwd: dir, stdio: 'inherit' })
}
mig('init')
mig('new', 'create_users')
const file = readdirSync(join(dir, 'migrations')).find((f) => f.endsWith('_create_users.sql'))
writeFileSync(
  join(dir, 'migrations', file),
  '-- mig:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);\n\n-- mig:down\nDROP TABLE users;\n',
)
mig('up')
mig('status')
