import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve, sep } from 'node:path'
import { minimatch } from 'minimatch'
import { normalizeNewlines } from './checksum.js'
import { CODE_MIGRATION } from './code-migration.js'
import { explainBadName, readMeta } from './discovery-meta.js'
import { resolveDependencies } from './dependencies.js'
import { ProjectError } from './errors.js'
import { type Directives, parseDirectives, splitSections } from './directives.js'
import { type FormatSetting, formatSource } from './formats/index.js'
import { refuseForeignMarkers } from './formats/markers.js'
import { compareMigrations, type Migration, type MigrationBody } from './migration.js'
import { fileChunks, STREAM_THRESHOLD } from './streaming.js'

/** Something that yields migrations: a folder, an npm package, a list given in code. */
export interface MigrationSource {
  /** Label shown in `status` (folder path or package name). */
  readonly name: string
  /** Returns the migrations; records problems in `problems` instead of throwing for bad files. */
  load(problems: DiscoveryProblem[]): Promise<Migration[]>
}

/** A file that does not form a valid migration. */
export interface DiscoveryProblem {
  file: string
  message: string
}

/** Options of {@link directory}. */
export interface DirectoryOptions {
  /** Label shown in `status`; default: the path relative to `root` (or as given). */
  label?: string
  /** minimatch patterns, relative to the folder, of files to leave out. */
  ignore?: string[]
  /** The folder's layout: `mig` (default), another tool's (`dbmate`, `flyway`…), or `auto`. */
  format?: FormatSetting
}

/** `{version}_{name}[.up|.down].sql[.njk]`: a versioned migration file. */
export const VERSIONED = /^(\d+)[_-]([^/]+?)(?:\.(up|down))?\.sql(\.njk)?$/
/** The tenant part of a flat migration: `{version}_{name}.tenant.up.sql` / `.tenant.down.sql` (`.njk` for templates). */
const TENANT_FLAT = /^(\d+)[_-]([^/]+?)\.tenant\.(up|down)\.sql(\.njk)?$/
/** `R__{name}.sql[.njk]`: a repeatable migration file. */
export const REPEATABLE = /^R__([^/]+?)\.sql(\.njk)?$/
const FOLDER = /^(\d+)[_-](.+)$/
/** Lock of a flat-file migration, written by `mig pin`: `{version}_{name}.lock.toml` or `R__{name}.lock.toml`. */
const FLAT_LOCK = /^(?:(\d+)[_-](.+)|R__(.+))\.lock\.toml$/
const FOLDER_FILES = new Set([
  'up.sql',
  'up.sql.njk',
  'down.sql',
  'down.sql.njk',
  'tenant.up.sql',
  'tenant.up.sql.njk',
  'tenant.down.sql',
  'tenant.down.sql.njk',
  'verify.sql',
  'verify.sql.njk',
  'meta.toml',
  'lock.toml',
])

function fileBody(file: string, template: boolean, line = 1, text?: string): MigrationBody {
  return { file, line, template, read: text === undefined ? () => readFile(file, 'utf8') : async () => text }
}

/** A body that is a whole file: streamed when it is plain SQL over {@link STREAM_THRESHOLD}. */
function wholeFileBody(file: string, template: boolean, size = fileSize(file)): MigrationBody {
  const body = fileBody(file, template)
  if (!template && size > STREAM_THRESHOLD) body.stream = () => fileChunks(file)
  return body
}

