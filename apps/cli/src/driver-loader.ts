import { type Driver, type DriverModule, type MigConfig, redactUrl, UrlError, urlScheme } from '@mig/core'
import { markPart } from './parts.js'
import { loadPlugins } from './plugins.js'
import { importFromProject, isNotFound } from './project-import.js'

/** Built-in schemes and the package that serves each. */
export const BUILTIN_DRIVERS: Record<string, string> = {
  sqlite: '@mig/driver-sqlite',
  sqlite3: '@mig/driver-sqlite',
  postgres: '@mig/driver-postgres',
  postgresql: '@mig/driver-postgres',
  mysql: '@mig/driver-mysql',
  mariadb: '@mig/driver-mysql',
}

/**
 * The built-in drivers, each imported only when its scheme is used. Written out (not `import(spec)`)
 * so the bundler makes each one a chunk of the CLI that shares the CLI's copy of @mig/core.
 */
const BUILTIN_IMPORTS: Record<string, () => Promise<Partial<DriverModule>>> = {
  '@mig/driver-sqlite': () => import('@mig/driver-sqlite'),
  '@mig/driver-postgres': () => import('@mig/driver-postgres'),
  '@mig/driver-mysql': () => import('@mig/driver-mysql'),
}

async function importFrom(spec: string, projectRoot: string): Promise<Partial<DriverModule> | undefined> {
  // Try the CLI's own dependencies first, then the user's project (third-party drivers).
  try {
    const builtin = BUILTIN_IMPORTS[spec]
    if (!builtin) return (await import(spec)) as Partial<DriverModule>
    markPart(spec)
    return await builtin()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err
  }
  try {
    return await importFromProject<DriverModule>(spec, projectRoot)
  } catch (err) {
    if (!isNotFound(err)) throw err
    return undefined
  }
}

/**
 * Create the driver for a URL: built-in schemes map to `@mig/driver-*`; any other scheme is served
 * by a plugin's `drivers` (when `project` is the config), else loads `@mig/driver-<scheme>` or
 * `mig-driver-<scheme>` from the project (third-party drivers). `project`: the config, or just the
 * project root (no plugins). The URL
 * is first resolved against the project root by the module's `resolveUrl`, when it has one
 * (a relative SQLite file path).
 */
export async function loadDriver(url: string, project: string | MigConfig): Promise<Driver> {
  const scheme = urlScheme(url)
  const projectRoot = typeof project === 'string' ? project : project.root
  if (typeof project !== 'string' && !BUILTIN_DRIVERS[scheme]) {
    const plugged = (await loadPlugins(project)).drivers[scheme]
    if (plugged) return plugged.factory(url, { applicationName: 'mig' })
  }
  const candidates = BUILTIN_DRIVERS[scheme] ? [BUILTIN_DRIVERS[scheme]] : [`@mig/driver-${scheme}`, `mig-driver-${scheme}`]
  for (const spec of candidates) {
    const mod = await importFrom(spec, projectRoot)
    if (!mod) continue
    if (typeof mod.createDriver !== 'function') throw new UrlError(`${spec} does not export createDriver(url)`)
    const resolved = typeof mod.resolveUrl === 'function' ? mod.resolveUrl(url, projectRoot) : url
    return mod.createDriver(resolved, { applicationName: 'mig' })
  }
  throw new UrlError(`no driver for "${scheme}:" URLs (${redactUrl(url)})`, {
    hint: BUILTIN_DRIVERS[scheme]
      ? `install ${BUILTIN_DRIVERS[scheme]}`
      : `use postgres://, mysql://, mariadb:// or sqlite:, or install a driver package named @mig/driver-${scheme} or mig-driver-${scheme}, or add a plugin that gives one`,
  })
}
