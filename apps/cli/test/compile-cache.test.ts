import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TempProject, tempProject } from '@mig/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BIN } from './helpers.js'

// The binary loads dist/mig.cjs through a V8 code cache (src/compile-cache.ts). These runs use a
// cache directory of their own and check what a user would see: the same output with or without a
// cache, a cache that is reused as it is, and one that is rewritten when it is broken or lacks code.

let scratch: string
/** The project every case runs in: one migration, on the SQLite default. */
let p: TempProject
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mig-cc-'))
  p = tempProject({ 'migrations/1_a.sql': 'CREATE TABLE a (x int);' })
})
afterEach(() => {
  p.cleanup()
  rmSync(scratch, { recursive: true, force: true })
})

function mig(cwd: string, args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', ...env } })
}

const files = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.v8'))
  } catch {
    return []
  }
}

/** The parts a cache file says it holds (its JSON header). */
function parts(file: string): string[] {
  const buf = readFileSync(file)
  return JSON.parse(buf.toString('utf8', 4, 4 + buf.readUInt32LE(0))).parts
}

describe('compile cache', () => {
  it('is written by the first run of a command and used as it is by the next', () => {
    const cache = join(scratch, 'cache')
    expect(mig(p.dir, ['up'], { MIG_COMPILE_CACHE: cache }).status).toBe(0)
    const first = mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache })
    expect(first.status).toBe(0)
    const status = files(cache).filter((f) => f.includes('-status-'))
    expect(status).toHaveLength(1)
    const file = join(cache, status[0] as string)
    expect(parts(file)).toEqual(['@mig/driver-sqlite'])
    const before = { bytes: readFileSync(file), mtime: statSync(file).mtimeMs }

    const second = mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache })
    expect(second.status).toBe(0)
    expect(second.stdout).toBe(first.stdout)
    // V8 took it (a refused cache is rewritten), and nothing new was needed
    expect(statSync(file).mtimeMs).toBe(before.mtime)
    expect(readFileSync(file).equals(before.bytes)).toBe(true)
  })

  it('a broken cache file is replaced, and the run does not notice', () => {
    const cache = join(scratch, 'cache')
    const clean = mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache })
    const file = join(cache, files(cache)[0] as string)
    const good = readFileSync(file)
    // damaged in the middle, same length: V8 alone would take it (release builds check no checksum)
    const flipped = Buffer.from(good)
    for (let i = Math.floor(good.length / 2); i < good.length / 2 + 64; i++) flipped[i] = (flipped[i] as number) ^ 0xff
    for (const garbage of [Buffer.from('not a cache'), Buffer.concat([good.subarray(0, 200), Buffer.alloc(5000, 7)]), flipped]) {
      writeFileSync(file, garbage)
      const r = mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache })
      expect(r.status).toBe(0)
      expect(r.stdout).toBe(clean.stdout)
      expect(readFileSync(file).equals(garbage)).toBe(false)
      expect(parts(file)).toEqual(['@mig/driver-sqlite'])
    }
  })

  it('a run that uses code the cache lacks (templates) rewrites it with both', () => {
    const cache = join(scratch, 'cache')
    expect(mig(p.dir, ['up'], { MIG_COMPILE_CACHE: cache }).status).toBe(0)
    const file = join(cache, files(cache).find((f) => f.includes('-up-')) as string)
    expect(parts(file)).toEqual(['@mig/driver-sqlite'])
    p.write({ 'migrations/2_b.sql.njk': 'CREATE TABLE {{ "b" | ident }} (x int);' })
    const r = mig(p.dir, ['up'], { MIG_COMPILE_CACHE: cache })
    expect(r.status, r.stderr).toBe(0)
    expect(parts(file)).toEqual(['@mig/driver-sqlite', 'templates'])
  })

  it('lives in <tmpdir>/mig-compile-cache-<uid> by default; MIG_COMPILE_CACHE=off writes nothing', () => {
    const env = { TMPDIR: scratch, MIG_COMPILE_CACHE: '' }
    expect(mig(p.dir, ['status'], { ...env, MIG_COMPILE_CACHE: 'off' }).status).toBe(0)
    expect(readdirSync(scratch)).toEqual([])
    expect(mig(p.dir, ['status'], env).status).toBe(0)
    const dir = join(scratch, `mig-compile-cache-${process.getuid?.() ?? 'user'}`)
    expect(files(dir)).toHaveLength(1)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it("writing a cache removes other builds' caches and dead runs' temporary files not written for 30 days", () => {
    const cache = join(scratch, 'cache')
    expect(mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache }).status).toBe(0)
    const [ours] = files(cache)
    const build = (ours as string).replace(/-status-[a-z]+\.v8$/, '')
    expect(build).not.toBe(ours)
    const month = 31 * 24 * 3600
    const old = Date.now() / 1000 - month
    const planted = {
      'other-build, old': ['0000000000000000-11.3.244.8-node.38-x64-status-sqlite.v8', old],
      'other-build, recent': ['1111111111111111-11.3.244.8-node.38-x64-status-sqlite.v8', Date.now() / 1000],
      'this build, old': [`${build}-up-sqlite.v8`, old],
      'temporary, old': [`${build}-log-sqlite.v8.4242.tmp`, old],
      'not a cache, old': ['notes.txt', old],
    } as const
    for (const [name, mtime] of Object.values(planted)) {
      writeFileSync(join(cache, name), 'x')
      utimesSync(join(cache, name), mtime, mtime)
    }
    // a command without a cache yet writes one, and prunes
    expect(mig(p.dir, ['validate'], { MIG_COMPILE_CACHE: cache }).status).toBe(0)
    const left = readdirSync(cache)
    expect(left).not.toContain(planted['other-build, old'][0])
    expect(left).not.toContain(planted['temporary, old'][0])
    expect(left).toContain(planted['other-build, recent'][0])
    expect(left).toContain(planted['this build, old'][0])
    expect(left).toContain(planted['not a cache, old'][0])
    expect(left).toContain(ours)
    expect(left.some((f) => f.startsWith(`${build}-validate-`))).toBe(true)
  })

  it.skipIf(process.platform === 'win32')('is not used from a directory others can write to', () => {
    const cache = join(scratch, 'shared')
    mkdirSync(cache)
    chmodSync(cache, 0o777)
    const r = mig(p.dir, ['status'], { MIG_COMPILE_CACHE: cache })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^1 +a +pending/m)
    expect(files(cache)).toEqual([])
  })

  it('code from the cache can still import (the Ink view on a terminal, from the second run on)', () => {
    const cache = join(scratch, 'cache')
    const onTerminal = (args: string) => {
      const env: Record<string, string | undefined> = { ...process.env, MIG_COMPILE_CACHE: cache }
      delete env.CI
      const cmd = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: p.dir, encoding: 'utf8', env })
      return r.stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '\n')
    }
    expect(onTerminal('up --dry-run')).toContain('Would apply: 1_a')
    const file = join(cache, files(cache).find((f) => f.includes('-up-')) as string)
    const mtime = statSync(file).mtimeMs
    const screen = onTerminal('up')
    expect(screen).not.toContain('error')
    expect(screen).toMatch(/✔ Applied 1_a \(\d+ms\)/)
    expect(statSync(file).mtimeMs).toBe(mtime)
  })
})