/** Size of a file; 0 when it cannot be read now (reading it later reports why). */
function fileSize(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

/** Files up to this size are read once at discovery and kept; larger ones are read again (streamed) when they run. */
const CACHE_LIMIT = STREAM_THRESHOLD
const HEADER_BYTES = 64 * 1024
/** Discovery lets the event loop run after this many folder entries (see {@link directory}). */
const YIELD_EVERY = 100
/** Reused by every read: most migration files fit, so discovery allocates no buffer per file. */
let readBuffer: Buffer | undefined

/**
 * Read a migration file for discovery: the whole text when it is small (kept, so the file is read
 * once per run), else only its first 64 KiB, enough for the header directives. One open and one
 * read for a file under 64 KiB (no stat: a short read means the whole file).
 */
function readForDiscovery(file: string): { text: string; whole: boolean; size: number } {
  const read = readFileHead(file)
  // another tool's sections read as one mig script would run its down part too
  refuseForeignMarkers(read.text)
  return read
}

function readFileHead(file: string): { text: string; whole: boolean; size: number } {
  const buf = (readBuffer ??= Buffer.allocUnsafe(HEADER_BYTES))
  const fd = openSync(file, 'r')
  try {
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0)
    if (n < HEADER_BYTES) return { text: buf.toString('utf8', 0, n), whole: true, size: n }
    // positional reads leave the file position at 0, so readFileSync(fd) reads the whole file
    const size = fstatSync(fd).size
    if (size <= CACHE_LIMIT) return { text: readFileSync(fd, 'utf8'), whole: true, size }
    // cut at the last newline so a multi-byte character is never split
    const text = buf.toString('utf8', 0, n)
    return { text: text.slice(0, text.lastIndexOf('\n') + 1), whole: false, size }
  } finally {
    closeSync(fd)
  }
}

/** A body backed by a file, with its text when discovery already read all of it. */
function discoveredBody(file: string, template: boolean, read: { text: string; whole: boolean; size: number }): MigrationBody {
  return read.whole ? fileBody(file, template, 1, read.text) : wholeFileBody(file, template, read.size)
}

/** Apply a body's header directives (`-- mig:depends`, `no-transaction`…) to its migration. */
export function applyDirectives(m: Migration, d: Directives): void {
  if (d.transaction !== undefined) m.transaction = d.transaction
  if (d.depends) m.depends = [...m.depends, ...d.depends]
  if (d.draft !== undefined) m.draft = d.draft
  if (d.scope) m.scope = d.scope
}

/** A migration with every field at its default (one object shape for all migrations). */
export function baseMigration(fields: Pick<Migration, 'id' | 'version' | 'name' | 'kind' | 'source' | 'path'>): Migration {
  // every field written out (no spread): one object shape for all migrations, ~10x less memory
  return {
    id: fields.id,
    version: fields.version,
    name: fields.name,
    kind: fields.kind,
    source: fields.source,
    path: fields.path,
    up: null,
    down: null,
    verify: null,
    tenantUp: null,
    tenantDown: null,
    transaction: true,
    depends: [],
    draft: false,
    scope: 'shared',
  }
}

/**
 * A folder of migrations in any of the supported forms: flat `{version}_{name}.up.sql` /
 * `.down.sql`, single file with `-- mig:up` / `-- mig:down` sections, folder
 * `{version}_{name}/up.sql`, and repeatable `R__{name}.sql`. `.njk` marks a template.
 *
 * @example
 * createMigrator({ driver, sources: [directory('migrations')] })
 */
