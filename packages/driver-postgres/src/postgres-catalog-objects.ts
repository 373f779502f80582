import type { QueryExecutor, SchemaObject, UnsupportedObject } from '@mig/core'
import { qualifiedName } from '@mig/core'
import { postgresDialect } from './postgres-dialect.js'

/** What the readers below share with the introspector. */
export interface CatalogScope {
  exec: QueryExecutor
  /** `(oid, oid, ...)` of the namespaces read. */
  inNs: string
  /** The model's schema for a namespace: undefined for the current one. */
  nsName(nspname: string): string | undefined
  /** Remove the current schema's qualification after `before` in a definition. */
  unqualify(def: string, before: RegExp): string
  /** SQL condition: the object `col` of catalog `cls` does not belong to an extension. */
  notExt(cls: string, col: string): string
}

type R = Record<string, unknown>
const q = (name: string) => postgresDialect.quoteIdent(name)
const lit = (v: string) => `'${v.replace(/'/g, "''")}'`
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [])

function comment(kind: string, target: string, value: unknown): string[] {
  return value === null || value === undefined ? [] : [`COMMENT ON ${kind} ${target} IS ${lit(String(value))}`]
}

/**
 * Read the objects mig keeps by their definition (dumped and compared by their statements):
 * schema comments, domains, composite and range types, aggregates, rules, row-level security and
 * policies, indexes of materialized views. Also returns the objects it neither dumps nor compares
 * (foreign tables, publications, grants...), so they can be named.
 */
