import { existsSync, realpathSync, statSync } from 'node:fs'
import { isAbsolute, join, posix, relative, resolve, sep, win32 } from 'node:path'
import { TemplatePathError } from './errors.js'

/** Default folder of reusable templates, relative to the project root. */
export const DEFAULT_COMPONENTS_DIR = 'components'
/** Default folder of the content-addressed pin store, relative to the project root. */
export const DEFAULT_PINNED_DIR = 'pinned'

/** Where a project keeps its templates and pins (all absolute). */
export interface ProjectPaths {
  root: string
  components: string
  pinned: string
}

/** Options naming a project's folders; relative folders are taken from `root`. */
export interface ProjectOptions {
  /** Project root (the folder of `mig.toml`). */
  root: string
  /** Components folder. Default `components`. */
  componentsDir?: string
  /** Pin store folder. Default `pinned`. */
  pinnedDir?: string
}

/** Resolve the folders of a project. */
export function projectPaths(options: ProjectOptions): ProjectPaths {
  const root = resolve(options.root)
  return {
    root,
    components: resolve(root, options.componentsDir ?? DEFAULT_COMPONENTS_DIR),
    pinned: resolve(root, options.pinnedDir ?? DEFAULT_PINNED_DIR),
  }
}

/** A path relative to the project root, with `/` separators (the form used in lock files and messages). */
export function projectRelative(paths: ProjectPaths, file: string): string {
  return relative(paths.root, file).split(sep).join('/')
}

/** True when `child` is `parent` or inside it (both absolute). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** Normalise a path written in a template; refuse absolute paths, backslashes and `..` leaving `base`. */
function normalizeWritten(written: string, what: string, baseLabel: string, from?: string): string {
  const shown = `${what} "${written}"${from ? ` in ${from}` : ''}`
  if (typeof written !== 'string' || written === '') throw new TemplatePathError(String(written), `${shown}: empty path`)
  if (written.includes('\0')) throw new TemplatePathError(written, `${shown}: path contains NUL`)
  if (isAbsolute(written) || win32.isAbsolute(written) || posix.isAbsolute(written)) {
    throw new TemplatePathError(written, `${shown}: absolute paths are not allowed; templates read only inside the project (${baseLabel})`)
  }
  if (written.includes('\\')) throw new TemplatePathError(written, `${shown}: use "/" in template paths, not "\\"`)
  const norm = posix.normalize(written)
  if (norm === '..' || norm.startsWith('../')) throw new TemplatePathError(written, `${shown} leaves ${baseLabel}; templates may read only inside it`)
  return norm
}

/** Refuse a file whose real path (symlinks followed) is outside the project. */
export function checkRealPath(paths: ProjectPaths, file: string, written: string, what: string): void {
  let real: string
  let realRoot: string
  try {
    real = realpathSync(file)
    realRoot = realpathSync(paths.root)
  } catch {
    return
  }
  if (!isInside(realRoot, real))
    throw new TemplatePathError(written, `${what} "${written}" is a symlink to ${real}, outside the project; templates read only inside the project`)
}

/** A resolved component: its absolute file and project-relative key. */
export interface ResolvedPath {
  file: string
  /** Project-relative path with `/` (lock key, template name in messages). */
  rel: string
}

/**
 * Resolve an include name to a component. Names are relative to the components folder; names
 * starting with `./` or `../` are relative to the including component's folder (and to the
 * components folder from a migration). The result must stay inside the components folder.
 * `exists` decides whether a candidate exists (files on disk, or entries of a lock when pinned);
 * a name without `.njk` also finds `name.njk`. Returns null when no candidate exists.
 */
export function resolveComponent(
  paths: ProjectPaths,
  written: string,
  parent: string | undefined,
  exists: (rel: string, file: string) => boolean,
): ResolvedPath | null {
  const compRel = projectRelative(paths, paths.components)
  const label = `${compRel}/`
  let name = written
  if ((written.startsWith('./') || written.startsWith('../')) && parent?.startsWith(label)) {
    name = posix.join(posix.dirname(parent.slice(label.length)), written)
  }
  const norm = normalizeWritten(name, 'include', label, parent)
  for (const c of [norm, `${norm}.njk`]) {
    const file = join(paths.components, ...c.split('/'))
    const rel = `${compRel}/${c}`
    if (exists(rel, file)) return { file, rel }
  }
  return null
}

/** Resolve a data file path given to `read_file`/`read_csv`... : relative to the project root, inside it. */
export function resolveDataPath(paths: ProjectPaths, written: string, from?: string): ResolvedPath {
  const norm = normalizeWritten(written, 'file', 'the project folder', from)
  const file = join(paths.root, ...norm.split('/'))
  return { file, rel: norm }
}

/** True when the path is an existing regular file. */
export function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile()
}
