import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parse as parseToml, type TomlError } from 'smol-toml'
import { type ExternalSources, parseS3Table, parseSourcesTable } from './config-remote.js'
import { type ConfigProblem, ConfigError } from './errors.js'
import { type FormatSetting, MIGRATION_FORMATS } from './formats/index.js'
import { DEFAULT_HISTORY_TABLE } from './history/store.js'
import type { S3Settings } from './s3-source.js'

/** Default config file name, looked up in the working directory. */
export const DEFAULT_CONFIG_FILE = 'mig.toml'
/** Database used when nothing is configured. */
export const DEFAULT_URL = 'sqlite:./dev.db'

/** Pin requirement of a target. */
export type PinPolicy = 'none' | 'prompt' | 'required'

/** One `[targets.<name>]` entry. */
export interface TargetConfig {
  name: string
  /** Raw URL, `${VAR}` not yet expanded. */
  url?: string
  env?: string
  vars?: string
  pins: PinPolicy
  shadowUrl?: string
}

/** `[tenants]`: one schema (PostgreSQL), database (MySQL) or file (SQLite) per tenant. */
export interface TenantsConfig {
  /** Pattern of a tenant's schema with `{name}` in it, e.g. `tenant_{name}` (SQLite: a file path, `tenants/{name}.db`). */
  schema: string
  /** Optional variables file of a tenant with `{name}` in it (absolute), merged over the target's variables. */
  vars?: string
}

/** Parsed `mig.toml`, with defaults filled in. */
export interface MigConfig {
  /** Absolute path of the file, or undefined when none exists. */
  file?: string
  /** Project root: the folder of the config file (or the working directory). */
  root: string
  migrations: string[]
  /**
   * The layout of each `migrations` entry given as `{ path, format }`, by path; entries given as
   * plain strings are mig's own layout.
   */
  formats?: Record<string, FormatSetting>
  ignore: string[]
  historyTable: string
  defaultTarget: string
  components: string
  targets: Record<string, TargetConfig>
  lockTimeoutMs?: number
  hooks: Record<string, string | string[]>
  /**
   * `plugins`: modules the CLI loads for template filters, template functions and drivers, each a
   * package name (resolved from the project) or a path relative to the config file. Default none.
   */
  plugins?: string[]
  /** `[s3]`: endpoint, region and addressing of `s3://` migration entries. */
  s3?: S3Settings
  /** `[sources]`: what templates may read with `read_url` / `read_command`. Default: nothing. */
  sources?: ExternalSources
  /** `[tenants]`; undefined in a project without tenants. */
  tenants?: TenantsConfig
  /**
   * `[flatten]`: what `mig flatten` puts back as template references. `vars`: the variables deployed
   * with unique random values and replaced by `{{ vars.x }}` in the flattened files. Default none.
   */
  flatten?: { vars: string[] }
}

const TOP_KEYS = [
  'migrations',
  'ignore',
  'history_table',
  'default_target',
  'targets',
  'components',
  'lock_timeout',
  'hooks',
  'plugins',
  'tenants',
  'flatten',
  's3',
  'sources',
]
const TENANT_KEYS = ['schema', 'vars']
const FLATTEN_KEYS = ['vars']
const TARGET_KEYS = ['url', 'env', 'vars', 'pins', 'shadow_url']
const HOOK_KEYS = ['before_up', 'after_up', 'before_each', 'after_each', 'on_error']

/** Edit distance between two short strings (Levenshtein), for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

/** `unknown key (known: ...)`, with `; did you mean "x"?` when a known key is a likely typo of it or starts with it. */
function unknownKey(key: string, known: readonly string[]): string {
  const given = key.toLowerCase().replace(/-/g, '_')
  const scored = known.map((k) => ({ k, d: k.startsWith(given) && given.length >= 3 ? 1 : editDistance(given, k) }))
  const best = scored.sort((x, y) => x.d - y.d)[0]
  const close = best && best.d <= Math.max(2, Math.floor(key.length / 3))
  return `unknown key (known: ${known.join(', ')})${close ? `; did you mean "${best.k}"?` : ''}`
}

