import type { Column, EnumType, FkAction, ForeignKey, Index, QueryExecutor, Routine, Schema, Sequence, Table, Trigger, View } from '@mig/core'
import { canonicalize, emptySchema, objectKey, qualifiedName, quoteIdentIfNeeded, routineKey } from '@mig/core'
import { type CatalogScope, readPostgresDependencies, readPostgresObjects, withDependencies } from './postgres-catalog-objects.js'
import { postgresDialect } from './postgres-dialect.js'

/** Options of {@link introspectPostgres}. */
export interface PostgresIntrospectOptions {
  /**
   * Schemas to read. Default: every schema except system ones (`pg_*`, `information_schema`).
   * Objects in the connection's current schema are unqualified in the model.
   */
  schemas?: string[]
}

const TYPE_ALIASES: [RegExp, string][] = [
  [/^character varying\b/, 'varchar'],
  [/^character\b/, 'char'],
  [/^timestamp(\(\d+\))? without time zone\b/, 'timestamp$1'],
  [/^timestamp(\(\d+\))? with time zone\b/, 'timestamptz$1'],
  [/^time(\(\d+\))? without time zone\b/, 'time$1'],
  [/^time(\(\d+\))? with time zone\b/, 'timetz$1'],
  [/^bit varying\b/, 'varbit'],
]

/** `character varying(20)` -> `varchar(20)`: the short spellings PostgreSQL accepts, for readable output. */
export function shortType(t: string): string {
  for (const [re, to] of TYPE_ALIASES) if (re.test(t)) return t.replace(re, to)
  return t
}

const ACTIONS: Record<string, FkAction> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }

type R = Record<string, unknown>
const s = (v: unknown) => (v === null || v === undefined ? undefined : String(v))

/**
 * Read a PostgreSQL database's schema into the mig model from `pg_catalog` (with `pg_get_*def`
 * for definitions). Extension-owned objects are left out. `serial` columns (an owned sequence
 * as default) come back as `serial`/`bigserial`/`smallserial` without their sequence.
 */
