// `plugins = [...]` in mig.toml: modules that give templates filters and functions and give the CLI
// drivers for more URL schemes. Loaded once per run, when a command needs them; every problem is a
// ConfigError (exit 2) that names the plugin.
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ConfigError, type DriverFactory, type MigConfig } from '@mig/core'
import type { TemplateFunction } from '@mig/templates'
import { markPart } from './parts.js'
import { resolveFromProject } from './project-import.js'
import { VERSION } from './version.js'

/**
 * What a plugin gives. A module exports these as named exports, as its default export (an object,
 * or `module.exports` of CommonJS), or a default function `(api) => MigPlugin` (may be async).
 */
export interface MigPlugin {
  /** Template filters: `{{ name | slug }}`. A string returned is escaped as a SQL literal unless marked with `api.raw`. */
  filters?: Record<string, TemplateFunction>
  /** Template functions: `{{ money(5) }}`. Same escaping as filters. */
  functions?: Record<string, TemplateFunction>
  /** Drivers for URL schemes mig does not have: `{ fake: (url, options) => driver }` serves `fake:` URLs. */
  drivers?: Record<string, DriverFactory>
}

/** What a plugin's default function receives. */
export interface PluginApi {
  /** Mark a string as SQL, written into the migration as it is (what `| raw` does). */
  raw(sql: string): unknown
  /** The version of mig loading the plugin. */
  version: string
}

/** The plugins of a project, merged. */
export interface LoadedPlugins {
  filters: Record<string, TemplateFunction>
  functions: Record<string, TemplateFunction>
  /** Scheme → factory and the plugin that gives it. */
  drivers: Record<string, { factory: DriverFactory; plugin: string }>
}

const KINDS = ['filters', 'functions', 'drivers'] as const
type Kind = (typeof KINDS)[number]

/**
 * Names a plugin may not take: the templates' own filters and the functions and variables every
 * template has (a plugin's would shadow them), and the schemes of the built-in drivers.
 */
const RESERVED: Record<Kind, string[]> = {
  filters: ['ident', 'literal', 'raw', 'json'],
  functions: [
    ...['uuid_v4', 'uuid_v7', 'read_file', 'read_json', 'read_toml', 'read_yaml', 'read_csv', 'csv_insert', 'read_url', 'read_command', 'secret'],
    ...['vars', 'env', 'target', 'dialect', 'migration', 'direction', 'tenant'],
  ],
  drivers: ['sqlite', 'sqlite3', 'postgres', 'postgresql', 'mysql', 'mariadb'],
}
const SINGULAR: Record<Kind, string> = { filters: 'filter', functions: 'function', drivers: 'driver for scheme' }

/** A ConfigError about one plugin, pointing at `plugins` in the config file. */
function pluginError(config: MigConfig, spec: string, message: string, options: { cause?: unknown; hint?: string } = {}): ConfigError {
  return new ConfigError([{ file: config.file ?? config.root, key: 'plugins', message: `plugin "${spec}": ${message}` }], {
    cause: options.cause,
    hint: options.hint ?? 'fix the plugin, or remove it from plugins = [...]',
  })
}

const isLocal = (spec: string) => spec.startsWith('.') || isAbsolute(spec)

