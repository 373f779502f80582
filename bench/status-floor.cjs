// The floor under `mig status`: what any Node program that checks 1,000 migration files must do
// at least, without a database (bench/run.mjs runs it against `node -e 0`). Reads every file of
// the directory, hashes it with sha256 (as mig's checksums) and prints one line per file.
'use strict'
const { readdirSync, readFileSync } = require('node:fs')
const crypto = require('node:crypto')
const { join } = require('node:path')

const dir = process.argv[2]
const sha256 = crypto.hash ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex')
let out = ''
for (const name of readdirSync(dir).sort()) out += `${name}  ${sha256(readFileSync(join(dir, name)))}\n`
process.stdout.write(out)
