// Loads the CLI's CommonJS bundle with a V8 code cache, so a run does not parse and compile the
// code that an earlier run of the same command already compiled (Node 22's module.enableCompileCache
// does this for files it loads itself; Node 20 has no such thing, and this works on both).
//
// The cache is one file per bundle and command in a directory of the user's own:
// MIG_COMPILE_CACHE=<dir> sets it, MIG_COMPILE_CACHE=off turns it off, the default is
// <tmpdir>/mig-compile-cache-<uid>. A directory that another user can write to, or that belongs to
// someone else, is not used (code is read from it). The file name says which build of the bundle
// a cache belongs to, a digest in the file that it is intact, and V8 that it fits the running V8
// and its flags; a cache that fails any of these is ignored and replaced.
import * as crypto from 'node:crypto'
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { createRequire, Module } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import vm from 'node:vm'

export interface LoadedBundle<T> {
  exports: T
  /** Write the cache if this run had none, V8 refused it, or the run used parts the cache lacks. */
  save(parts: readonly string[]): void
}

/** The cache directory, or undefined when the cache is off or the directory is not safe to use. */
function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.MIG_COMPILE_CACHE
  if (setting && /^(off|0|false|no)$/i.test(setting)) return undefined
  const uid = process.getuid?.()
  const dir = setting || join(tmpdir(), `mig-compile-cache-${uid ?? 'user'}`)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = lstatSync(dir)
    if (!st.isDirectory()) return undefined
    // POSIX: only a directory of this user's that nobody else can write to
    if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) return undefined
    return dir
  } catch {
    return undefined
  }
}

/**
 * Cache file layout: 4-byte length of a JSON header ({ parts, sha1 }), the header, then V8's data.
 * V8 checks that data fits its version, flags and source length, but (in release builds) not that
 * it is intact: a damaged file would be run, so the header carries a digest of the data.
 */
function readCache(file: string): { parts: string[]; data: Buffer } | undefined {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const buf = Buffer.allocUnsafe(fstatSync(fd).size)
    if (readSync(fd, buf, 0, buf.length, 0) !== buf.length || buf.length < 4) return undefined
    const headerLength = buf.readUInt32LE(0)
    const header = JSON.parse(buf.toString('utf8', 4, 4 + headerLength)) as { parts?: unknown; sha1?: unknown }
    const data = buf.subarray(4 + headerLength)
    if (!Array.isArray(header.parts) || header.sha1 !== sha1(data)) return undefined
    return { parts: header.parts.map(String), data }
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

function writeCache(file: string, parts: readonly string[], data: Buffer): void {
  const header = Buffer.from(JSON.stringify({ parts, sha1: sha1(data) }), 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32LE(header.length, 0)
  // written aside and renamed: a concurrent run reads the old file or the new one, never half
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.concat([length, header, data]), { mode: 0o600 })
  renameSync(tmp, file)
}

/** Caches of other builds (or another Node) are removed this long after they were last written. */
const STALE_AFTER_MS = 30 * 24 * 3600 * 1000

/**
 * Remove cache files that no run of this build and Node can use (names not starting with `keep`)
 * and that were not written for {@link STALE_AFTER_MS}: the caches of a mig that was upgraded, not
 * those of another version that is still in use (it rewrites its own when they are refused or
 * grow, and one run a month may find its cache gone). Temporary files left by a run that died
 * while writing go the same way, whatever build wrote them.
 */
function pruneStale(dir: string, keep: string, now = Date.now()): void {
  for (const name of readdirSync(dir)) {
    const ours = name.endsWith('.tmp') || (name.endsWith('.v8') && !name.startsWith(keep))
    if (!ours) continue
    const file = join(dir, name)
    try {
      if (now - lstatSync(file).mtimeMs > STALE_AFTER_MS) unlinkSync(file)
    } catch {
      // removed by a concurrent run
    }
  }
}

// crypto.hash (one call, no Hash object): Node 20.12 and later
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash
const sha1 = (data: Buffer): string => (oneShot ? oneShot('sha1', data, 'hex') : crypto.createHash('sha1').update(data).digest('hex'))

/**
 * Load a CommonJS file as `require` would, with a code cache named by `build` (bundle, V8, arch)
 * and `key` (command). Falls back to plain `require` when the cache is off. Writing a cache also
 * removes old ones of other builds ({@link pruneStale}).
 *
 * Code that V8 takes from a cache has no `import()` of its own on Node 20 (the callback that
 * vm.Script's importModuleDynamically sets is lost with cachedData), so the build turns the
 * bundle's import() calls into calls of `importer`, a function compiled by Node's own loader.
 */
export function loadBundle<T>(
  file: string,
  name: { build: string; key: string },
  importer: (specifier: string) => Promise<unknown>,
  env: NodeJS.ProcessEnv = process.env,
): LoadedBundle<T> {
  const dir = cacheDirectory(env)
  if (!dir) return { exports: createRequire(file)(file) as T, save() {} }

  const cacheFile = join(dir, `${name.build}-${name.key}.v8`)
  const cached = readCache(cacheFile)
  // latin1: the build makes the bundle ASCII, and a one-byte string is read several times faster
  // than UTF-8 is decoded
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __migImport) {${readFileSync(file, 'latin1')}\n})`, {
    filename: file,
    cachedData: cached?.data,
  })
  const mod = new Module(file)
  mod.filename = file
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file), importer)
  const hit = cached !== undefined && !script.cachedDataRejected

  return {
    exports: mod.exports as T,
    save(parts) {
      if (hit && parts.every((p) => cached.parts.includes(p))) return
      try {
        // what V8 has compiled by now: the cached code, and whatever this run added to it
        writeCache(cacheFile, [...new Set([...(hit ? cached.parts : []), ...parts])].sort(), script.createCachedData())
        pruneStale(dir, `${name.build}-`)
      } catch {
        // a full disk or a vanished directory costs the next run its cache, nothing else
      }
    },
  }
}
