/**
 * The entries of `migrations = [...]` in mig.toml: folders, glob patterns of folders, and npm
 * packages that ship migrations.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { minimatch } from 'minimatch'
import { type DiscoveryProblem, directory, type MigrationSource } from './discovery.js'
import type { FormatSetting } from './formats/index.js'
import type { Migration } from './migration.js'
import { isS3Url, type S3Settings, s3Source } from './s3-source.js'

/** Options shared by the project sources. */
export interface ProjectSourceOptions {
  /** Project root: relative folders, patterns and packages are resolved from it. */
  root: string
  /** minimatch patterns of files to leave out (mig.toml `ignore`). */
  ignore?: string[]
  /** The layout of entries given with a format in mig.toml, by entry (see `MigConfig.formats`). */
  formats?: Record<string, FormatSetting>
  /** How `s3://` entries reach their store (mig.toml `[s3]`). */
  s3?: S3Settings
}

const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i
const GLOB_CHARS = /[*?[\]{}!]/

/** True when `entry` is a glob pattern. */
export function isPattern(entry: string): boolean {
  return GLOB_CHARS.test(entry)
}

/**
 * One source per entry of `migrations = [...]`: an S3 location (`s3://bucket/prefix`); a glob pattern (`modules/*\/migrations`) when it
 * has glob characters; a scoped npm package (`@acme/auth-migrations`); a folder when a folder of
 * that name exists under the root; an unscoped npm package when one of that name is installed;
 * otherwise a folder (which reports that it cannot be read).
 */
export function projectSources(entries: string[], options: ProjectSourceOptions): MigrationSource[] {
  return entries.map((entry) => {
    const format = options.formats?.[entry]
    if (isS3Url(entry)) return s3Source(entry, { ignore: options.ignore, s3: options.s3 })
    if (isPattern(entry)) return globSource(entry, options)
    const path = resolve(options.root, entry)
    // an entry given with a format is a folder of that layout
    if (format) return directory(path, { label: entry, ignore: options.ignore, format })
    if (entry.startsWith('@') && PACKAGE_NAME.test(entry)) return packageSource(entry, options)
    if (!PACKAGE_NAME.test(entry) || existsSync(path) || !resolvePackage(entry, options.root)) return directory(path, { label: entry, ignore: options.ignore })
    return packageSource(entry, options)
  })
}

/** Where an installed package keeps its migrations. */
export interface ResolvedPackage {
  name: string
  /** Folder of the package. */
  root: string
  /** Migration folders: `mig.migrations` of its package.json (string or list), else `migrations/`. */
  folders: string[]
}

/**
 * Find an installed package from `root`, walking up `node_modules` folders as Node does, and read
 * where its migrations are. Returns undefined when it is not installed.
 */
export function resolvePackage(name: string, root: string): ResolvedPackage | undefined {
  let dir = resolve(root)
  for (;;) {
    const pkgJson = join(dir, 'node_modules', name, 'package.json')
    if (existsSync(pkgJson)) {
      const pkgRoot = dirname(pkgJson)
      const meta = JSON.parse(readFileSync(pkgJson, 'utf8')) as { mig?: { migrations?: string | string[] } }
      const declared = meta.mig?.migrations
      const folders = (declared === undefined ? ['migrations'] : Array.isArray(declared) ? declared : [declared]).map((f) => resolve(pkgRoot, f))
      return { name, root: pkgRoot, folders }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/**
 * Migrations shipped in an npm package installed in the project. The package names its folders
 * with `"mig": { "migrations": "sql" }` (or a list) in its package.json; by default its
 * `migrations/` folder. A package that is not installed is a discovery problem.
 */
export function packageSource(name: string, options: ProjectSourceOptions): MigrationSource {
  return {
    name,
    async load(problems) {
      const pkg = resolvePackage(name, options.root)
      if (!pkg) {
        problems.push({
          file: name,
          message: `package ${name} is not installed (looked in node_modules from ${options.root}); install it or fix migrations = [...] in mig.toml`,
        })
        return []
      }
      const out: Migration[] = []
      for (const folder of pkg.folders) {
        if (!existsSync(folder)) {
          const hint = '(set "mig": { "migrations": "<folder>" } in its package.json)'
          problems.push({ file: folder, message: `package ${name} has no migrations folder ${relative(pkg.root, folder) || '.'} ${hint}` })
          continue
        }
        out.push(...(await directory(folder, { label: name, ignore: options.ignore }).load(problems)))
      }
      return out
    },
  }
}

/** Folders under `root` matching a glob pattern (minimatch), skipping node_modules and dot folders. */
export function matchFolders(pattern: string, root: string): string[] {
  const parts = pattern.split('/')
  const firstGlob = parts.findIndex((p) => isPattern(p))
  const base = resolve(root, parts.slice(0, firstGlob).join('/') || '.')
  const deep = parts.slice(firstGlob).some((p) => p === '**')
  const maxDepth = deep ? 32 : parts.length - firstGlob
  const out: string[] = []
  const walk = (dir: string, depth: number) => {
    if (depth > maxDepth) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === 'node_modules' || e.name.startsWith('.')) continue
      const full = join(dir, e.name)
      const rel = relative(resolve(root), full).split(sep).join('/')
      if (minimatch(rel, pattern.replace(/^\.\//, ''), { dot: false })) out.push(full)
      walk(full, depth + 1)
    }
  }
  if (existsSync(base) && statSync(base).isDirectory()) walk(base, 1)
  return out.sort()
}

/** Every folder matching a pattern (`modules/*\/migrations`), each labelled by its relative path. */
export function globSource(pattern: string, options: ProjectSourceOptions): MigrationSource {
  return {
    name: pattern,
    async load(problems: DiscoveryProblem[]) {
      const folders = matchFolders(pattern, options.root)
      const out: Migration[] = []
      for (const folder of folders) {
        const label = relative(options.root, folder).split(sep).join('/')
        out.push(...(await directory(folder, { label, ignore: options.ignore, format: options.formats?.[pattern] }).load(problems)))
      }
      return out
    },
  }
}
