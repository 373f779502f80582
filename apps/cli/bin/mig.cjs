#!/usr/bin/env node
// The `mig` command in the workspace. The CLI is built into dist/ (scripts/build.mjs); this file is
// committed so the command exists before a build (pnpm links it at install time) and says what to
// do. The published package's bin is dist/bin.cjs itself (publishConfig.bin in package.json).
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