/** Find a line for a key in TOML text (best effort, for messages). */
function lineOf(text: string, key: string): number | undefined {
  const last = key.split('.').at(-1)!
  const re = new RegExp(`^\\s*"?${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*=`, 'm')
  const m = re.exec(text)
  if (!m) {
    const t = new RegExp(`^\\s*\\[\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]`, 'm').exec(text)
    return t ? text.slice(0, t.index).split('\n').length : undefined
  }
  return text.slice(0, m.index).split('\n').length
}

/**
 * Parse and validate `mig.toml` text. Collects every problem (unknown keys, wrong types) and
 * throws one {@link ConfigError} listing them all, each with its key, file and line.
 */
export function parseConfig(text: string, file: string): MigConfig {
  const problems: ConfigProblem[] = []
  let raw: Record<string, unknown>
  try {
    raw = parseToml(text) as Record<string, unknown>
  } catch (err) {
    const e = err as TomlError
    throw new ConfigError([{ file, line: e.line, column: e.column, message: `invalid TOML: ${e.message.split('\n')[0]}` }], { cause: err })
  }
  const add = (key: string, message: string) => problems.push({ file, key, line: lineOf(text, key), message })
  const cfg: MigConfig = { ...defaultConfig(dirname(file)), file }
  const strList = (key: string, v: unknown): string[] | undefined => {
    if (typeof v === 'string') return [v]
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
    add(key, 'must be a string or a list of strings')
    return undefined
  }
  const str = (key: string, v: unknown): string | undefined => {
    if (typeof v === 'string' && v !== '') return v
    add(key, 'must be a non-empty string')
    return undefined
  }
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'migrations': {
        const entries = migrationEntries(value, (message) => add(key, message))
        if (entries) [cfg.migrations, cfg.formats] = entries
        break
      }
      case 'ignore':
        cfg.ignore = strList(key, value) ?? []
        break
      case 'history_table': {
        const v = str(key, value)
        if (v && !/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(v))
          add(key, 'must be a table name, optionally schema-qualified (audit.schema_migrations)')
        else if (v) cfg.historyTable = v
        break
      }
      case 'default_target':
        cfg.defaultTarget = str(key, value) ?? cfg.defaultTarget
        break
      case 'components':
        cfg.components = str(key, value) ?? cfg.components
        break
      case 'lock_timeout':
        if (typeof value === 'number' && value >= 0) cfg.lockTimeoutMs = value * 1000
        else add(key, 'must be a number of seconds')
        break
      case 'plugins': {
        const list = strList(key, value)
        if (list?.some((p) => p.trim() === '')) add(key, 'must not name an empty plugin')
        else if (list) cfg.plugins = list
        break
      }
      case 'flatten':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) add(key, 'must be a table')
        else
          for (const [fk, fv] of Object.entries(value)) {
            if (fk !== 'vars') add(`flatten.${fk}`, unknownKey(fk, FLATTEN_KEYS))
            else if (!Array.isArray(fv) || !fv.every((x) => typeof x === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(x)))
              add('flatten.vars', 'must be a list of variable names (vars = ["schema", "region"])')
            else cfg.flatten = { vars: fv as string[] }
          }
        break
      case 's3':
        cfg.s3 = parseS3Table(value, add, unknownKey)
        break
      case 'sources':
        cfg.sources = parseSourcesTable(value, add, unknownKey)
        break
      case 'hooks':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) add(key, 'must be a table')
        else
          for (const [hk, hv] of Object.entries(value)) {
            if (!HOOK_KEYS.includes(hk)) add(`hooks.${hk}`, unknownKey(hk, HOOK_KEYS))
            else {
              const list = strList(`hooks.${hk}`, hv)
              if (list) cfg.hooks[hk] = list
            }
          }
        break
      case 'tenants':
        cfg.tenants = parseTenants(value, add, dirname(file))
        break
      case 'targets':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          add(key, 'must be a table of [targets.<name>]')
          break
        }
        for (const [name, t] of Object.entries(value)) {
          const prefix = `targets.${name}`
          if (typeof t !== 'object' || t === null || Array.isArray(t)) {
            add(prefix, 'must be a table')
            continue
          }
          const target: TargetConfig = { name, pins: 'none' }
          for (const [tk, tv] of Object.entries(t)) {
            const k = `${prefix}.${tk}`
            if (tk === 'url') target.url = str(k, tv)
            else if (tk === 'env') target.env = str(k, tv)
            else if (tk === 'vars') target.vars = str(k, tv)
            else if (tk === 'shadow_url') target.shadowUrl = str(k, tv)
            else if (tk === 'pins') {
              if (tv === 'none' || tv === 'prompt' || tv === 'required') target.pins = tv
              else add(k, 'must be "none", "prompt" or "required"')
            } else add(k, unknownKey(tk, TARGET_KEYS))
          }
          cfg.targets[name] = target
        }
        break
      default:
        add(key, unknownKey(key, TOP_KEYS))
    }
  }
  if (raw.default_target !== undefined && Object.keys(cfg.targets).length && !cfg.targets[cfg.defaultTarget]) {
    add('default_target', `names no target (defined: ${Object.keys(cfg.targets).join(', ')})`)
  }
  if (problems.length) throw new ConfigError(problems)
  return cfg
}

