// Builds the CLI: tsc writes the declarations (dist/**/*.d.ts, for the package's library export),
// esbuild writes the JavaScript:
//   dist/bin.cjs         the `mig` binary: prints --version without loading anything else; any
//                        other command loads mig.cjs with a V8 code cache (src/compile-cache.ts)
//   dist/mig.cjs         the CLI, @mig/core, the drivers (pg, mysql2 inlined), @mig/templates,
//                        commander: one CommonJS file. Commands, drivers and templates are
//                        initialised only when used; the code cache spares a run the parsing and
//                        compiling of what it runs, so one file costs no more than lazy chunks.
//   dist/main.js         the package's import entry (ES module): re-exports main() from mig.cjs
//   dist/ui/run-view.js  the Ink view (ES module, as Ink is), imported only on a terminal
//   dist/ui/fleet-view.js  the Ink view of a fleet run (tenants), the same way
//   dist/ui/watch-view.js  the Ink view of `mig watch`, the same way
//
// Why CommonJS: Node 20 can give compiled code to V8's code cache only through vm.Script, which
// runs scripts, not ES modules. Why a bundle: `mig status` spent more time resolving, compiling and
// linking ~120 modules than doing its work.
//
// Left external (loaded from node_modules at run time, so they are dependencies of this package):
// @aws-sdk/client-s3 (large; only for s3:// migration entries), better-sqlite3 (native), libpg-query
// (PostgreSQL's parser as WebAssembly, found next to its own file; loaded by `mig lint` only), ink and
// react (ES modules with wasm; only on a terminal), jiti (loads code
// migrations; finds its own files relative to itself), nunjucks (required through createRequire by
// @mig/templates), vscode-languageserver and its text documents (only `mig lsp` loads them).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'acorn'
import { analyzeMetafile, build } from 'esbuild'
import { dataAsJson, lazyChildProcess, pgNodeOnly } from './plugins.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const dist = join(root, 'dist')
const require = createRequire(import.meta.url)

rmSync(dist, { recursive: true, force: true })

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
})
if (tsc.status !== 0) process.exit(tsc.status ?? 1)

const EXTERNAL = [
  '@aws-sdk/*',
  'better-sqlite3',
  'libpg-query',
  'ink',
  'react',
  'react/*',
  'jiti',
  'nunjucks',
  'nunjucks/*',
  'pg-native',
  'pg-cloudflare',
  'vscode-languageserver',
  'vscode-languageserver/*',
  'vscode-languageserver-textdocument',
]
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' }

/**
 * The Ink views stay files of their own: the bundle imports them (and so Ink) only on a terminal.
 * An import from a folder of src (`../ui/x-view.js`) becomes `./ui/x-view.js`, next to mig.cjs.
 */
const uiExternal = {
  name: 'ui-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/ui\/(run|fleet|watch)-view\.js$/ }, (args) => ({ path: args.path.replace(/^\.\.\//, './'), external: true }))
  },
}

const cli = await build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/mig.cjs',
  format: 'cjs',
  legalComments: 'linked',
  external: EXTERNAL,
  plugins: [pgNodeOnly, dataAsJson, lazyChildProcess, uiExternal],
  // @mig/templates finds nunjucks with createRequire(import.meta.url); postProcess defines it
  define: { 'import.meta.url': '__migImportMetaUrl' },
  metafile: true,
})

await build({
  ...common,
  entryPoints: { 'ui/run-view': 'src/ui/run-view.tsx', 'ui/fleet-view': 'src/ui/fleet-view.tsx', 'ui/watch-view': 'src/ui/watch-view.tsx' },
  outdir: 'dist',
  format: 'esm',
  external: EXTERNAL,
  // CommonJS dependencies call require() for Node's built-in modules; an ES module has none
  banner: { js: "import { createRequire as __migCreateRequire } from 'node:module'; const require = __migCreateRequire(import.meta.url);" },
})