export function directory(path: string, options: DirectoryOptions = {}): MigrationSource {
  const dir = resolve(path)
  const label = options.label ?? path
  const patterns = options.ignore ?? []
  if (options.format && options.format !== 'mig')
    return formatSource(dir, options.format, { label, ignore: patterns }, () => directory(path, { ...options, format: 'mig' }))
  const ignored = (rel: string) => patterns.length > 0 && patterns.some((p) => minimatch(rel, p, { dot: true }) || minimatch(basename(rel), p, { dot: true }))
  return {
    name: label,
    async load(problems) {
      let entries: import('node:fs').Dirent[]
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        problems.push({
          file: path,
          message:
            code === 'ENOENT'
              ? 'migrations folder does not exist (run mig init, or set migrations = [...] in mig.toml)'
              : `cannot read migrations folder: ${code ?? String(err)}`,
        })
        return []
      }
      const byId = new Map<string, Migration>()
      const downs = new Map<string, string>()
      const locks = new Map<string, string>()
      const tenantUps = new Map<string, string>()
      const tenantDowns = new Map<string, string>()
      const out: Migration[] = []
      entries.sort((a, b) => (a.name < b.name ? -1 : 1))
      // `dir` is resolved (normalised, no trailing separator except a root), so joining is concatenating
      const prefix = dir.endsWith(sep) ? dir : dir + sep
      let done = 0
      for (const e of entries) {
        // files are read synchronously (faster than through the thread pool): every so often the
        // event loop gets a turn, so a connection opening meanwhile and a spinner go on
        if (++done % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve))
        const file = prefix + e.name
        // entries are direct children, so the path relative to the folder is the entry's name
        const rel = e.name
        if (e.name.startsWith('.') || ignored(rel)) continue
        if (e.isDirectory()) {
          const m = FOLDER.exec(e.name)
          if (!m) {
            if (/^\d/.test(e.name)) problems.push({ file, message: 'folder looks like a migration but is not {version}_{name}' })
            continue
          }
          const mig = await loadFolder(file, m[1]!, m[2]!, label, problems, ignored, rel)
          if (mig) out.push(mig)
          continue
        }
        if (!e.isFile()) continue
        const lock = FLAT_LOCK.exec(e.name)
        if (lock) {
          locks.set(lock[3] !== undefined ? `R__${lock[3]}` : `${lock[1]}_${lock[2]}`, file)
          continue
        }
        const rep = REPEATABLE.exec(e.name)
        if (rep) {
          const template = Boolean(rep[2])
          const mig = baseMigration({ id: `R__${rep[1]}`, version: `R__${rep[1]}`, name: rep[1]!, kind: 'repeatable', source: label, path: file })
          try {
            const read = readForDiscovery(file)
            mig.up = discoveredBody(file, template, read)
            applyDirectives(mig, parseDirectives(read.text))
          } catch (err) {
            problems.push({ file, message: (err as Error).message })
          }
          out.push(mig)
          continue
        }
        const c = e.name.endsWith('.d.ts') ? null : CODE_MIGRATION.exec(e.name)
        if (c) {
          const id = `${c[1]}_${c[2]}`
          const mig = baseMigration({ id, version: c[1]!, name: c[2]!, kind: 'versioned', source: label, path: file })
          // checksum = the file's bytes; the module is loaded only before a run (loadCodeMigrations)
          mig.up = fileBody(file, false)
          mig.codeFile = file
          byId.set(id, mig)
          out.push(mig)
          continue
        }
        const tf = TENANT_FLAT.exec(e.name)
        if (tf) {
          ;(tf[3] === 'up' ? tenantUps : tenantDowns).set(`${tf[1]}_${tf[2]}`, file)
          continue
        }
        const v = VERSIONED.exec(e.name)
        if (!v) {
          const why = explainBadName(e.name)
          if (why) problems.push({ file, message: why })
          continue
        }
        const [, version, name, direction, njk] = v as unknown as [string, string, string, 'up' | 'down' | undefined, string | undefined]
        const template = Boolean(njk)
        const id = `${version}_${name}`
        if (direction === 'down') {
          downs.set(id, file)
          continue
        }
        const mig = baseMigration({ id, version, name, kind: 'versioned', source: label, path: file })
        try {
          const read = readForDiscovery(file)
          if (direction === 'up') {
            mig.up = discoveredBody(file, template, read)
            applyDirectives(mig, parseDirectives(read.text))
          } else if (!read.whole) {
            throw new Error(
              `single-file migrations (with -- mig:up / -- mig:down sections) must be under ${CACHE_LIMIT / 1024 / 1024} MiB; use {version}_{name}.up.sql and .down.sql for large files`,
            )
          } else {
            const s = splitSections(normalizeNewlines(read.text))
            mig.up = fileBody(file, template, s.up.line, s.up.text)
            if (s.down) mig.down = fileBody(file, template, s.down.line, s.down.text)
            if (s.tenantUp) mig.tenantUp = fileBody(file, template, s.tenantUp.line, s.tenantUp.text)
            if (s.tenantDown) mig.tenantDown = fileBody(file, template, s.tenantDown.line, s.tenantDown.text)
            applyDirectives(mig, parseDirectives(s.up.text))
          }
        } catch (err) {
          problems.push({ file, message: (err as Error).message })
        }
        if (byId.has(id)) {
          problems.push({ file, message: `same migration as ${byId.get(id)!.path}` })
          continue
        }
        byId.set(id, mig)
        out.push(mig)
      }
      for (const [id, file] of downs) {
        const mig = byId.get(id)
        if (!mig) {
          problems.push({ file, message: `down migration without its up (expected ${id}.up.sql next to it)` })
          continue
        }
        if (mig.down) {
          problems.push({ file, message: `${mig.path} already has a -- mig:down section` })
          continue
        }
        mig.down = wholeFileBody(file, file.endsWith('.njk'))
      }
      attachTenantFiles(out, byId, tenantUps, tenantDowns, label, problems)
      for (const mig of out) applyTenantScope(mig, problems)
      for (const [id, file] of locks) {
        const mig = out.find((m) => m.id === id && m.up?.file === m.path)
        if (!mig) problems.push({ file, message: `lock file without its migration (expected ${id}.sql or ${id}.up.sql next to it)` })
        else mig.lockFile = file
      }
      return out
    },
  }
}

