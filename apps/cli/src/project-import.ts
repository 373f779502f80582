// Finding modules in the user's project (third-party drivers, plugins): the CLI's own
// node_modules do not have them, the project's do.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const NOT_FOUND = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED'])

/** Whether `err` says a module could not be found (not that it failed while loading). */
export const isNotFound = (err: unknown) => NOT_FOUND.has((err as NodeJS.ErrnoException)?.code ?? '')

/** The ES-module entry of a package's `exports` (`import`, `node`, `default`), when it has one. */
function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports
  if (Array.isArray(exports)) return exports.map(importEntry).find(Boolean)
  if (!exports || typeof exports !== 'object') return undefined
  const map = exports as Record<string, unknown>
  if ('.' in map) return importEntry(map['.'])
  for (const condition of ['import', 'node', 'default']) if (condition in map) return importEntry(map[condition])
  return undefined
}

/**
 * The file a package name resolves to from `root` (its `node_modules`, then its parents'), as
 * `require` finds it, or its `import` entry for packages that export only to ES modules.
 * Undefined when the package is not installed.
 */
export function resolveFromProject(spec: string, root: string): string | undefined {
  try {
    return createRequire(join(root, 'package.json')).resolve(spec)
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  if (spec.split('/').length > (spec.startsWith('@') ? 2 : 1)) return undefined
  for (let dir = root; ; dir = dirname(dir)) {
    const folder = join(dir, 'node_modules', spec)
    if (existsSync(join(folder, 'package.json'))) {
      const entry = importEntry(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).exports)
      return entry ? join(folder, entry) : undefined
    }
    if (dirname(dir) === dir) return undefined
  }
}

/** Import a module of the project by package name; undefined when it is not installed. */
export async function importFromProject<T>(spec: string, root: string): Promise<T | undefined> {
  const file = resolveFromProject(spec, root)
  return file === undefined ? undefined : ((await import(pathToFileURL(file).href)) as T)
}
