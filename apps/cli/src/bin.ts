#!/usr/bin/env node
// The `mig` binary, built as CommonJS (dist/bin.cjs). Kept tiny: `mig --version` loads nothing else.
// Any other command loads the CLI's bundle (dist/mig.cjs) through the compile cache.
import { join } from 'node:path'
import { loadBundle } from './compile-cache.js'
import type * as Cli from './main.js'
import { VERSION } from './version.js'

/** Set by the build: a digest of dist/mig.cjs, so a cache never meets another build's code. */
declare const __MIG_BUNDLE_ID__: string

/**
 * Which code cache a run uses: `build` (this bundle, V8 and arch: caches of other builds are
 * pruned) and `key`: the command, and the database scheme when the arguments or DATABASE_URL tell
 * it (a run against PostgreSQL compiles other code than one against MySQL). A run that uses more
 * than its cache holds (a URL from mig.toml, a template) adds to the cache.
 */
function cacheKey(args: string[]): { build: string; key: string } {
  const command = /^[a-z][a-z-]{0,30}$/.test(args[0] ?? '') ? args[0] : 'mig'
  let url = process.env.DATABASE_URL
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--database') url = args[i + 1]
    else if (args[i]?.startsWith('--database=')) url = args[i]?.slice('--database='.length)
  }
  const scheme = /^([a-z][a-z0-9+.-]{0,20}):/i.exec(url ?? '')?.[1]?.toLowerCase() ?? 'config'
  return { build: `${__MIG_BUNDLE_ID__}-${process.versions.v8}-${process.arch}`, key: `${command}-${scheme}` }
}

// A reader that stops early (`mig status | head`) closes the pipe; the run goes on and finishes
// its work, and the output nobody reads is dropped instead of ending it with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
  })
}

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === '-v')) {
  process.stdout.write(`${VERSION}\n`)
} else {
  // import() from this file, which Node compiles: relative to dist/, where mig.cjs is
  const bundle = loadBundle<typeof Cli>(join(__dirname, 'mig.cjs'), cacheKey(args), (specifier) => import(specifier))
  bundle.exports.main(args).then(
    (code) => {
      process.exitCode = code
      // a usage error (a typo of a command) would leave a cache of its own behind
      if (code !== 2) bundle.save(bundle.exports.usedParts())
    },
    (err: unknown) => {
      process.exitCode = 1
      console.error(err)
    },
  )
}
