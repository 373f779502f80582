import type { Change, ChangeBody, Constraint } from './changes.js'
import {
  type Column,
  type ForeignKey,
  type Index,
  objectKey,
  qualifiedName,
  routineKey,
  type Schema,
  type SchemaObject,
  type Table,
  type View,
} from './model.js'
import { type NotCompared, notCompared } from './not-compared.js'
import { dependencyOrder, dropDependencyOrder } from './order.js'
import { isWidening, summarize } from './summary.js'

/** Options of {@link diffSchemas}. */
export interface DiffOptions {
  /**
   * Tables to leave out on both sides (history tables), matched by unqualified or qualified name.
   * Default: none.
   */
  ignoreTables?: string[]
}

/** The result of comparing two schemas: ordered changes that turn `from` into `to`. */
export interface SchemaDiff {
  from: Schema
  to: Schema
  /** In dependency-correct order: drops first (dependents before what they depend on), then creates. */
  changes: Change[]
  /**
   * Kinds of objects the diff did not compare because mig does not model them (grants, ...),
   * with counts. An empty `changes` means "no differences" only among the compared objects.
   */
  notCompared: NotCompared[]
}

/** Identifiers are matched case-insensitively while diffing a schema that says so (SQLite). */
let fold = false
const nk = (name: string) => (fold ? name.toLowerCase() : name)
const qn = (o: { schema?: string; name: string }) => nk(qualifiedName(o))

/**
 * Drop phases, in order: dependents before what they depend on. Dropped tables go before the
 * constraints of kept tables (they may hold foreign keys to them); routines after tables (column
 * defaults and checks may call them).
 */
const D = { trigger: 0, view: 1, fk: 3, table: 4, index: 5, constraint: 6, column: 7, routine: 8, sequence: 9, enum: 10, extension: 11, schema: 12 } as const
/**
 * Create phases, in order. Routines before tables (defaults, checks, generated columns and index
 * expressions may call them; the dialect relaxes body checks when a body reads tables).
 */
const C = {
  schema: 0,
  extension: 1,
  enum: 2,
  sequence: 3,
  routine: 4,
  table: 5,
  column: 6,
  constraint: 7,
  index: 8,
  fk: 9,
  view: 10,
  trigger: 11,
  comment: 12,
} as const

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

function byKey<T>(items: T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((i) => [key(i), i]))
}

function constraintName(c: Constraint): string {
  return c.kind === 'primary' ? (c.constraint.name ?? 'PRIMARY KEY') : c.constraint.name
}

function finish(body: ChangeBody, destructive: boolean, hints: string[] = []): Change {
  const change = { ...body, destructive, hints, summary: '' } as Change
  change.summary = summarize(change)
  return change
}

/** Remove ignored tables. */
function filterSchema(s: Schema, ignore: Set<string>): Schema {
  if (ignore.size === 0) return s
  const keep = (t: { schema?: string; name: string }) => !ignore.has(t.name) && !ignore.has(qn(t))
  return { ...s, tables: s.tables.filter(keep), triggers: s.triggers.filter((t) => keep({ schema: t.schema, name: t.table })) }
}

/** Topological order of `items` by `deps` (keys), stable by the input order; cycles are broken in input order. */
function topo<T>(items: T[], key: (t: T) => string, deps: (t: T) => string[]): T[] {
  const map = byKey(items, key)
  const out: T[] = []
  const state = new Map<string, number>()
  const visit = (t: T) => {
    const k = key(t)
    if (state.get(k)) return
    state.set(k, 1)
    for (const d of deps(t)) {
      const dep = map.get(d)
      if (dep && d !== k) visit(dep)
    }
    state.set(k, 2)
    out.push(t)
  }
  for (const t of items) visit(t)
  return out
}

function fkTarget(t: Table, fk: ForeignKey): string {
  void t
  return qn({ schema: fk.refSchema, name: fk.refTable })
}

function viewDeps(v: View): string[] {
  return v.dependsOn ?? []
}

