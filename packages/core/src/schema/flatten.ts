import { randomBytes } from 'node:crypto'
import type { Change } from './changes.js'
import type { SchemaDdl } from './ddl.js'
import { type DiffOptions, diffSchemas } from './diff.js'
import { scriptText } from './dump.js'
import { emptySchema, type Schema } from './model.js'

/** One object of a dump: its statements as a script, and where `mig flatten` writes it. */
export interface DumpObject {
  /** Namespace, absent for objects of the default one. */
  schema?: string
  /** Folder name of its kind: `table`, `view`, `materialized_view`, `function`, `foreign_key`, `domain`… */
  kind: string
  name: string
  /** Its statements, each with its terminator and a newline, in dump order. */
  sql: string
}

/** Where the statements of a change are filed: the object it creates (a table's keys and indexes go with the table). */
function ownerOf(c: Change): Omit<DumpObject, 'sql'> {
  const slug = (kind: string) => kind.replace(/\s+/g, '_')
  switch (c.kind) {
    case 'create_schema':
      return { schema: c.name, kind: 'schema', name: c.name }
    case 'create_extension':
      return { schema: c.extension.schema, kind: 'extension', name: c.extension.name }
    case 'create_enum':
      return { schema: c.enum.schema, kind: 'type', name: c.enum.name }
    case 'create_sequence':
      return { schema: c.sequence.schema, kind: 'sequence', name: c.sequence.name }
    case 'create_view':
      return { schema: c.view.schema, kind: c.view.materialized ? 'materialized_view' : 'view', name: c.view.name }
    case 'create_routine':
      return { schema: c.routine.schema, kind: c.routine.kind, name: c.routine.name }
    case 'create_trigger':
      return { schema: c.trigger.schema, kind: 'trigger', name: c.trigger.name }
    case 'create_object':
      return { schema: c.object.schema, kind: slug(c.object.kind), name: c.object.name }
    case 'add_constraint':
      if (c.constraint.kind === 'foreign') return { schema: c.table.schema, kind: 'foreign_key', name: `${c.table.name}.${c.constraint.constraint.name}` }
      return { schema: c.table.schema, kind: 'table', name: c.table.name }
    default:
      if ('table' in c) return { schema: c.table.schema, kind: 'table', name: c.table.name }
      return { kind: slug(c.kind), name: c.summary }
  }
}

/**
 * The dump of `schema` ({@link dumpSchema}) cut into objects, in dump order: consecutive statements
 * of one object form one {@link DumpObject}. A table's keys and indexes stay with it; a foreign key
 * the dump adds after both tables (tables referencing each other) is an object of its own.
 */
export function dumpObjects(schema: Schema, ddl: SchemaDdl, options: DiffOptions = {}): DumpObject[] {
  const plan = ddl.plan(diffSchemas(emptySchema(schema.dialect), schema, options))
  const out: DumpObject[] = []
  for (const st of plan.statements) {
    const first = st.changes[0]
    const owner: Omit<DumpObject, 'sql'> = first ? ownerOf(first) : { kind: 'statement', name: 'statement' }
    const last = out.at(-1)
    if (last && last.kind === owner.kind && last.schema === owner.schema && last.name === owner.name) last.sql += scriptText(ddl, st)
    else out.push({ ...owner, sql: scriptText(ddl, st) })
  }
  return out
}

/**
 * Unique random values for the variables `mig flatten` deploys with: lowercase letters and digits
 * after a letter, so each reads the same as a string, a quoted and an unquoted name on every engine.
 */
export function flattenValues(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, `mig${randomBytes(8).toString('hex')}`]))
}

/** A nunjucks string literal. */
function njkString(text: string): string {
  return `"${text
    .replace(/[\\"]/g, (ch) => `\\${ch}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')}"`
}

