// Builds the CLI: tsc writes the declarations (dist/**/*.d.ts, for the package's library export),
// esbuild writes the JavaScript as one ESM bundle with lazily imported chunks.
//
// Why a bundle: `mig status` spent more time resolving, compiling and linking ~120 ES modules
// (the CLI, @mig/core, commander, smol-toml, minimatch) and ~40 CommonJS files of pg than doing its
// work. Output:
//   dist/bin.js          the `mig` binary; prints --version without loading anything else
//   dist/main.js         the CLI's entry, also the package's import entry: re-exports from the
//                        start-up chunk (the CLI, status and up, @mig/core, commander)
//   dist/ui/run-view.js  the Ink view, imported only on a terminal
//   dist/chunks/         the start-up chunk, and everything imported when used: the other
//                        commands, each driver (pg, mysql2 inlined), @mig/templates, schema tools
// With code splitting every module lives in exactly one output file, so all chunks share one copy
// of @mig/core (its error classes are checked with instanceof).
//
// Left external (imported from node_modules at run time, so they are dependencies of this
// package): better-sqlite3 (native), ink and react (ESM with wasm; only on a terminal), jiti
// (loads code migrations; finds its own files relative to itself), nunjucks (required through
// createRequire by @mig/templates).
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyzeMetafile, build } from 'esbuild'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const dist = join(root, 'dist')
const require = createRequire(import.meta.url)

rmSync(dist, { recursive: true, force: true })

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' })
if (tsc.status !== 0) process.exit(tsc.status ?? 1)

/**
 * pg decides at load time whether it runs on Cloudflare Workers; on Node 20 (no `navigator`) it
 * finds out by constructing a `Response`, which loads Node's fetch implementation (undici):
 * ~20 ms of every run against PostgreSQL. The CLI only runs on Node, so the check is dropped.
 */
const pgNodeOnly = {
  name: 'pg-node-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      const patched = text.replace(/if \(isCloudflareRuntime\(\)\)/, 'if (false /* mig: runs on Node only */)')
      const warnings = patched === text ? [{ text: 'pg/lib/stream.js changed: its Cloudflare check is no longer skipped (slower start against PostgreSQL)' }] : []
      return { contents: patched, loader: 'js', warnings }
    })
  },
}

// bin.js stands alone (its version string inlined, no chunk imported): `mig --version` loads one file.
await build({
  absWorkingDir: root,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/bin.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['./main.js'],
  logLevel: 'warning',
})

/** Options of the main build, shared with the pass that finds the start-up path. */
const options = {
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts', 'ui/run-view': 'src/ui/run-view.tsx' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'linked',
  external: ['better-sqlite3', 'ink', 'react', 'react/*', 'jiti', 'nunjucks', 'nunjucks/*', 'pg-native', 'pg-cloudflare'],
  // CommonJS dependencies (pg, mysql2) call require() for Node's built-in modules; an ES module
  // has no require, so each output file that needs one makes its own.
  banner: { js: "import { createRequire as __migCreateRequire } from 'node:module'; const require = __migCreateRequire(import.meta.url);" },
  logLevel: 'warning',
}

/** Every module main.ts reaches through static imports: what each run loads before doing anything. */
async function startupModules() {
  const { metafile } = await build({ ...options, plugins: [pgNodeOnly], write: false, metafile: true, logLevel: 'silent' })
  const seen = new Set()
  const todo = ['src/main.ts']
  while (todo.length) {
    const file = todo.pop()
    if (seen.has(file) || !metafile.inputs[file]) continue
    seen.add(file)
    for (const i of metafile.inputs[file].imports) if (i.kind === 'import-statement' && !i.external) todo.push(i.path)
  }
  return new Set([...seen].map((f) => resolve(root, f)))
}

/**
 * esbuild puts each module in the chunk of the set of entry points that reach it (entry points
 * include every dynamically imported module). @mig/core, the CLI's own modules and commander are
 * reached by main.js and by different sets of lazy chunks, which gave one small chunk per set:
 * each an extra file to resolve, read, compile and link on every run. So every first-party module
 * outside the start-up path gets `import "src/main.ts"` prepended (on its first line: line numbers
 * stay). Such a module only ever loads after main.js, so this changes nothing at run time, but now
 * every entry point reaches the whole start-up path, and it lands in one shared chunk.
 */
function sharedStartup(startup) {
  const main = join(root, 'src/main.ts')
  const firstParty = [join(root, 'src'), resolve(root, '../../packages')]
  return {
    name: 'shared-startup',
    setup(b) {
      b.onLoad({ filter: /\.(ts|tsx|js)$/ }, (args) => {
        if (startup.has(args.path) || args.path.includes(`${sep}node_modules${sep}`) || !firstParty.some((d) => args.path.startsWith(d + sep))) return undefined
        const loader = args.path.endsWith('.tsx') ? 'tsx' : args.path.endsWith('.ts') ? 'ts' : 'js'
        return { contents: `import ${JSON.stringify(main)};${readFileSync(args.path, 'utf8')}`, loader }
      })
    },
  }
}

const result = await build({ ...options, plugins: [pgNodeOnly, sharedStartup(await startupModules())], metafile: true })

chmodSync(join(dist, 'bin.js'), 0o755)
// MIG_BUNDLE_REPORT=1 pnpm build: what each output file holds, largest inputs first
if (process.env.MIG_BUNDLE_REPORT) {
  console.log(await analyzeMetafile(result.metafile))
}