/**
 * Compare two schemas of one dialect and return the ordered changes that turn `from` into `to`.
 * Objects are matched by (qualified) name; tables column by column; constraints by name (SQLite:
 * by a name derived from their content); views, routines and triggers by their definition text.
 *
 * @example
 * const diff = diffSchemas(await driver.introspect(), desired)
 * for (const c of diff.changes) console.log(c.summary)
 */
export function diffSchemas(fromSchema: Schema, toSchema: Schema, options: DiffOptions = {}): SchemaDiff {
  fold = fromSchema.caseInsensitive === true || toSchema.caseInsensitive === true
  const ignore = new Set(options.ignoreTables ?? [])
  const from = filterSchema(fromSchema, ignore)
  const to = filterSchema(toSchema, ignore)
  const drops: Change[][] = Array.from({ length: 13 }, () => [])
  const creates: Change[][] = Array.from({ length: 13 }, () => [])

  // extensions
  const extKey = (e: { name: string }) => e.name
  const fromExt = byKey(from.extensions ?? [], extKey)
  const toExt = byKey(to.extensions ?? [], extKey)
  for (const e of to.extensions ?? []) if (!fromExt.has(e.name)) creates[C.extension]!.push(finish({ kind: 'create_extension', extension: e }, false))
  for (const e of from.extensions ?? []) if (!toExt.has(e.name)) drops[D.extension]!.push(finish({ kind: 'drop_extension', extension: e }, true))

  // schemas
  for (const s of to.schemas) if (!from.schemas.includes(s)) creates[C.schema]!.push(finish({ kind: 'create_schema', name: s }, false))
  for (const s of from.schemas) if (!to.schemas.includes(s)) drops[D.schema]!.push(finish({ kind: 'drop_schema', name: s }, true))

  // enums
  const fromEnums = byKey(from.enums, qn)
  const toEnums = byKey(to.enums, qn)
  for (const e of to.enums) {
    const old = fromEnums.get(qn(e))
    if (!old) {
      creates[C.enum]!.push(finish({ kind: 'create_enum', enum: e }, false))
      continue
    }
    if (same(old.values, e.values)) continue
    // Only appended/inserted values can be added in place; anything else recreates the type.
    const kept = e.values.filter((v) => old.values.includes(v))
    if (same(kept, old.values)) {
      e.values.forEach((v, i) => {
        if (!old.values.includes(v)) {
          const before = e.values.slice(i + 1).find((x) => old.values.includes(x))
          creates[C.enum]!.push(finish({ kind: 'add_enum_value', enum: e, value: v, before }, false))
        }
      })
    } else {
      drops[D.enum]!.push(
        finish({ kind: 'drop_enum', enum: old }, true, [`enum ${qn(e)} lost or reordered values: columns using it must be converted by hand`]),
      )
      creates[C.enum]!.push(finish({ kind: 'create_enum', enum: e }, false))
    }
  }
  for (const e of from.enums) if (!toEnums.has(qn(e))) drops[D.enum]!.push(finish({ kind: 'drop_enum', enum: e }, true))

  // sequences
  const fromSeq = byKey(from.sequences, qn)
  const toSeq = byKey(to.sequences, qn)
  for (const s of to.sequences) {
    const old = fromSeq.get(qn(s))
    if (!old) creates[C.sequence]!.push(finish({ kind: 'create_sequence', sequence: s }, false))
    else if (!same(old, s)) creates[C.sequence]!.push(finish({ kind: 'alter_sequence', from: old, to: s }, false))
  }
  for (const s of from.sequences) if (!toSeq.has(qn(s))) drops[D.sequence]!.push(finish({ kind: 'drop_sequence', sequence: s }, true))

  // tables
  const fromTables = byKey(from.tables, qn)
  const toTables = byKey(to.tables, qn)
  const changedTables = new Set<string>()
  const newTables = to.tables.filter((t) => !fromTables.has(qn(t)))
  const goneTables = from.tables.filter((t) => !toTables.has(qn(t)))

  // Dropped tables: dependents first. Foreign keys between dropped tables in a cycle are dropped first.
  const dropOrder = topo(goneTables, qn, (t) => t.foreignKeys.map((fk) => fkTarget(t, fk))).reverse()
  const dropped = new Set<string>()
  for (const t of dropOrder) {
    const k = qn(t)
    // any other dropped table still standing that references t: its fk must go first
    for (const other of goneTables) {
      if (qn(other) === k || dropped.has(qn(other))) continue
      for (const fk of other.foreignKeys)
        if (fkTarget(other, fk) === k)
          drops[D.fk]!.push(finish({ kind: 'drop_constraint', table: other, constraint: { kind: 'foreign', constraint: fk } }, false))
    }
    dropped.add(k)
    drops[D.table]!.push(finish({ kind: 'drop_table', table: t }, true))
  }

  for (const t of to.tables) {
    const old = fromTables.get(qn(t))
    if (!old) continue
    const before = drops.map((p) => p.length).concat(creates.map((p) => p.length))
    diffTable(old, t, drops, creates, from.movableColumns === true && to.movableColumns === true)
    const after = drops.map((p) => p.length).concat(creates.map((p) => p.length))
    if (!same(before, after)) changedTables.add(qn(t))
  }

  // New tables: referenced tables first; a foreign key to a table created later (a cycle) is added afterwards.
  const newKeys = new Set(newTables.map(qn))
  const ordered = topo(newTables, qn, (t) => t.foreignKeys.map((fk) => fkTarget(t, fk)))
  const created = new Set<string>()
  for (const t of ordered) {
    const k = qn(t)
    // deferred: a key to a new table not created yet (cycle), or to an existing table that changes
    // in this diff (the referenced column or key may only exist after its ALTERs)
    const later = t.foreignKeys.filter(
      (fk) => (newKeys.has(fkTarget(t, fk)) && !created.has(fkTarget(t, fk)) && fkTarget(t, fk) !== k) || changedTables.has(fkTarget(t, fk)),
    )
    const table = later.length ? { ...t, foreignKeys: t.foreignKeys.filter((fk) => !later.includes(fk)) } : t
    created.add(k)
    creates[C.table]!.push(finish({ kind: 'create_table', table }, false))
    for (const fk of later) creates[C.fk]!.push(finish({ kind: 'add_constraint', table: t, constraint: { kind: 'foreign', constraint: fk } }, false))
  }

  // Foreign keys of kept tables that point at a dropped table are dropped by diffTable (they are gone from `to`).
  // A foreign key that survives but whose referenced key is dropped or changed must be dropped
  // first and added back afterwards (the engine will not drop a key a foreign key depends on).
  const rekeyed = new Set(
    drops
      .flat()
      .filter(
        (c) =>
          (c.kind === 'drop_constraint' && (c.constraint.kind === 'primary' || c.constraint.kind === 'unique')) || (c.kind === 'drop_index' && c.index.unique),
      )
      .map((c) => ('table' in c ? qn(c.table) : '')),
  )
  if (rekeyed.size) {
    const dropping = new Set(drops[D.fk]!.map((c) => (c.kind === 'drop_constraint' ? `${qn(c.table)}|${JSON.stringify(c.constraint.constraint)}` : '')))
    for (const t of to.tables) {
      const old = fromTables.get(qn(t))
      if (!old) continue
      for (const fk of t.foreignKeys) {
        if (!rekeyed.has(fkTarget(t, fk))) continue
        const plain = ({ impliedIndex: _i, ...f }: ForeignKey) => f
        const before = old.foreignKeys.find((f) => same(plain(f), plain(fk)))
        if (!before || dropping.has(`${qn(old)}|${JSON.stringify(before)}`)) continue
        drops[D.fk]!.push(finish({ kind: 'drop_constraint', table: old, constraint: { kind: 'foreign', constraint: before } }, false))
        creates[C.fk]!.push(finish({ kind: 'add_constraint', table: t, constraint: { kind: 'foreign', constraint: fk } }, false))
      }
    }
  }

  // routines
  const fromRoutines = byKey(from.routines, routineKey)
  const toRoutines = byKey(to.routines, routineKey)
  for (const r of to.routines) {
    const old = fromRoutines.get(routineKey(r))
    if (!old) creates[C.routine]!.push(finish({ kind: 'create_routine', routine: r }, false))
    else if (old.definition !== r.definition || old.comment !== r.comment)
      creates[C.routine]!.push(finish({ kind: 'create_routine', routine: r, replaces: old }, false))
  }
  for (const r of from.routines) if (!toRoutines.has(routineKey(r))) drops[D.routine]!.push(finish({ kind: 'drop_routine', routine: r }, true))

  // views: recreate a view when its definition changed, when a table it reads changed, or when a view it reads is recreated.
  const fromViews = byKey(from.views, qn)
  const toViews = byKey(to.views, qn)
  const recreate = new Set<string>()
  for (const v of to.views) {
    const old = fromViews.get(qn(v))
    if (old && (old.definition !== v.definition || old.materialized !== v.materialized || old.options !== v.options || old.comment !== v.comment))
      recreate.add(qn(v))
    if (old && viewDeps(old).some((d) => changedTables.has(d))) recreate.add(qn(v))
  }
  let grew = true
  while (grew) {
    grew = false
    for (const v of from.views) {
      const k = qn(v)
      if (recreate.has(k) || !toViews.has(k)) continue
      if (viewDeps(v).some((d) => recreate.has(d) || (fromViews.has(d) && !toViews.has(d)))) {
        recreate.add(k)
        grew = true
      }
    }
  }
  const viewDrops = from.views.filter((v) => !toViews.has(qn(v)) || recreate.has(qn(v)))
  for (const v of topo(viewDrops, qn, viewDeps).reverse()) drops[D.view]!.push(finish({ kind: 'drop_view', view: v }, false))
  const viewCreates = to.views.filter((v) => !fromViews.has(qn(v)) || recreate.has(qn(v)))
  for (const v of topo(viewCreates, qn, viewDeps)) creates[C.view]!.push(finish({ kind: 'create_view', view: v }, false))

  const viewDropKeys = new Set(viewDrops.map(qn))

  // objects kept by their definition: created, dropped, or dropped and recreated (see SchemaObject)
  const objKey = (o: SchemaObject) => `${o.kind}|${nk(objectKey(o))}`
  const fromObjects = byKey(from.objects ?? [], objKey)
  const toObjects = byKey(to.objects ?? [], objKey)
  const dropPhase = { type: D.enum, routine: D.routine, table: D.trigger, late: D.trigger } as const
  const createPhase = { type: C.enum, routine: C.routine, table: C.index, late: C.trigger } as const
  const deferredCreates: Change[] = []
  // an index or rule of a view that is dropped or recreated goes with the view and is created again
  const goneWith = (o: SchemaObject) => (o.dependsOn ?? []).some((d) => viewDropKeys.has(nk(d)))
  for (const o of from.objects ?? []) {
    const now = toObjects.get(objKey(o))
    if (goneWith(o) || (now && same(now.statements, o.statements))) continue
    const hints = now && o.dropBlocksUsers ? [`${o.kind} ${qualifiedName(o)} changed: dropping it fails while columns use it; alter it by hand if so`] : []
    drops[dropPhase[o.phase]]!.push(finish({ kind: 'drop_object', object: o }, o.dropBlocksUsers === true, hints))
  }
  for (const o of to.objects ?? []) {
    const old = fromObjects.get(objKey(o))
    if (old && same(old.statements, o.statements) && !goneWith(old)) continue
    // after the routines, views and triggers of this diff: pushed once those are in their phases
    const change = finish({ kind: 'create_object', object: o }, false)
    if (o.phase === 'type' || o.phase === 'table') creates[createPhase[o.phase]]!.push(change)
    else deferredCreates.push(change)
  }

  // triggers: by definition; a trigger on a table that is rebuilt stays the dialect's business.
  const trigKey = (t: { schema?: string; name: string; table: string }) => nk(`${t.schema ?? ''}.${t.table}.${t.name}`)
  const fromTriggers = byKey(from.triggers, trigKey)
  const toTriggers = byKey(to.triggers, trigKey)
  for (const t of to.triggers) {
    const old = fromTriggers.get(trigKey(t))
    if (old && old.definition === t.definition) continue
    if (old) drops[D.trigger]!.push(finish({ kind: 'drop_trigger', trigger: old }, false))
    creates[C.trigger]!.push(finish({ kind: 'create_trigger', trigger: t }, false))
  }
  for (const t of from.triggers) if (!toTriggers.has(trigKey(t))) drops[D.trigger]!.push(finish({ kind: 'drop_trigger', trigger: t }, false))

  for (const c of deferredCreates) if (c.kind === 'create_object') creates[createPhase[c.object.phase]]!.push(c)
  // a created object comes after the created objects it needs (a domain after the function its
  // check calls, a function after the table whose row type it returns)
  const createsInOrder = dependencyOrder(creates.flat(), fold)
  return { from: fromSchema, to: toSchema, changes: [...dropDependencyOrder(drops.flat(), fold), ...createsInOrder], notCompared: notCompared(from, to) }
}