/** Text that must reach the SQL as it is: a `{` that would open a template tag is printed by one. */
function escapeTemplate(text: string): string {
  return text.replace(/\{(?=[{%#])/g, '{{ "{" | raw }}')
}

/** `text` as a nunjucks expression: string pieces and `vars.x` joined with `~`; null when no value occurs. */
function expression(text: string, byValue: Map<string, string>, used: Set<string>): string | null {
  const values = [...byValue.keys()]
  if (!values.some((v) => text.includes(v))) return null
  const pattern = new RegExp(values.join('|'), 'g')
  const parts: string[] = []
  let at = 0
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) parts.push(njkString(text.slice(at, m.index)))
    const name = byValue.get(m[0])!
    used.add(name)
    parts.push(`vars.${name}`)
    at = m.index + m[0].length
  }
  if (at < text.length) parts.push(njkString(text.slice(at)))
  return parts.join(' ~ ')
}

/** Options of {@link templatize}. */
export interface TemplatizeOptions {
  /** Variable name → the unique value it was deployed with. */
  values: Record<string, string>
  /** A backslash escapes in a plain `'…'` string (the dialect's `literals.backslashEscapes`, MySQL). Default false. */
  backslashEscapes?: boolean
}

/**
 * Put template references back into SQL deployed with unique values: a string literal holding a
 * value becomes `{{ vars.x }}` (`{{ "pre " ~ vars.x }}` when it holds more), a name (quoted or
 * not) `{{ vars.x | ident }}` (`{{ (vars.x ~ "_log") | ident }}`), a comment
 * `{{ vars.x | raw }}`. Other text is kept as it is; a `{` that would open a template tag is
 * escaped. Returns the template and the variables that occur in it.
 */
export function templatize(sql: string, options: TemplatizeOptions): { text: string; used: Set<string> } {
  const byValue = new Map(Object.entries(options.values).map(([name, value]) => [value, name]))
  const used = new Set<string>()
  const out: string[] = []
  let plain = 0
  const replace = (start: number, end: number, replacement: string | null) => {
    if (replacement === null) return
    out.push(escapeTemplate(sql.slice(plain, start)), replacement)
    plain = end
  }
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]!
    const next = sql[i + 1]
    if ((ch === '-' && next === '-') || (ch === '/' && next === '*')) {
      const end = ch === '-' ? sql.indexOf('\n', i) : sql.indexOf('*/', i + 2)
      const stop = end < 0 ? sql.length : ch === '-' ? end : end + 2
      const e = expression(sql.slice(i, stop), byValue, used)
      replace(i, stop, e && `{{ (${e}) | raw }}`)
      i = stop
    } else if (ch === "'") {
      // PostgreSQL's E'…' reads backslash escapes whatever the default
      const prefixed = /[Ee]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '')
      const escapes = options.backslashEscapes || prefixed
      const start = prefixed ? i - 1 : i
      let j = i + 1
      let value = ''
      for (; j < sql.length; j++) {
        const c = sql[j]!
        if (escapes && c === '\\') {
          const n = sql[++j] ?? ''
          value += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n === '0' ? '\0' : n
        } else if (c === "'" && sql[j + 1] === "'") {
          value += "'"
          j++
        } else if (c === "'") break
        else value += c
      }
      const stop = j + 1
      const e = expression(value, byValue, used)
      replace(start, stop, e && `{{ ${e} }}`)
      i = stop
    } else if (ch === '"' || ch === '`') {
      const close = ch
      let j = i + 1
      let name = ''
      for (; j < sql.length; j++) {
        if (sql[j] === close && sql[j + 1] === close) {
          name += close
          j++
        } else if (sql[j] === close) break
        else name += sql[j]
      }
      const stop = j + 1
      replace(i, stop, identifier(name, byValue, used))
      i = stop
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      let j = i
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j++
      replace(i, j, identifier(sql.slice(i, j), byValue, used))
      i = j
    } else i++
  }
  out.push(escapeTemplate(sql.slice(plain)))
  return { text: out.join(''), used }
}

/** A name holding a value, as `| ident` of it (a list when a piece has a dot, which `| ident` would split on). */
function identifier(name: string, byValue: Map<string, string>, used: Set<string>): string | null {
  const e = expression(name, byValue, used)
  if (e === null) return null
  if (/^vars\.\w+$/.test(e)) return `{{ ${e} | ident }}`
  return name.includes('.') ? `{{ [${e}] | ident }}` : `{{ (${e}) | ident }}`
}
