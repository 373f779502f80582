import type { Change, ChangeKind } from './changes.js'
import type { DdlStatement, SchemaDdl } from './ddl.js'
import { type DiffOptions, diffSchemas } from './diff.js'
import { emptySchema, objectKey, qualifiedName, routineKey, type Schema, type SchemaObject } from './model.js'
import { summarize } from './summary.js'

/** Base order of the creates in a dump (the diff engine's create phases), before dependencies apply. */
const RANK: Partial<Record<ChangeKind, number>> = {
  create_schema: 0,
  create_extension: 1,
  create_enum: 2,
  create_sequence: 3,
  create_routine: 4,
  create_table: 5,
  add_constraint: 9,
  create_view: 10,
  create_trigger: 11,
}
const OBJECT_RANK: Record<SchemaObject['phase'], number> = { type: 2.5, routine: 4.5, table: 5.5, late: 11.5 }

function rank(c: Change): number {
  return c.kind === 'create_object' ? OBJECT_RANK[c.object.phase] : (RANK[c.kind] ?? 12)
}

/** The key other objects name a created object by (`dependsOn`), if it has one. */
function keyOf(c: Change): string | undefined {
  switch (c.kind) {
    case 'create_enum':
      return qualifiedName(c.enum)
    case 'create_sequence':
      return qualifiedName(c.sequence)
    case 'create_routine':
      return routineKey(c.routine)
    case 'create_table':
      return qualifiedName(c.table)
    case 'create_view':
      return qualifiedName(c.view)
    case 'create_object':
      return objectKey(c.object)
    default:
      return undefined
  }
}

/** What a created object needs before it. */
function depsOf(c: Change): string[] {
  switch (c.kind) {
    case 'create_routine':
      return c.routine.dependsOn ?? []
    case 'create_table':
      return [
        ...(c.table.parents ?? []),
        ...(c.table.dependsOn ?? []),
        ...c.table.foreignKeys.map((fk) => qualifiedName({ schema: fk.refSchema, name: fk.refTable })),
      ]
    case 'create_view':
      return c.view.dependsOn ?? []
    case 'create_object':
      return c.object.dependsOn ?? []
    case 'add_constraint':
      return c.constraint.kind === 'foreign'
        ? [qualifiedName(c.table), qualifiedName({ schema: c.constraint.constraint.refSchema, name: c.constraint.constraint.refTable })]
        : [qualifiedName(c.table)]
    case 'create_trigger':
      return [qualifiedName({ schema: c.trigger.schema, name: c.trigger.table })]
    default:
      return []
  }
}

/**
 * Order the creates of a dump: by phase (schemas, extensions, types, sequences, routines, tables,
 * foreign keys, views, triggers, the rest), and within that by dependency, as pg_dump does: an
 * object comes after everything it names in `dependsOn` (a function returning a table's row type
 * after that table, a table after its parent and the domains of its columns). A dependency is
 * pulled forward to just before its first dependent; cycles keep the phase order.
 */
export function dumpOrder(changes: Change[], caseInsensitive = false): Change[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k)
  const phased = changes.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
  const byKey = new Map<string, Change[]>()
  for (const { c } of phased) {
    const k = keyOf(c)
    if (k !== undefined) byKey.set(norm(k), [...(byKey.get(norm(k)) ?? []), c])
  }
  const state = new Map<Change, 'visiting' | 'done'>()
  const out: Change[] = []
  const visit = (c: Change) => {
    if (state.has(c)) return
    state.set(c, 'visiting')
    for (const d of depsOf(c)) for (const dep of byKey.get(norm(d)) ?? []) if (dep !== c) visit(dep)
    state.set(c, 'done')
    out.push(c)
  }
  for (const { c } of phased) visit(c)
  return out
}

/** The text of one statement in a script, with its terminator and a newline (see {@link SchemaDdl.scriptText}). */
export function scriptText(ddl: SchemaDdl, st: DdlStatement): string {
  return `${ddl.scriptText ? ddl.scriptText(st) : `${st.sql};`}\n`
}

/**
 * Deterministic SQL that recreates `schema` on an empty database of its dialect, loadable by the
 * engine's own client: the plan of the diff from an empty schema plus the objects dumped by
 * definition ({@link Schema.objects}), in dependency order, without hints or warnings.
 */
export function dumpSchema(schema: Schema, ddl: SchemaDdl, options: DiffOptions = {}): string {
  const diff = diffSchemas(emptySchema(schema.dialect), schema, options)
  const objects = (schema.objects ?? []).map((object) => {
    const change = { kind: 'create_object', object, destructive: false, hints: [], summary: '' } as Change
    change.summary = summarize(change)
    return change
  })
  const plan = ddl.plan({ ...diff, changes: dumpOrder([...diff.changes, ...objects], schema.caseInsensitive === true) })
  return plan.statements.map((s) => scriptText(ddl, s)).join('')
}