function constraintsOf(t: Table): Map<string, Constraint> {
  const m = new Map<string, Constraint>()
  // Unnamed constraints (SQLite) are matched by their content.
  if (t.primaryKey) m.set(`p:${t.primaryKey.name ?? ''}`, { kind: 'primary', constraint: t.primaryKey })
  for (const u of t.uniques) m.set(`u:${u.name || JSON.stringify(u)}`, { kind: 'unique', constraint: u })
  for (const c of t.checks) m.set(`c:${c.name || JSON.stringify(c)}`, { kind: 'check', constraint: c })
  for (const f of t.foreignKeys) {
    const { impliedIndex: _implied, ...compared } = f
    m.set(`f:${f.name || JSON.stringify(compared)}`, { kind: 'foreign', constraint: compared })
  }
  return m
}

function diffTable(old: Table, t: Table, drops: Change[][], creates: Change[][], movable: boolean): void {
  const oldCols = byKey(old.columns, (c) => nk(c.name))
  const newCols = byKey(t.columns, (c) => nk(c.name))
  const added: Column[] = []
  const removed: Column[] = []
  const alteredNames = new Set<string>()

  // Constraints and indexes first: they may depend on columns being dropped or altered.
  const oc = constraintsOf(old)
  const nc = constraintsOf(t)
  for (const [k, c] of oc) {
    const n = nc.get(k)
    if (!n || !same(n, c)) {
      // the dropped key keeps its implied index name, for the DDL
      const full =
        c.kind === 'foreign' ? old.foreignKeys.find((f) => f.name === c.constraint.name && f.columns.join() === c.constraint.columns.join()) : undefined
      const constraint: Constraint = full ? { kind: 'foreign', constraint: full } : c
      drops[c.kind === 'foreign' ? D.fk : D.constraint]!.push(finish({ kind: 'drop_constraint', table: old, constraint }, false))
    }
  }
  for (const [k, c] of nc) {
    const o = oc.get(k)
    if (!o || !same(o, c)) {
      const hints =
        c.kind === 'check' || c.kind === 'unique' || c.kind === 'foreign' || c.kind === 'primary'
          ? [
              `existing rows must satisfy the new ${c.kind === 'foreign' ? 'foreign key' : c.kind === 'primary' ? 'primary key' : `${c.kind} constraint`} ${constraintName(c)}`,
            ]
          : []
      creates[c.kind === 'foreign' ? C.fk : C.constraint]!.push(finish({ kind: 'add_constraint', table: t, constraint: c }, false, hints))
    }
  }
  const oi = byKey(old.indexes, (i) => nk(i.name))
  const ni = byKey(t.indexes, (i) => nk(i.name))
  // An index a surviving foreign key may rely on (MySQL refuses to drop it) goes after the new indexes.
  const fkNeeds = (i: Index) => t.foreignKeys.some((fk) => fk.columns.every((c, k) => i.columns[k]?.name === c && !i.columns[k]?.expression))
  for (const [k, i] of oi) {
    const n = ni.get(k)
    if (!n || !sameIndex(n, i)) (fkNeeds(i) ? creates[C.fk]! : drops[D.index]!).push(finish({ kind: 'drop_index', table: old, index: i }, false))
  }
  for (const [k, i] of ni) {
    const o = oi.get(k)
    if (!o || !sameIndex(o, i))
      creates[C.index]!.push(finish({ kind: 'add_index', table: t, index: i }, false, i.unique ? [`existing rows must be unique on ${i.name}`] : []))
  }

  for (const c of old.columns) if (!newCols.has(nk(c.name))) removed.push(c)
  // every old column goes: add the new ones first (MySQL refuses to drop a table's last column)
  const rewrite = removed.length === old.columns.length
  // column order among the columns both sides have
  const commonOld = old.columns.filter((c) => newCols.has(nk(c.name))).map((c) => nk(c.name))
  const commonNew = t.columns.filter((c) => oldCols.has(nk(c.name))).map((c) => nk(c.name))
  const reordered = movable && commonOld.join('\u0000') !== commonNew.join('\u0000')
  t.columns.forEach((c, i) => {
    const o = oldCols.get(nk(c.name))
    const j = commonNew.indexOf(nk(c.name))
    const moved = reordered && o !== undefined && commonOld[commonOld.indexOf(nk(c.name)) - 1] !== commonNew[j - 1]
    if (!o) {
      added.push(c)
      const hints: string[] = []
      if (!c.nullable && c.default === undefined && !c.generated && !c.identity)
        hints.push(`${t.name}.${c.name} is NOT NULL without a default: a table with rows needs a default or a backfill`)
      ;(rewrite ? drops[D.column]! : creates[C.column]!).push(
        finish({ kind: 'add_column', table: t, column: c, after: i > 0 ? t.columns[i - 1]!.name : undefined }, false, hints),
      )
    } else if (!same(o, c) || moved) {
      alteredNames.add(c.name)
      const hints: string[] = []
      let destructive = false
      if (o.type !== c.type && !isWidening(o.type, c.type)) {
        destructive = true
        hints.push(`${t.name}.${c.name} changes type ${o.type} -> ${c.type}: check that existing values convert (USING clause or backfill)`)
      }
      if (o.nullable && !c.nullable)
        hints.push(`${t.name}.${c.name} becomes NOT NULL: backfill NULLs first, e.g. UPDATE ${t.name} SET ${c.name} = ... WHERE ${c.name} IS NULL`)
      if (!same(o.generated, c.generated) && o.generated === undefined) destructive = true
      const body = { kind: 'alter_column' as const, table: t, from: o, to: c }
      creates[C.column]!.push(finish(moved ? { ...body, move: i > 0 ? { after: t.columns[i - 1]!.name } : {} } : body, destructive, hints))
    }
  })
  for (const c of removed) {
    const hints: string[] = []
    const twin = added.find((a) => a.type === c.type)
    if (twin)
      hints.push(
        `${t.name}.${c.name} is dropped and ${t.name}.${twin.name} (${twin.type}) added: if this is a rename, use ALTER TABLE ${t.name} RENAME COLUMN ${c.name} TO ${twin.name} instead to keep the data`,
      )
    drops[D.column]!.push(finish({ kind: 'drop_column', table: t, column: c }, true, hints))
  }
  if ((old.comment ?? '') !== (t.comment ?? ''))
    creates[C.comment]!.push(finish({ kind: 'set_table_comment', table: t, from: old.comment, to: t.comment }, false))
  if ((old.options ?? '') !== (t.options ?? ''))
    creates[C.column]!.push(finish({ kind: 'alter_table_options', table: t, from: old.options, to: t.options }, false))
}

function sameIndex(a: Index, b: Index): boolean {
  return (
    same({ ...a, comment: undefined }, { ...b, comment: undefined }) || (a.definition !== undefined && a.definition === b.definition && a.comment === b.comment)
  )
}

/** True when the diff has no changes. */
export function isEmptyDiff(diff: SchemaDiff): boolean {
  return diff.changes.length === 0
}