/** Import one plugin module: a path relative to the config file, or a package of the project. */
async function importPlugin(config: MigConfig, spec: string): Promise<Record<string, unknown>> {
  let file: string | undefined
  try {
    file = isLocal(spec) ? resolve(config.root, spec) : resolveFromProject(spec, config.root)
  } catch (err) {
    throw pluginError(config, spec, `cannot resolve: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
  if (file === undefined)
    throw pluginError(config, spec, `not found in ${config.root} or its parents' node_modules`, { hint: `install it (npm i -D ${spec}), or fix its name` })
  try {
    if (!/\.[cm]?ts$/.test(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>
    // TypeScript without a build step, as code migrations are loaded
    const { createJiti } = await import('jiti')
    return (await createJiti(pathToFileURL(file).href, { interopDefault: false }).import(file)) as Record<string, unknown>
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (isLocal(spec) && code === 'ERR_MODULE_NOT_FOUND' && (err as Error).message.includes(file))
      throw pluginError(config, spec, `no file at ${file}`, { hint: 'paths in plugins are relative to the config file' })
    throw pluginError(config, spec, `failed to load: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
}

/** The plugin object a module gives: its named exports, its default export, or what its default function returns. */
async function pluginOf(config: MigConfig, spec: string, mod: Record<string, unknown>): Promise<MigPlugin> {
  let value: unknown = KINDS.some((k) => k in mod) ? Object.fromEntries(KINDS.filter((k) => k in mod).map((k) => [k, mod[k]])) : mod.default
  if (typeof value === 'function') {
    // @mig/templates (and nunjucks) load only for a plugin that asks for the API
    markPart('templates')
    const { raw } = await import('@mig/templates')
    try {
      value = await (value as (api: PluginApi) => unknown)({ raw, version: VERSION })
    } catch (err) {
      throw pluginError(config, spec, `its default function threw: ${(err as Error).message?.split('\n')[0] ?? String(err)}`, { cause: err })
    }
  }
  const problem = shapeProblem(value)
  if (problem)
    throw pluginError(config, spec, problem, { hint: 'a plugin exports filters, functions and/or drivers: objects of functions (see docs/plugins.md)' })
  return value as MigPlugin
}

/** What is wrong with a plugin object, or undefined. */
function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'exports no filters, functions or drivers'
  const entries = Object.entries(value)
  const unknown = entries.find(([k]) => !(KINDS as readonly string[]).includes(k))
  if (unknown) return `exports unknown key "${unknown[0]}" (known: ${KINDS.join(', ')})`
  if (entries.length === 0) return 'exports no filters, functions or drivers'
  for (const [kind, map] of entries) {
    if (!map || typeof map !== 'object' || Array.isArray(map)) return `${kind} must be an object of functions`
    const bad = Object.entries(map).find(([, f]) => typeof f !== 'function')
    if (bad) return `${kind}.${bad[0]} must be a function, not ${bad[1] === null ? 'null' : typeof bad[1]}`
  }
  return undefined
}

async function load(config: MigConfig): Promise<LoadedPlugins> {
  markPart('plugins')
  const loaded: LoadedPlugins = { filters: {}, functions: {}, drivers: {} }
  const owner: Record<Kind, Record<string, string>> = { filters: {}, functions: {}, drivers: {} }
  for (const spec of config.plugins ?? []) {
    const plugin = await pluginOf(config, spec, await importPlugin(config, spec))
    for (const kind of KINDS) {
      for (const [name, fn] of Object.entries(plugin[kind] ?? {})) {
        const key = kind === 'drivers' ? name.toLowerCase() : name
        if (RESERVED[kind].includes(key)) throw pluginError(config, spec, `${SINGULAR[kind]} "${name}" is built into mig; choose another name`)
        if (owner[kind][key]) throw pluginError(config, spec, `${SINGULAR[kind]} "${name}" is also given by plugin "${owner[kind][key]}"`)
        owner[kind][key] = spec
        if (kind === 'drivers') loaded.drivers[key] = { factory: fn as DriverFactory, plugin: spec }
        else loaded[kind][key] = fn as TemplateFunction
      }
    }
  }
  return loaded
}

const cache = new WeakMap<MigConfig, Promise<LoadedPlugins>>()

/** The project's plugins (`plugins` in mig.toml), loaded once per config. Empty when there are none. */
export function loadPlugins(config: MigConfig): Promise<LoadedPlugins> {
  let loaded = cache.get(config)
  if (!loaded) {
    loaded = config.plugins?.length ? load(config) : Promise.resolve({ filters: {}, functions: {}, drivers: {} })
    cache.set(config, loaded)
  }
  return loaded
}