export async function readPostgresObjects(scope: CatalogScope): Promise<{ objects: SchemaObject[]; unsupported: UnsupportedObject[] }> {
  const { exec, inNs, nsName, notExt } = scope
  const objects: SchemaObject[] = []
  const unsupported: UnsupportedObject[] = []
  const qn = (nsp: unknown, name: unknown) => {
    const schema = nsName(String(nsp))
    return schema ? `${q(schema)}.${q(String(name))}` : q(String(name))
  }
  const add = (
    kind: string,
    nsp: unknown,
    name: string,
    statements: string[],
    drop: string[],
    phase: SchemaObject['phase'],
    extra: Partial<SchemaObject> = {},
  ) => {
    const schema = nsName(String(nsp))
    objects.push({ kind, ...(schema ? { schema } : {}), name, statements, drop, phase, ...extra })
  }
  const key = (nsp: unknown, name: string) => qualifiedName({ schema: nsName(String(nsp)), name })

  // comments on schemas (the public schema's stock comment is left out)
  for (const r of await exec.query<R>(
    `SELECT n.nspname, obj_description(n.oid, 'pg_namespace') AS comment FROM pg_namespace n
     WHERE n.oid IN ${inNs} AND obj_description(n.oid, 'pg_namespace') IS NOT NULL
       AND NOT (n.nspname = 'public' AND obj_description(n.oid, 'pg_namespace') = 'standard public schema') ORDER BY 1`,
  ))
    objects.push({
      kind: 'schema comment',
      name: String(r.nspname),
      key: `${r.nspname}#comment`,
      statements: comment('SCHEMA', q(String(r.nspname)), r.comment),
      drop: [`COMMENT ON SCHEMA ${q(String(r.nspname))} IS NULL`],
      phase: 'type',
    })

  for (const r of await exec.query<R>(
    `SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault,
            CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN quote_ident(co.collname) END AS coll,
            obj_description(t.oid, 'pg_type') AS comment,
            ARRAY(SELECT 'CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
                  WHERE c.contypid = t.oid ORDER BY c.conname) AS checks
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype
     LEFT JOIN pg_collation co ON co.oid = t.typcollation
     WHERE t.typtype = 'd' AND t.typnamespace IN ${inNs} AND ${notExt('pg_type', 't.oid')} ORDER BY 1, 2`,
  )) {
    const name = qn(r.nspname, r.typname)
    const parts = [`CREATE DOMAIN ${name} AS ${r.base}`]
    if (r.coll !== null) parts.push(`COLLATE ${r.coll}`)
    if (r.typdefault !== null) parts.push(`DEFAULT ${r.typdefault}`)
    if (r.typnotnull) parts.push('NOT NULL')
    parts.push(...list(r.checks))
    add('domain', r.nspname, String(r.typname), [parts.join(' '), ...comment('DOMAIN', name, r.comment)], [`DROP DOMAIN ${name}`], 'type', {
      dropBlocksUsers: true,
    })
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, t.typname, obj_description(t.oid, 'pg_type') AS comment,
            ARRAY(SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                         || CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || quote_ident(co.collname) ELSE '' END
                  FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation
                  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attrs
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
     WHERE t.typtype = 'c' AND t.typnamespace IN ${inNs} AND ${notExt('pg_type', 't.oid')} ORDER BY 1, 2`,
  )) {
    const name = qn(r.nspname, r.typname)
    add(
      'composite type',
      r.nspname,
      String(r.typname),
      [`CREATE TYPE ${name} AS (${list(r.attrs).join(', ')})`, ...comment('TYPE', name, r.comment)],
      [`DROP TYPE ${name}`],
      'type',
      {
        dropBlocksUsers: true,
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, t.typname, format_type(r.rngsubtype, NULL) AS subtype, NULLIF(r.rngsubdiff, 0)::regproc::text AS diff,
            r.rngcanonical <> 0 AS canonical, mn.nspname AS mnsp, mt.typname AS multirange, obj_description(t.oid, 'pg_type') AS comment,
            CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN quote_ident(co.collname) END AS coll
     FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type st ON st.oid = r.rngsubtype
     LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid LEFT JOIN pg_namespace mn ON mn.oid = mt.typnamespace
     LEFT JOIN pg_collation co ON co.oid = r.rngcollation
     WHERE t.typnamespace IN ${inNs} AND ${notExt('pg_type', 't.oid')} ORDER BY 1, 2`,
  )) {
    if (r.canonical) {
      unsupported.push({ kind: 'range type', name: key(r.nspname, String(r.typname)) })
      continue
    }
    const name = qn(r.nspname, r.typname)
    const opts = [`SUBTYPE = ${r.subtype}`]
    if (r.coll !== null) opts.push(`COLLATION = ${r.coll}`)
    if (r.diff !== null) opts.push(`SUBTYPE_DIFF = ${r.diff}`)
    if (r.multirange !== null) opts.push(`MULTIRANGE_TYPE_NAME = ${qn(r.mnsp, r.multirange)}`)
    add(
      'range type',
      r.nspname,
      String(r.typname),
      [`CREATE TYPE ${name} AS RANGE (${opts.join(', ')})`, ...comment('TYPE', name, r.comment)],
      [`DROP TYPE ${name}`],
      'type',
      {
        dropBlocksUsers: true,
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args, a.aggkind,
            a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace,
            NULLIF(a.aggfinalfn, 0)::regproc::text AS finalfunc, a.aggfinalextra, a.aggfinalmodify,
            NULLIF(a.aggcombinefn, 0)::regproc::text AS combinefunc, NULLIF(a.aggserialfn, 0)::regproc::text AS serialfunc,
            NULLIF(a.aggdeserialfn, 0)::regproc::text AS deserialfunc, a.agginitval,
            NULLIF(a.aggmtransfn, 0)::regproc::text AS msfunc, NULLIF(a.aggminvtransfn, 0)::regproc::text AS minvfunc,
            CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype,
            NULLIF(a.aggmfinalfn, 0)::regproc::text AS mfinalfunc, a.aggminitval,
            (SELECT 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' FROM pg_operator o
               JOIN pg_namespace opn ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) AS sortop,
            p.proparallel, obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.prokind = 'a' AND p.pronamespace IN ${inNs} AND ${notExt('pg_proc', 'p.oid')} ORDER BY 1, 2, 3`,
  )) {
    const name = `${qn(r.nspname, r.proname)}(${r.args})`
    const opts = [`SFUNC = ${r.sfunc}`, `STYPE = ${r.stype}`]
    if (Number(r.aggtransspace) > 0) opts.push(`SSPACE = ${r.aggtransspace}`)
    if (r.finalfunc !== null) {
      opts.push(`FINALFUNC = ${r.finalfunc}`)
      if (r.aggfinalextra) opts.push('FINALFUNC_EXTRA')
      opts.push(`FINALFUNC_MODIFY = ${MODIFY[String(r.aggfinalmodify)] ?? 'READ_ONLY'}`)
    }
    if (r.combinefunc !== null) opts.push(`COMBINEFUNC = ${r.combinefunc}`)
    if (r.serialfunc !== null) opts.push(`SERIALFUNC = ${r.serialfunc}`)
    if (r.deserialfunc !== null) opts.push(`DESERIALFUNC = ${r.deserialfunc}`)
    if (r.agginitval !== null) opts.push(`INITCOND = ${lit(String(r.agginitval))}`)
    if (r.msfunc !== null) opts.push(`MSFUNC = ${r.msfunc}`, `MINVFUNC = ${r.minvfunc}`, `MSTYPE = ${r.mstype}`)
    if (r.mfinalfunc !== null) opts.push(`MFINALFUNC = ${r.mfinalfunc}`)
    if (r.aggminitval !== null) opts.push(`MINITCOND = ${lit(String(r.aggminitval))}`)
    if (r.sortop !== null) opts.push(`SORTOP = ${r.sortop}`)
    if (r.aggkind === 'h') opts.push('HYPOTHETICAL')
    if (r.proparallel === 's' || r.proparallel === 'r') opts.push(`PARALLEL = ${r.proparallel === 's' ? 'SAFE' : 'RESTRICTED'}`)
    add(
      'aggregate',
      r.nspname,
      String(r.proname),
      [`CREATE AGGREGATE ${name} (\n  ${opts.join(',\n  ')}\n)`, ...comment('AGGREGATE', name, r.comment)],
      [`DROP AGGREGATE ${name}`],
      'routine',
      {
        key: `${key(r.nspname, String(r.proname))}(${r.args})`,
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, c.relname, r.rulename, pg_get_ruledef(r.oid, true) AS def, obj_description(r.oid, 'pg_rewrite') AS comment
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE r.rulename <> '_RETURN' AND c.relnamespace IN ${inNs} ORDER BY 1, 2, 3`,
  )) {
    const def = String(r.def).trim().replace(/;$/, '')
    const table = key(r.nspname, String(r.relname))
    add(
      'rule',
      r.nspname,
      String(r.rulename),
      [def, ...comment('RULE', `${q(String(r.rulename))} ON ${qn(r.nspname, r.relname)}`, r.comment)],
      [`DROP RULE ${q(String(r.rulename))} ON ${qn(r.nspname, r.relname)}`],
      'late',
      {
        key: key(r.nspname, `${r.relname}.${r.rulename}`),
        dependsOn: [table],
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND c.relnamespace IN ${inNs} ORDER BY 1, 2`,
  )) {
    const table = qn(r.nspname, r.relname)
    const statements = [
      ...(r.relrowsecurity ? [`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`] : []),
      ...(r.relforcerowsecurity ? [`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`] : []),
    ]
    const drop = [`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`, ...(r.relforcerowsecurity ? [`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`] : [])]
    add('row-level security setting', r.nspname, String(r.relname), statements, drop, 'table', {
      key: `${key(r.nspname, String(r.relname))}#row-security`,
      dependsOn: [key(r.nspname, String(r.relname))],
    })
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive, pg_get_expr(p.polqual, p.polrelid) AS qual,
            pg_get_expr(p.polwithcheck, p.polrelid) AS chk, obj_description(p.oid, 'pg_policy') AS comment,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(p.polroles) r ORDER BY 1) AS roles
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relnamespace IN ${inNs} ORDER BY 1, 2, 3`,
  )) {
    const table = qn(r.nspname, r.relname)
    let sql = `CREATE POLICY ${q(String(r.polname))} ON ${table}`
    if (!r.polpermissive) sql += ' AS RESTRICTIVE'
    if (r.polcmd !== '*') sql += ` FOR ${COMMANDS[String(r.polcmd)]}`
    sql += ` TO ${list(r.roles).join(', ')}`
    if (r.qual !== null) sql += ` USING (${r.qual})`
    if (r.chk !== null) sql += ` WITH CHECK (${r.chk})`
    add(
      'policy',
      r.nspname,
      String(r.polname),
      [sql, ...comment('POLICY', `${q(String(r.polname))} ON ${table}`, r.comment)],
      [`DROP POLICY ${q(String(r.polname))} ON ${table}`],
      'late',
      {
        key: key(r.nspname, `${r.relname}.${r.polname}`),
        dependsOn: [key(r.nspname, String(r.relname))],
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT n.nspname, c.relname, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, obj_description(i.indexrelid, 'pg_class') AS comment
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'm' AND c.relnamespace IN ${inNs} ORDER BY 1, 3`,
  )) {
    const def = nsName(String(r.nspname)) ? String(r.def) : scope.unqualify(String(r.def), / ON /)
    add(
      'materialized view index',
      r.nspname,
      String(r.name),
      [def, ...comment('INDEX', qn(r.nspname, r.name), r.comment)],
      [`DROP INDEX ${qn(r.nspname, r.name)}`],
      'late',
      {
        key: `${key(r.nspname, String(r.name))}#index`,
        dependsOn: [key(r.nspname, String(r.relname))],
      },
    )
  }

  for (const r of await exec.query<R>(
    `SELECT 'foreign table' AS kind, n.nspname AS nsp, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'f' AND c.relnamespace IN ${inNs} AND ${notExt('pg_class', 'c.oid')}
     UNION ALL SELECT 'grant', n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relnamespace IN ${inNs} AND ${notExt('pg_class', 'c.oid')}
     UNION ALL SELECT 'publication', NULL, pubname FROM pg_publication
     UNION ALL SELECT 'event trigger', NULL, evtname FROM pg_event_trigger WHERE ${notExt('pg_event_trigger', 'oid')}
     UNION ALL SELECT 'operator', n.nspname, o.oprname FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
       WHERE o.oprnamespace IN ${inNs} AND ${notExt('pg_operator', 'o.oid')}
     UNION ALL SELECT 'collation', n.nspname, co.collname FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
       WHERE co.collnamespace IN ${inNs} AND ${notExt('pg_collation', 'co.oid')}
     UNION ALL SELECT 'text search configuration', n.nspname, cfg.cfgname FROM pg_ts_config cfg JOIN pg_namespace n ON n.oid = cfg.cfgnamespace
       WHERE cfg.cfgnamespace IN ${inNs} AND ${notExt('pg_ts_config', 'cfg.oid')}
     UNION ALL SELECT 'statistics object', n.nspname, x.stxname FROM pg_statistic_ext x JOIN pg_namespace n ON n.oid = x.stxnamespace
       WHERE x.stxnamespace IN ${inNs}
     UNION ALL SELECT 'base type', n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typtype = 'b' AND t.typcategory <> 'A' AND t.typnamespace IN ${inNs} AND ${notExt('pg_type', 't.oid')}
     ORDER BY 1, 2, 3`,
  ))
    unsupported.push({ kind: String(r.kind), name: r.nsp === null ? String(r.name) : key(r.nsp, String(r.name)) })
  return { objects, unsupported }
}

