import { readFile } from 'node:fs/promises'
import { MigError } from '@mig/core'
import { parseDataFile } from './data-formats.js'

/**
 * Read a variables file (JSON, TOML or YAML, by extension). The top level must be a table/object.
 * Throws a MigError naming the file on a read or parse problem.
 */
export async function loadVarsFile(file: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new MigError(`cannot read variables file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      hint: 'check --vars or the target\'s vars = "..."',
    })
  }
  let value: unknown
  try {
    value = parseDataFile(text, file)
  } catch (err) {
    throw new MigError(`${file}: ${(err as Error).message.split('\n')[0]}`, { cause: err })
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new MigError(`${file}: variables must be a table of names to values`)
  return value as Record<string, unknown>
}

/**
 * Parse `--var` assignments. `key=value` sets a string; `key:=json` sets a JSON value (number,
 * boolean, list, object); dotted keys set nested values (`db.schema=app`).
 */
export function parseVarAssignments(assignments: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const a of assignments) {
    const m = /^([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)(:?=)([\s\S]*)$/.exec(a)
    if (!m) throw new MigError(`--var ${a}: expected key=value (or key:=json)`)
    const [, key, op, raw] = m as unknown as [string, string, string, string]
    let value: unknown = raw
    if (op === ':=') {
      try {
        value = JSON.parse(raw)
      } catch {
        throw new MigError(`--var ${a}: the value after := must be JSON`)
      }
    }
    setPath(out, key.split('.'), value)
  }
  return out
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj
  for (const p of path.slice(0, -1)) {
    const next = cur[p]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[p] = {}
    cur = cur[p] as Record<string, unknown>
  }
  cur[path.at(-1)!] = value
}

/** Deep-merge variable sets, later ones winning (tables merge, everything else is replaced). */
export function mergeVars(...sets: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const set of sets) {
    if (!set) continue
    for (const [k, v] of Object.entries(set)) {
      const prev = out[k]
      out[k] = isTable(prev) && isTable(v) ? mergeVars(prev, v) : v
    }
  }
  return out
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
}

/**
 * The variables of a run: the files (target's `vars`, then `--vars`), then `--var` assignments.
 *
 * @example
 * const vars = await loadVars({ files: [target.vars, options.vars], assignments: ['schema=app'] })
 */
export async function loadVars(options: { files?: (string | undefined)[]; assignments?: readonly string[] }): Promise<Record<string, unknown>> {
  const sets: Record<string, unknown>[] = []
  for (const f of options.files ?? []) if (f) sets.push(await loadVarsFile(f))
  sets.push(parseVarAssignments(options.assignments ?? []))
  return mergeVars(...sets)
}
