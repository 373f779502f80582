import { type DependentObject, type QueryExecutor, stringLiteral } from '@mig/core'
import { postgresDialect } from './postgres-dialect.js'

/*
 * The views and functions that depend on given objects, through pg_depend (pg_rewrite for views),
 * with the statements that drop and re-create them: what `mig watch` needs to re-create a view
 * whose dependents would otherwise refuse the change.
 */

/** How many levels of dependents are followed (a guard against a catalog cycle). */
const MAX_DEPTH = 32

const q = (s: string) => postgresDialect.quoteIdent(s)

/** `ARRAY['a','b']::text[]` of names. */
function textArray(names: readonly string[]): string {
  return `ARRAY[${names.map((n) => stringLiteral(postgresDialect, n)).join(', ')}]::text[]`
}

interface Found {
  depth: number
  cls: 'r' | 'p'
  uses: Set<string>
}

/**
 * Dependents of `objects` (names unquoted, lower case unless quoted, optionally schema-qualified;
 * unqualified names are looked up in the search path): views and materialized views (their rewrite
 * rules use the object) and functions (pg_depend: SQL-standard bodies, argument and return types),
 * transitively, dependencies first.
 */
export async function postgresDependents(exec: QueryExecutor, objects: readonly string[]): Promise<DependentObject[]> {
  if (!objects.length) return []
  const names = textArray(objects)
  const roots = await exec.query(
    `SELECT c.oid::int8 AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND (n.nspname || '.' || c.relname = ANY(${names}) OR (c.relname = ANY(${names}) AND n.nspname = ANY(current_schemas(false))))
     UNION
     SELECT p.oid::int8 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname || '.' || p.proname = ANY(${names}) OR (p.proname = ANY(${names}) AND n.nspname = ANY(current_schemas(false)))`,
    [],
  )
  const rootOids = new Set(roots.map((r) => String(r.oid)))
  const found = new Map<string, Found>()
  let frontier = [...rootOids]
  for (let depth = 1; frontier.length && depth <= MAX_DEPTH; depth++) {
    const list = frontier.join(', ')
    const rows = await exec.query(
      `SELECT DISTINCT r.ev_class::int8 AS oid, 'r' AS cls, d.refobjid::int8 AS used
         FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid IN (${list}) AND r.ev_class <> d.refobjid
       UNION
       SELECT DISTINCT d.objid::int8, 'p', COALESCE(c.oid, d.refobjid)::int8
         FROM pg_depend d LEFT JOIN pg_class c ON c.reltype = d.refobjid
        WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'n'
          AND (d.refobjid IN (${list}) OR d.refobjid IN (SELECT reltype FROM pg_class WHERE oid IN (${list})))`,
      [],
    )
    const next = new Set<string>()
    for (const row of rows) {
      const oid = String(row.oid)
      if (rootOids.has(oid)) continue
      const entry = found.get(oid) ?? { depth, cls: row.cls as 'r' | 'p', uses: new Set<string>() }
      entry.depth = depth
      entry.uses.add(String(row.used))
      found.set(oid, entry)
      next.add(oid)
    }
    frontier = [...next]
  }
  if (!found.size) return []
  const describe = await describeObjects(
    exec,
    [...found].filter(([, f]) => f.cls === 'r').map(([o]) => o),
    [...found].filter(([, f]) => f.cls === 'p').map(([o]) => o),
  )
  const nameOf = await objectNames(exec, [...new Set([...found.values()].flatMap((f) => [...f.uses]))])
  return [...found]
    .sort((a, b) => a[1].depth - b[1].depth)
    .flatMap(([oid, f]) => {
      const d = describe.get(oid)
      return d ? [{ ...d, uses: [...f.uses].map((u) => nameOf.get(u) ?? u) }] : []
    })
}

/** Names of relations and functions by oid (`schema.name`). */
async function objectNames(exec: QueryExecutor, oids: string[]): Promise<Map<string, string>> {
  if (!oids.length) return new Map()
  const list = oids.join(', ')
  const rows = await exec.query(
    `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN (${list})
     UNION ALL
     SELECT p.oid::int8, n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid IN (${list})`,
    [],
  )
  return new Map(rows.map((r) => [String(r.oid), `${r.schema}.${r.name}`]))
}

/** Drop and create statements of views (by oid) and functions (by oid). */
async function describeObjects(exec: QueryExecutor, views: string[], functions: string[]): Promise<Map<string, Omit<DependentObject, 'uses'>>> {
  const out = new Map<string, Omit<DependentObject, 'uses'>>()
  if (views.length) {
    const rows = await exec.query(
      `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_viewdef(c.oid) AS def
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN (${views.join(', ')}) AND c.relkind IN ('v', 'm')`,
      [],
    )
    for (const r of rows) {
      const name = `${q(String(r.schema))}.${q(String(r.name))}`
      const kind = r.kind === 'm' ? 'materialized view' : 'view'
      const def = String(r.def).trim().replace(/;$/, '')
      out.set(String(r.oid), {
        kind,
        name: `${r.schema}.${r.name}`,
        drop: `DROP ${kind.toUpperCase()} IF EXISTS ${name}`,
        create: `CREATE ${kind.toUpperCase()} ${name} AS ${def}`,
      })
    }
  }
  if (functions.length) {
    const rows = await exec.query(
      `SELECT p.oid::int8 AS oid, n.nspname AS schema, p.proname AS name, p.prokind AS kind, pg_get_functiondef(p.oid) AS def,
              pg_get_function_identity_arguments(p.oid) AS args
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid IN (${functions.join(', ')}) AND p.prokind IN ('f', 'p')`,
      [],
    )
    for (const r of rows) {
      const kind = r.kind === 'p' ? 'procedure' : 'function'
      out.set(String(r.oid), {
        kind,
        name: `${r.schema}.${r.name}`,
        drop: `DROP ${kind.toUpperCase()} IF EXISTS ${q(String(r.schema))}.${q(String(r.name))}(${r.args})`,
        create: String(r.def),
      })
    }
  }
  return out
}