export async function introspectPostgres(exec: QueryExecutor, options: PostgresIntrospectOptions = {}): Promise<Schema> {
  const schema = emptySchema('postgres')
  const [{ cur }] = (await exec.query<{ cur: string }>('SELECT current_schema() AS cur')) as [{ cur: string }]
  const nsRows = await exec.query<{ oid: number; nspname: string }>(
    `SELECT n.oid::int AS oid, n.nspname FROM pg_namespace n
     WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
     ORDER BY n.nspname`,
  )
  const wanted = nsRows.filter((n) => !options.schemas || options.schemas.includes(n.nspname))
  const nsOids = wanted.map((n) => Number(n.oid))
  if (nsOids.length === 0) return schema
  const nsName = (n: string) => (n === cur ? undefined : n)
  // pg_get_*def always qualify the table/routine name; objects of the current schema are written
  // unqualified so a dump or a diff does not depend on the schema's name.
  const curQ = quoteIdentIfNeeded(postgresDialect, cur)
  const unqualify = (def: string, before: RegExp) => def.replace(new RegExp(`(${before.source})${curQ.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`), '$1')
  schema.schemas = wanted.map((n) => n.nspname).filter((n) => n !== cur && n !== 'public')
  const inNs = `(${nsOids.join(',')})`
  const notExt = (cls: string, col: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${cls}'::regclass AND e.objid = ${col} AND e.deptype = 'e')`

  // tables
  const rels = await exec.query<R>(
    `SELECT c.oid::int AS oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class') AS comment,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
            ARRAY(SELECT pn.nspname || '.' || p.relname FROM pg_inherits ih JOIN pg_class p ON p.oid = ih.inhparent
                  JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE ih.inhrelid = c.oid ORDER BY ih.inhseqno) AS parents
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relnamespace IN ${inNs} AND c.relkind IN ('r', 'p', 'v', 'm') AND ${notExt('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`,
  )
  const tables = new Map<number, Table>()
  for (const r of rels.filter((x) => x.relkind === 'r' || x.relkind === 'p')) {
    const t: Table = { name: String(r.relname), columns: [], uniques: [], checks: [], foreignKeys: [], indexes: [] }
    const sc = nsName(String(r.nspname))
    if (sc) t.schema = sc
    if (r.comment !== null) t.comment = String(r.comment)
    const parents = (Array.isArray(r.parents) ? r.parents.map(String) : []).map((p) => {
      const dot = p.indexOf('.')
      return qualifiedName({ schema: nsName(p.slice(0, dot)), name: p.slice(dot + 1) })
    })
    if (parents.length) t.parents = parents
    if (r.bound !== null) t.partitionBound = String(r.bound)
    const options = [
      r.bound !== null ? `PARTITION OF ${parents[0]} ${r.bound}` : parents.length ? `INHERITS (${parents.join(', ')})` : '',
      r.relkind === 'p' ? `PARTITION BY ${r.partkey}` : '',
    ].filter(Boolean)
    if (options.length) t.options = options.join(' ')
    tables.set(Number(r.oid), t)
  }

  // columns (+ serial detection: default nextval of a sequence owned by the column)
  const cols = await exec.query<R>(
    `WITH owned AS (
       SELECT DISTINCT ON (dep.refobjid, dep.refobjsubid) dep.refobjid, dep.refobjsubid, s.relname
       FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
       WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.deptype = 'a'
     )
     SELECT a.attrelid::int AS rel, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity, a.attgenerated,
            pg_get_expr(d.adbin, d.adrelid) AS def, col_description(a.attrelid, a.attnum) AS comment,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation, o.relname AS owned_seq
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     LEFT JOIN owned o ON o.refobjid = a.attrelid AND o.refobjsubid = a.attnum
     WHERE c.relnamespace IN ${inNs} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount = 0 AND NOT c.relispartition
     ORDER BY a.attrelid, a.attnum`,
  )
  const serialSeqs = new Set<string>()
  for (const r of cols) {
    const t = tables.get(Number(r.rel))
    if (!t) continue
    const c: Column = { name: String(r.attname), type: shortType(String(r.type)), nullable: !r.attnotnull }
    const def = s(r.def)
    const owned = s(r.owned_seq)
    const serial = owned && def && new RegExp(`^nextval\\('(?:[^']*\\.)?"?${owned.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?'::regclass\\)$`).test(def)
    if (serial && ['integer', 'bigint', 'smallint'].includes(c.type)) {
      c.type = c.type === 'integer' ? 'serial' : c.type === 'bigint' ? 'bigserial' : 'smallserial'
      c.nullable = false
      serialSeqs.add(`${t.schema ?? ''}.${owned}`)
    } else if (r.attgenerated === 's') c.generated = { expression: def ?? '', stored: true }
    else if (def !== undefined) c.default = def
    if (r.attidentity === 'a') c.identity = 'always'
    if (r.attidentity === 'd') c.identity = 'by default'
    if (r.collation !== null && r.collation !== undefined) c.collation = String(r.collation)
    if (r.comment !== null) c.comment = String(r.comment)
    t.columns.push(c)
  }

  // constraints
  const cons = await exec.query<R>(
    `SELECT co.conrelid::int AS rel, co.conname, co.contype, pg_get_constraintdef(co.oid) AS def, co.confupdtype, co.confdeltype,
            co.condeferrable, co.condeferred,
            ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.i) AS refcols,
            rc.relname AS reftable, rn.nspname AS refschema
     FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
     LEFT JOIN pg_class rc ON rc.oid = co.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
     WHERE c.relnamespace IN ${inNs} AND co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conislocal AND co.conparentid = 0
     ORDER BY co.conrelid, co.conname`,
  )
  for (const r of cons) {
    const t = tables.get(Number(r.rel))
    if (!t) continue
    const name = String(r.conname)
    const def = String(r.def)
    const colsOf = (v: unknown) =>
      Array.isArray(v)
        ? v.map(String)
        : String(v)
            .replace(/^\{|\}$/g, '')
            .split(',')
            .filter(Boolean)
            .map((x) => x.replace(/^"|"$/g, ''))
    const deferrable = r.condeferrable ? `DEFERRABLE${r.condeferred ? ' INITIALLY DEFERRED' : ''}` : undefined
    if (r.contype === 'p') t.primaryKey = { name, columns: colsOf(r.cols) }
    else if (r.contype === 'u') {
      const opts = [/NULLS NOT DISTINCT/.test(def) ? 'NULLS NOT DISTINCT' : '', deferrable ?? ''].filter(Boolean).join(' ')
      t.uniques.push(opts ? { name, columns: colsOf(r.cols), options: opts } : { name, columns: colsOf(r.cols) })
    } else if (r.contype === 'c') {
      const m = /^CHECK \(([\s\S]*)\)( NO INHERIT)?( NOT VALID)?$/.exec(def)
      const check = { name, expression: m ? m[1]! : def }
      t.checks.push(m?.[2] ? { ...check, options: 'NO INHERIT' } : check)
    } else if (r.contype === 'x') {
      // exclusion constraints: kept as a named constraint with its full definition
      t.checks.push({ name, expression: def, options: 'EXCLUDE' })
    } else {
      const fk: ForeignKey = {
        name,
        columns: colsOf(r.cols),
        refTable: String(r.reftable),
        refColumns: colsOf(r.refcols),
        onDelete: ACTIONS[String(r.confdeltype)] ?? 'NO ACTION',
        onUpdate: ACTIONS[String(r.confupdtype)] ?? 'NO ACTION',
      }
      const rs = nsName(String(r.refschema))
      if (rs) fk.refSchema = rs
      const match = /MATCH (FULL|PARTIAL)/.exec(def)
      const opts = [match ? `MATCH ${match[1]}` : '', deferrable ?? ''].filter(Boolean).join(' ')
      if (opts) fk.options = opts
      t.foreignKeys.push(fk)
    }
  }

  // indexes that do not implement a constraint
  const idx = await exec.query<R>(
    `SELECT i.indrelid::int AS rel, c.relkind, ic.relname AS name, i.indisunique, pg_get_indexdef(i.indexrelid) AS def,
            pg_get_expr(i.indpred, i.indrelid) AS pred, am.amname, obj_description(i.indexrelid, 'pg_class') AS comment, i.indnkeyatts,
            ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k) AS parts
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid JOIN pg_am am ON am.oid = ic.relam
     WHERE c.relnamespace IN ${inNs} AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
       AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid)
     ORDER BY ic.relname`,
  )
  for (const r of idx) {
    const t = tables.get(Number(r.rel))
    if (!t) continue
    const parts = (Array.isArray(r.parts) ? r.parts : []).map((p: unknown) => {
      const text = String(p)
      return /^"[^"]+"$/.test(text) || postgresDialect.identifiers?.unquoted?.test(text)
        ? { name: text.replace(/^"|"$/g, '') }
        : { name: text, expression: true }
    })
    // an index of a partitioned table is printed ON ONLY (pg_dump attaches the partitions' indexes
    // one by one); created without ONLY on a table without partitions, it is valid and every
    // partition created afterwards gets its own copy
    const def = r.relkind === 'p' ? String(r.def).replace(/ ON ONLY /, ' ON ') : String(r.def)
    const ix: Index = {
      name: String(r.name),
      unique: Boolean(r.indisunique),
      columns: parts,
      definition: t.schema ? def : unqualify(def, / ON (?:ONLY )?/),
    }
    if (r.pred !== null) ix.where = String(r.pred)
    if (r.amname !== 'btree') ix.method = String(r.amname)
    if (r.comment !== null) ix.comment = String(r.comment)
    t.indexes.push(ix)
  }
  schema.tables = [...tables.values()]

  // views and their dependencies
  const deps = await exec.query<R>(
    `SELECT DISTINCT r.ev_class::int AS view, rn.nspname, ref.relname
     FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
     JOIN pg_class ref ON ref.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass JOIN pg_namespace rn ON rn.oid = ref.relnamespace
     JOIN pg_class v ON v.oid = r.ev_class
     WHERE v.relnamespace IN ${inNs} AND ref.oid <> r.ev_class ORDER BY 1, 2, 3`,
  )
  const viewDeps = new Map<number, string[]>()
  for (const d of deps) {
    const n = nsName(String(d.nspname))
    viewDeps.set(Number(d.view), [...(viewDeps.get(Number(d.view)) ?? []), n ? `${n}.${d.relname}` : String(d.relname)])
  }
  for (const r of rels.filter((x) => x.relkind === 'v' || x.relkind === 'm')) {
    const [{ def }] = (await exec.query<{ def: string }>('SELECT pg_get_viewdef(?::int::oid, true) AS def', [r.oid])) as [{ def: string }]
    const v: View = { name: String(r.relname), definition: def.trim().replace(/;$/, '') }
    const sc = nsName(String(r.nspname))
    if (sc) v.schema = sc
    if (r.relkind === 'm') v.materialized = true
    if (r.comment !== null) v.comment = String(r.comment)
    const d = viewDeps.get(Number(r.oid))
    if (d?.length) v.dependsOn = d
    schema.views.push(v)
  }

  // sequences not owned by serial columns nor identities
  const seqs = await exec.query<R>(
    `SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle,
            (SELECT t.relname || '.' || a.attname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) AS owned,
            EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'i') AS identity
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relnamespace IN ${inNs} AND ${notExt('pg_class', 'c.oid')} ORDER BY 1, 2`,
  )
  for (const r of seqs) {
    const sc = nsName(String(r.nspname))
    if (r.identity || serialSeqs.has(`${sc ?? ''}.${r.relname}`)) continue
    const seq: Sequence = {
      name: String(r.relname),
      type: String(r.type),
      start: String(r.start),
      increment: String(r.inc),
      min: String(r.min),
      max: String(r.max),
      cache: String(r.cache),
      cycle: Boolean(r.seqcycle),
    }
    if (sc) seq.schema = sc
    if (r.owned !== null) seq.ownedBy = String(r.owned)
    schema.sequences.push(seq)
  }

  // enums
  const enums = await exec.query<R>(
    `SELECT n.nspname, t.typname, obj_description(t.oid, 'pg_type') AS comment,
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype = 'e' AND t.typnamespace IN ${inNs} AND ${notExt('pg_type', 't.oid')} ORDER BY 1, 2`,
  )
  for (const r of enums) {
    const e: EnumType = { name: String(r.typname), values: Array.isArray(r.labels) ? r.labels.map(String) : [] }
    const sc = nsName(String(r.nspname))
    if (sc) e.schema = sc
    if (r.comment !== null) e.comment = String(r.comment)
    schema.enums.push(e)
  }

  // functions and procedures
  const procs = await exec.query<R>(
    `SELECT n.nspname, p.proname, p.prokind, pg_get_function_identity_arguments(p.oid) AS args, pg_get_functiondef(p.oid) AS def,
            obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.pronamespace IN ${inNs} AND p.prokind IN ('f', 'p') AND ${notExt('pg_proc', 'p.oid')}
       AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
     ORDER BY 1, 2, 4`,
  )
  for (const r of procs) {
    const sc = nsName(String(r.nspname))
    const def = String(r.def).trim()
    const fn: Routine = {
      name: String(r.proname),
      kind: r.prokind === 'p' ? 'procedure' : 'function',
      signature: `(${r.args})`,
      definition: sc ? def : unqualify(def, /^CREATE OR REPLACE (?:FUNCTION|PROCEDURE) /),
    }
    if (sc) fn.schema = sc
    if (r.comment !== null) fn.comment = String(r.comment)
    schema.routines.push(fn)
  }

  // triggers
  const trigs = await exec.query<R>(
    `SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid) AS def
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relnamespace IN ${inNs} ORDER BY 1, 2, 3`,
  )
  for (const r of trigs) {
    const sc = nsName(String(r.nspname))
    const tr: Trigger = { name: String(r.tgname), table: String(r.relname), definition: sc ? String(r.def) : unqualify(String(r.def), / ON /) }
    if (sc) tr.schema = sc
    schema.triggers.push(tr)
  }
  // extensions (plpgsql comes with every database)
  const exts = await exec.query<R>(
    `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY 1`,
  )
  if (exts.length)
    schema.extensions = exts.map((e) => (nsName(String(e.nspname)) ? { name: String(e.extname), schema: String(e.nspname) } : { name: String(e.extname) }))

  // objects kept by their definition, objects not modelled, and what depends on what (order)
  const scope: CatalogScope = { exec, inNs, nsName, unqualify, notExt }
  const { objects, unsupported } = await readPostgresObjects(scope)
  const dependencies = await readPostgresDependencies(scope)
  for (const t of schema.tables) {
    const d = withDependencies(undefined, qualifiedName(t), dependencies)
    if (d) t.dependsOn = d
  }
  for (const r of schema.routines) {
    const d = withDependencies(undefined, routineKey(r), dependencies)
    if (d) r.dependsOn = d
  }
  for (const v of schema.views) {
    const d = withDependencies(v.dependsOn, qualifiedName(v), dependencies)
    if (d) v.dependsOn = d
  }
  for (const o of objects) {
    const d = withDependencies(o.dependsOn, objectKey(o), dependencies)
    if (d) o.dependsOn = d
    else delete o.dependsOn
  }
  if (objects.length) schema.objects = objects
  if (unsupported.length) schema.unsupported = unsupported
  return canonicalize(schema)
}
