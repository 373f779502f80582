/** The `[s3]` and `[sources]` tables of mig.toml: remote migrations and external template data. */
import type { S3Settings } from './s3-source.js'

/** `[sources]`: what templates may read with `read_url` and `read_command`. Default: nothing. */
export interface ExternalSources {
  /** URL prefixes `read_url` may fetch (`https://data.example.com/`). */
  allowUrls: string[]
  /** Command names `read_command` may run (found on PATH or relative to the project root). */
  allowCommands: string[]
}

const S3_KEYS = ['endpoint', 'region', 'force_path_style']
const SOURCES_KEYS = ['allow_urls', 'allow_commands']

type Add = (key: string, message: string) => void

function table(key: string, value: unknown, add: Add): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  add(key, 'must be a table')
  return undefined
}

/** `[s3] endpoint = "http://…", region = "…", force_path_style = true`. */
export function parseS3Table(value: unknown, add: Add, unknownKey: (key: string, known: readonly string[]) => string): S3Settings | undefined {
  const t = table('s3', value, add)
  if (!t) return undefined
  const out: S3Settings = {}
  for (const [k, v] of Object.entries(t)) {
    const key = `s3.${k}`
    if (k === 'endpoint') {
      if (typeof v === 'string' && /^https?:\/\/./.test(v)) out.endpoint = v
      else add(key, 'must be an http:// or https:// URL')
    } else if (k === 'region') {
      if (typeof v === 'string' && v !== '') out.region = v
      else add(key, 'must be a non-empty string')
    } else if (k === 'force_path_style') {
      if (typeof v === 'boolean') out.forcePathStyle = v
      else add(key, 'must be true or false')
    } else add(key, unknownKey(k, S3_KEYS))
  }
  return out
}

/** `[sources] allow_urls = ["https://…/"], allow_commands = ["name"]`. */
export function parseSourcesTable(value: unknown, add: Add, unknownKey: (key: string, known: readonly string[]) => string): ExternalSources | undefined {
  const t = table('sources', value, add)
  if (!t) return undefined
  const out: ExternalSources = { allowUrls: [], allowCommands: [] }
  for (const [k, v] of Object.entries(t)) {
    const key = `sources.${k}`
    if (!SOURCES_KEYS.includes(k)) {
      add(key, unknownKey(k, SOURCES_KEYS))
      continue
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
      add(key, 'must be a list of non-empty strings')
      continue
    }
    if (k === 'allow_urls') {
      const bad = v.find((u) => !/^https?:\/\/[^/]+\//.test(u))
      if (bad) add(key, `"${bad}" must be a URL prefix with a path: http(s)://host/ (a prefix without "/" after the host would also allow other hosts)`)
      else out.allowUrls = v
    } else out.allowCommands = v
  }
  return out
}