const FORMAT_NAMES: readonly string[] = [...MIGRATION_FORMATS, 'auto']

/**
 * `migrations = ["migrations", { path = "db/migrations", format = "dbmate" }]`: the paths, and the
 * format of each entry that names one. Two formats for one folder are refused.
 */
function migrationEntries(value: unknown, add: (message: string) => void): [string[], Record<string, FormatSetting>] | undefined {
  const list = Array.isArray(value) ? value : [value]
  const paths: string[] = []
  const formats: Record<string, FormatSetting> = {}
  for (const entry of list) {
    if (typeof entry === 'string') {
      if (formats[entry] && formats[entry] !== 'mig')
        add(`folder ${entry} is listed twice, with formats "${formats[entry]}" and "mig": two formats cannot claim one folder`)
      if (!paths.includes(entry)) paths.push(entry)
      continue
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      add('must be a list of folders: strings, or { path = "…", format = "…" } tables')
      return undefined
    }
    const { path, format, ...rest } = entry as Record<string, unknown>
    for (const k of Object.keys(rest)) add(`unknown key "${k}" in an entry (known: path, format)`)
    if (typeof path !== 'string' || path === '') {
      add('an entry needs path = "<folder>"')
      continue
    }
    const f = format === undefined ? 'mig' : format
    if (typeof f !== 'string' || !FORMAT_NAMES.includes(f)) {
      add(`format of ${path} must be one of ${FORMAT_NAMES.map((n) => `"${n}"`).join(', ')}`)
      continue
    }
    const before = formats[path] ?? (paths.includes(path) ? 'mig' : undefined)
    if (before && before !== f) add(`folder ${path} is listed twice, with formats "${before}" and "${f}": two formats cannot claim one folder`)
    formats[path] = f as FormatSetting
    if (!paths.includes(path)) paths.push(path)
  }
  return [paths, formats]
}

/** `[tenants]`: `schema` (required, with `{name}`) and `vars` (optional, with `{name}`). */
function parseTenants(value: unknown, add: (key: string, message: string) => void, root: string): TenantsConfig | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add('tenants', 'must be a table: [tenants] schema = "tenant_{name}"')
    return undefined
  }
  const raw = value as Record<string, unknown>
  let ok = true
  for (const key of Object.keys(raw)) {
    if (!TENANT_KEYS.includes(key)) {
      add(`tenants.${key}`, `unknown key (known: ${TENANT_KEYS.join(', ')})`)
      ok = false
    }
  }
  for (const key of TENANT_KEYS) {
    const v = raw[key]
    if (v === undefined && key === 'vars') continue
    if (typeof v !== 'string' || !v.includes('{name}')) {
      add(`tenants.${key}`, v === undefined ? 'is required, e.g. "tenant_{name}"' : 'must be a string containing {name}, e.g. "tenant_{name}"')
      ok = false
    }
  }
  if (!ok) return undefined
  const out: TenantsConfig = { schema: raw.schema as string }
  if (typeof raw.vars === 'string') out.vars = resolve(root, raw.vars)
  return out
}

