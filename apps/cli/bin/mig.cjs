#!/usr/bin/env node
// The `mig` command. The CLI is built into dist/ (scripts/build.mjs); this file is committed so
// the command exists before a build (a workspace links it at install time) and says what to do.
'use strict'
const { join } = require('node:path')
const bin = join(__dirname, '..', 'dist', 'bin.cjs')
try {
  require.resolve(bin)
} catch {
  process.stderr.write(`error: mig is not built (${bin} is missing)\n  hint: run \`pnpm build\` in the repository\n`)
  process.exit(2)
}
require(bin)