const MODIFY: Record<string, string> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' }
const COMMANDS: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' }

/**
 * What each object needs, from `pg_depend` (normal dependencies): a function on the table whose
 * row type it returns, a table on the domains of its columns and the functions its defaults,
 * checks and indexes call, a view on the routines it calls. Foreign keys are left out: the
 * diff engine orders them itself (and breaks their cycles). Keys as the model names objects:
 * qualified names, routines with their signature, rules and policies as `table.name`.
 */
export async function readPostgresDependencies(scope: CatalogScope): Promise<Map<string, string[]>> {
  const { exec, inNs } = scope
  // the objects (with their keys) and the edges are read apart and joined here: joined in SQL, the
  // planner misjudges the union's size and nests loops over pg_depend (seconds on 1,000 tables)
  const objects = await exec.query<R>(
    `SELECT o.classid::int AS classid, o.objid::int AS objid, n.nspname, o.name FROM (
       SELECT 'pg_class'::regclass AS classid, c.oid AS objid, c.relnamespace AS ns, c.relname::text AS name FROM pg_class c
         WHERE c.relnamespace IN ${inNs} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'f')
       UNION ALL SELECT 'pg_class'::regclass, i.indexrelid, c.relnamespace, c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         WHERE c.relnamespace IN ${inNs}
       UNION ALL SELECT 'pg_type'::regclass, t.oid, t.typnamespace, coalesce(c.relname, t.typname)::text FROM pg_type t
         LEFT JOIN pg_class c ON c.oid = t.typrelid WHERE t.typnamespace IN ${inNs} AND t.typcategory <> 'A'
       UNION ALL SELECT 'pg_type'::regclass, t.oid, e.typnamespace, coalesce(c.relname, e.typname)::text FROM pg_type t
         JOIN pg_type e ON e.oid = t.typelem LEFT JOIN pg_class c ON c.oid = e.typrelid WHERE e.typnamespace IN ${inNs} AND t.typcategory = 'A'
       UNION ALL SELECT 'pg_proc'::regclass, p.oid, p.pronamespace, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p
         WHERE p.pronamespace IN ${inNs}
       UNION ALL SELECT 'pg_attrdef'::regclass, d.oid, c.relnamespace, c.relname::text FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
         WHERE c.relnamespace IN ${inNs}
       UNION ALL SELECT 'pg_constraint'::regclass, co.oid, coalesce(c.relnamespace, t.typnamespace), coalesce(c.relname, t.typname)::text
         FROM pg_constraint co LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid
         WHERE coalesce(c.relnamespace, t.typnamespace) IN ${inNs} AND co.contype <> 'f'
       UNION ALL SELECT 'pg_rewrite'::regclass, r.oid, c.relnamespace,
              CASE WHEN r.rulename = '_RETURN' THEN c.relname::text ELSE c.relname || '.' || r.rulename END
         FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN ${inNs}
       UNION ALL SELECT 'pg_policy'::regclass, p.oid, c.relnamespace, c.relname || '.' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace IN ${inNs}
     ) o JOIN pg_namespace n ON n.oid = o.ns`,
  )
  const keyOf = new Map<string, string>()
  for (const o of objects) keyOf.set(`${o.classid}/${o.objid}`, qualifiedName({ schema: scope.nsName(String(o.nspname)), name: String(o.name) }))
  const edges = await exec.query<R>(
    `SELECT classid::int AS classid, objid::int AS objid, refclassid::int AS refclassid, refobjid::int AS refobjid FROM pg_depend
     WHERE deptype = 'n' AND classid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass, 'pg_attrdef'::regclass,
       'pg_constraint'::regclass, 'pg_rewrite'::regclass, 'pg_policy'::regclass)`,
  )
  const deps = new Map<string, Set<string>>()
  for (const e of edges) {
    const from = keyOf.get(`${e.classid}/${e.objid}`)
    const to = keyOf.get(`${e.refclassid}/${e.refobjid}`)
    if (from === undefined || to === undefined || from === to) continue
    const set = deps.get(from) ?? new Set<string>()
    set.add(to)
    deps.set(from, set)
  }
  return new Map([...deps].map(([k, v]) => [k, [...v].sort()]))
}

/** `a` and the dependencies of `key` in `deps`, without duplicates, sorted; undefined when empty. */
export function withDependencies(a: string[] | undefined, key: string, deps: Map<string, string[]>): string[] | undefined {
  const all = [...new Set([...(a ?? []), ...(deps.get(key) ?? [])])].filter((k) => k !== key).sort()
  return all.length ? all : undefined
}