/** The config of a project at `root` without a mig.toml (and what a mig.toml starts from). */
function defaultConfig(root: string): MigConfig {
  return {
    root,
    migrations: ['migrations'],
    ignore: [],
    historyTable: DEFAULT_HISTORY_TABLE,
    defaultTarget: 'dev',
    components: 'components',
    targets: {},
    hooks: {},
  }
}

/**
 * Load the config: `file` when given (must exist), else `mig.toml` in `cwd` when present,
 * else the defaults (migrations in `./migrations`, `sqlite:./dev.db`).
 */
export async function loadConfig(options: { file?: string; cwd?: string } = {}): Promise<MigConfig> {
  const cwd = options.cwd ?? process.cwd()
  const file = resolve(cwd, options.file ?? DEFAULT_CONFIG_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !options.file) {
      return defaultConfig(cwd)
    }
    throw new ConfigError([{ file, message: `cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }])
  }
  return parseConfig(text, file)
}

/** Expand `${VAR}` (and `${VAR:-default}`) from the environment. Throws on an unset variable. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv, where: { file: string; key: string }): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    const v = env[name]
    if (v !== undefined && v !== '') return v
    if (fallback !== undefined) return fallback
    throw new ConfigError([{ file: where.file, key: where.key, message: `uses \${${name}}, which is not set in the environment` }], {
      hint: `export ${name}=... or pass --database`,
    })
  })
}

/** The target a run uses, with its URL resolved. */
export interface ResolvedTarget {
  name: string
  url: string
  /** Where the URL came from, for messages. */
  urlSource: '--database' | 'DATABASE_URL' | 'target' | 'default'
  env?: string
  vars?: string
  pins: PinPolicy
  shadowUrl?: string
}

/**
 * Pick the target and URL: `--database`, then `DATABASE_URL`, then the selected target's `url`
 * (selected by `--target`, `MIG_TARGET`, `default_target`), then `sqlite:./dev.db`.
 * The URL is returned as written: the driver resolves it against the project root (`resolveUrl` of
 * its package; a relative SQLite file path), see `DriverModule`.
 */
export function resolveTarget(cfg: MigConfig, options: { database?: string; target?: string; env?: NodeJS.ProcessEnv } = {}): ResolvedTarget {
  const env = options.env ?? process.env
  const name = options.target ?? env.MIG_TARGET ?? cfg.defaultTarget
  const t = cfg.targets[name]
  if ((options.target || env.MIG_TARGET) && !t && Object.keys(cfg.targets).length) {
    throw new ConfigError([
      { file: cfg.file ?? DEFAULT_CONFIG_FILE, key: `targets.${name}`, message: `no such target (defined: ${Object.keys(cfg.targets).join(', ')})` },
    ])
  }
  if ((options.target || env.MIG_TARGET) && !t && !Object.keys(cfg.targets).length && name !== 'dev') {
    throw new ConfigError([{ file: cfg.file ?? DEFAULT_CONFIG_FILE, key: `targets.${name}`, message: 'no such target (none are defined)' }])
  }
  let url: string
  let urlSource: ResolvedTarget['urlSource']
  if (options.database) {
    url = options.database
    urlSource = '--database'
  } else if (env.DATABASE_URL) {
    url = env.DATABASE_URL
    urlSource = 'DATABASE_URL'
  } else if (t?.url) {
    url = expandEnv(t.url, env, { file: cfg.file ?? DEFAULT_CONFIG_FILE, key: `targets.${name}.url` })
    urlSource = 'target'
  } else {
    url = DEFAULT_URL
    urlSource = 'default'
  }
  const out: ResolvedTarget = { name, url, urlSource, pins: t?.pins ?? 'none' }
  // With no config at all, the embedded default target is a dev database.
  const envName = t ? t.env : name === 'dev' ? 'dev' : undefined
  if (envName) out.env = envName
  if (t?.vars) out.vars = resolve(cfg.root, t.vars)
  if (t?.shadowUrl) out.shadowUrl = expandEnv(t.shadowUrl, env, { file: cfg.file ?? DEFAULT_CONFIG_FILE, key: `targets.${name}.shadow_url` })
  return out
}