async function loadFolder(
  folder: string,
  version: string,
  name: string,
  label: string,
  problems: DiscoveryProblem[],
  ignored: (rel: string) => boolean,
  relFolder: string,
): Promise<Migration | null> {
  const mig = baseMigration({ id: `${version}_${name}`, version, name, kind: 'versioned', source: label, path: folder })
  const files = (await readdir(folder)).filter((f) => !ignored(`${relFolder}/${f}`) && !f.startsWith('.'))
  for (const f of files) {
    const file = join(folder, f)
    if (!FOLDER_FILES.has(f)) {
      if ((await stat(file)).isFile() && /\.(sql|njk)$/.test(f)) {
        problems.push({
          file,
          message: `unexpected file in migration folder (expected up.sql, down.sql, verify.sql, meta.toml, lock.toml; add .njk for templates)`,
        })
      }
      continue
    }
    const template = f.endsWith('.njk')
    if (f.startsWith('tenant.')) {
      const up = f.startsWith('tenant.up.')
      if (up ? mig.tenantUp : mig.tenantDown) problems.push({ file, message: `both ${f.replace(/\.njk$/, '')} and ${f.replace(/\.njk$/, '')}.njk exist` })
      if (up) mig.tenantUp = fileBody(file, template)
      else mig.tenantDown = fileBody(file, template)
    } else if (f.startsWith('up.')) {
      if (mig.up) problems.push({ file, message: 'both up.sql and up.sql.njk exist' })
      try {
        const read = readForDiscovery(file)
        mig.up = discoveredBody(file, template, read)
        applyDirectives(mig, parseDirectives(read.text))
      } catch (err) {
        problems.push({ file, message: (err as Error).message })
      }
    } else if (f.startsWith('down.')) {
      if (mig.down) problems.push({ file, message: 'both down.sql and down.sql.njk exist' })
      mig.down = wholeFileBody(file, template)
    } else if (f.startsWith('verify.')) {
      mig.verify = fileBody(file, template)
    } else if (f === 'lock.toml') {
      mig.lockFile = file
    } else if (f === 'meta.toml') {
      readMeta(file, await readFile(file, 'utf8'), mig, problems)
    }
  }
  if (mig.tenantDown && !mig.tenantUp) problems.push({ file: mig.tenantDown.file, message: 'tenant.down.sql without tenant.up.sql' })
  if (!mig.up && mig.tenantUp && !mig.down) mig.up = emptyBody(folder)
  if (!mig.up) {
    problems.push({ file: folder, message: mig.down ? 'down.sql without up.sql' : 'migration folder has no up.sql (or tenant.up.sql)' })
    return null
  }
  return mig
}