/**
 * Two rewrites of mig.cjs, on its syntax tree (acorn), each keeping every line and column:
 * - import(x) becomes __migI(x): code V8 takes from a cache has no import() of its own on Node 20,
 *   so the loader passes one in (src/compile-cache.ts) and __migI is that; with plain require (no
 *   cache) it is Node's import(). __migI and import.meta.url's stand-in are defined on the line of
 *   "use strict" (a banner would come before it and turn strict mode off).
 * - The loader reads the file as latin1 (a one-byte string, read several times faster than UTF-8
 *   is decoded), which is exact only for ASCII. esbuild escapes non-ASCII characters in code
 *   (charset ascii) but copies comments as they are: those characters become "?" (one UTF-16 unit
 *   each); any outside a comment stops the build.
 */
function postProcess(file) {
  const code = readFileSync(file, 'utf8')
  const comments = []
  const tree = parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    allowHashBang: true,
    onComment: (_block, _text, start, end) => comments.push([start, end]),
  })
  const strict = '"use strict";\n'
  if (!code.startsWith(strict)) throw new Error('dist/mig.cjs does not start with "use strict"')
  const imports = []
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (!node || typeof node.type !== 'string') return
    if (node.type === 'ImportExpression') imports.push(node.start)
    for (const key in node) if (key !== 'type' && node[key] && typeof node[key] === 'object') visit(node[key])
  }
  visit(tree)
  let out = code
  for (const at of imports) {
    if (out.slice(at, at + 6) !== 'import') throw new Error(`dist/mig.cjs: no import keyword at ${at}`)
    out = `${out.slice(0, at)}__migI${out.slice(at + 6)}`
  }
  let k = 0
  out = out.replace(/[^\x00-\x7f]/g, (ch, at) => {
    while (k < comments.length && comments[k][1] <= at) k++
    if (!(k < comments.length && comments[k][0] <= at))
      throw new Error(
        `dist/mig.cjs has a non-ASCII character outside a comment (near: ${JSON.stringify(code.slice(Math.max(0, at - 60), at + 20))}); the loader reads it as latin1`,
      )
    return '?'.repeat(ch.length)
  })
  const definitions =
    "var __migImportMetaUrl = require('node:url').pathToFileURL(__filename).href; var __migI = typeof __migImport === 'function' ? __migImport : (s) => import(s);"
  writeFileSync(file, `"use strict"; ${definitions}${out.slice(strict.length - 1)}`)
  return imports.length
}
const rewritten = postProcess(join(dist, 'mig.cjs'))
if (rewritten === 0) throw new Error('dist/mig.cjs: found no import() to rewrite (the Ink view, drivers and jiti are imported)')

// bin.cjs stands alone (version string and loader inlined). The digest names the bundle's code
// cache, so a cache is never used with another build of mig.cjs.
const bundleId = createHash('sha256')
  .update(readFileSync(join(dist, 'mig.cjs')))
  .digest('hex')
  .slice(0, 16)
await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/bin.cjs',
  format: 'cjs',
  external: ['./main.js'],
  define: { __MIG_BUNDLE_ID__: JSON.stringify(bundleId) },
})
chmodSync(join(dist, 'bin.cjs'), 0o755)

// The package's import entry re-exports what the bundle exports (what src/main.ts exports), so
// the declarations tsc wrote for main.ts describe it.
const names = Object.keys(require(join(dist, 'mig.cjs')))
if (!names.includes('main')) throw new Error(`dist/mig.cjs exports no main (exports: ${names.join(', ')})`)
writeFileSync(
  join(dist, 'main.js'),
  `// The package's import entry: the CLI lives in mig.cjs (see scripts/build.mjs).
import { createRequire } from 'node:module'
const cli = createRequire(import.meta.url)('./mig.cjs')
${names.map((n) => `export const ${n} = cli.${n}`).join('\n')}
`,
)

// MIG_BUNDLE_REPORT=1 pnpm build: what the bundle holds, largest inputs first
if (process.env.MIG_BUNDLE_REPORT) {
  console.log(await analyzeMetafile(cli.metafile))
}
