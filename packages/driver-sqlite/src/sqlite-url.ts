import { isAbsolute, resolve } from 'node:path'

/** The file of a `sqlite:` URL (`:memory:` for memory), relative paths left as they are. */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite3?:/i, '')
  if (rest === ':memory:' || rest === '' || rest === '//:memory:') return ':memory:'
  if (rest.startsWith('///')) return rest.slice(2)
  if (rest.startsWith('//')) return rest.slice(2)
  return rest.split('?')[0]!
}

/**
 * A `sqlite:` URL written in a project with its relative file path resolved against the project
 * root (`sqlite:./dev.db` → `sqlite:/path/to/project/dev.db`); memory and absolute paths unchanged.
 * The CLI calls it (the driver module's `resolveUrl`) for every URL it opens.
 */
export function resolveUrl(url: string, root: string): string {
  const file = sqlitePath(url)
  return file === ':memory:' || isAbsolute(file) ? url : `sqlite:${resolve(root, file)}`
}