/** The shared part of a migration that has only a tenant part: runs nothing, recorded like any migration. */
function emptyBody(path: string): MigrationBody {
  return fileBody(path, false, 1, '')
}

/**
 * Give flat migrations their tenant files (`{version}_{name}.tenant.up.sql` / `.tenant.down.sql`).
 * A tenant up without a shared file makes a migration with an empty shared part.
 */
function attachTenantFiles(
  out: Migration[],
  byId: Map<string, Migration>,
  ups: Map<string, string>,
  downs: Map<string, string>,
  label: string,
  problems: DiscoveryProblem[],
): void {
  for (const [id, file] of ups) {
    let mig = byId.get(id)
    if (!mig) {
      const sep = id.indexOf('_')
      mig = baseMigration({ id, version: id.slice(0, sep), name: id.slice(sep + 1), kind: 'versioned', source: label, path: file })
      mig.up = emptyBody(file)
      byId.set(id, mig)
      out.push(mig)
    }
    if (mig.tenantUp) {
      problems.push({ file, message: `${mig.path} already has a -- mig:tenant-up section` })
      continue
    }
    mig.tenantUp = fileBody(file, file.endsWith('.njk'))
  }
  for (const [id, file] of downs) {
    const mig = byId.get(id)
    if (!mig?.tenantUp) {
      problems.push({ file, message: `tenant down migration without its tenant up (expected ${id}.tenant.up.sql next to it)` })
      continue
    }
    if (mig.tenantDown) {
      problems.push({ file, message: `${mig.path} already has a -- mig:tenant-down section` })
      continue
    }
    mig.tenantDown = fileBody(file, file.endsWith('.njk'))
  }
}

/**
 * `-- mig:scope tenant` (or `scope = "tenant"` in meta.toml) makes the whole plain migration a
 * tenant part: its up and down move to the tenant part and the shared part is empty.
 */
function applyTenantScope(mig: Migration, problems: DiscoveryProblem[]): void {
  if (mig.scope !== 'tenant' || mig.kind !== 'versioned' || mig.codeFile || !mig.up) return
  if (mig.tenantUp) {
    problems.push({ file: mig.path, message: 'scope tenant makes the whole file a tenant part: it cannot also have a tenant-up part' })
    return
  }
  mig.tenantUp = mig.up
  mig.tenantDown = mig.down
  mig.up = emptyBody(mig.path)
  mig.down = null
}

/** Migrations given in code, e.g. bundled into an application. */
export function embedded(migrations: Migration[], label = 'embedded'): MigrationSource {
  return { name: label, load: async () => migrations.map((m) => ({ ...m, source: m.source || label })) }
}

/**
 * Load every source, check the whole set (duplicate versions across sources, dependencies that
 * do not exist) and return the migrations in order. Throws {@link ProjectError} listing every problem.
 */
export async function discover(sources: MigrationSource[]): Promise<Migration[]> {
  const problems: DiscoveryProblem[] = []
  const all: Migration[] = []
  for (const s of sources) all.push(...(await s.load(problems)))
  const byVersion = new Map<string, Migration>()
  for (const m of all) {
    const other = byVersion.get(m.version)
    if (other) {
      problems.push({
        file: m.path,
        message: m.kind === 'repeatable' ? `repeatable ${m.name} is also defined in ${other.path}` : `version ${m.version} is also used by ${other.path}`,
      })
      continue
    }
    byVersion.set(m.version, m)
  }
  if (!problems.length) problems.push(...resolveDependencies([...byVersion.values()]))
  if (problems.length) throw new ProjectError(problems, { hint: 'fix or rename the files named above' })
  return [...byVersion.values()].sort(compareMigrations)
}
