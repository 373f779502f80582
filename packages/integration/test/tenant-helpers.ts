import { join } from 'node:path'
import type { Driver } from '@mig/core'
import { type DialectName, mysqlAdmin, type TempProject, type TestDialect, tempProject } from '@mig/test-utils'
import { tableNames, withDriver } from './cli.js'

/** A database made for a tenant test, with where its tenants live. */
export interface TenantDatabase {
  url: string
  /** `[tenants] schema` for this database. */
  schemaPattern: string
  /** A URL whose unqualified names are the tenant's (PostgreSQL search path, MySQL database, SQLite file). */
  tenantUrl(name: string): string
  /** Drop the database and every tenant database made for it (MySQL's tenant databases live beside it). */
  drop(): Promise<void>
}

/** Create a database for a tenant test on `dialect`. */
export async function tenantDatabase(dialect: TestDialect): Promise<TenantDatabase> {
  const url = await dialect.createDatabase()
  const name = dialect.name === 'sqlite' ? '' : decodeURIComponent(new URL(url).pathname.slice(1))
  const patterns: Record<DialectName, string> = { postgres: 'tenant_{name}', mysql: `${name}_t_{name}`, sqlite: 'tenants/{name}.db' }
  const tenantUrl = (tenant: string): string => {
    if (dialect.name === 'sqlite') return `sqlite:${join(url.replace(/^sqlite:/, ''), '..', 'tenants', `${tenant}.db`)}`
    const u = new URL(url)
    if (dialect.name === 'postgres') u.searchParams.set('search_path', `tenant_${tenant}`)
    else u.pathname = `/${name}_t_${tenant}`
    return u.toString()
  }
  return {
    url,
    schemaPattern: patterns[dialect.name],
    tenantUrl,
    async drop() {
      if (dialect.name === 'mysql') {
        const rows = await withDriver('mysql', url, (d) =>
          d.query('SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${name}\\_t\\_%`]),
        )
        for (const r of rows) await mysqlAdmin(`DROP DATABASE IF EXISTS \`${String(r.s)}\``)
      }
      await dialect.dropDatabase(url)
    },
  }
}

/** A project with `[tenants]` for `db`, and these files. */
export function tenantProject(db: TenantDatabase, files: Record<string, string> = {}, extraToml = ''): TempProject {
  return tempProject({ 'mig.toml': `[tenants]\nschema = "${db.schemaPattern}"\nvars = "vars/tenants/{name}.toml"\n${extraToml}`, ...files })
}

/** What a tenant holds: its tables and how often each version wrote its ledger. */
export interface TenantState {
  tables: string[]
  ledger: Map<string, number>
}

/** Read a tenant's tables and its `tledger` (one row per tenant part that ran). */
export async function readTenant(dialect: DialectName, db: TenantDatabase, tenant: string): Promise<TenantState> {
  return withDriver(dialect, db.tenantUrl(tenant), async (d) => {
    const tables = await tableNames(dialect, d)
    const ledger = new Map<string, number>()
    if (tables.includes('tledger')) for (const r of await d.query('SELECT v, COUNT(*) AS n FROM tledger GROUP BY v')) ledger.set(String(r.v), Number(r.n))
    return { tables, ledger }
  })
}

/** History rows of the shared history table: `scope` → version → status. */
export async function readHistory(d: Driver): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>()
  for (const r of await d.query('SELECT version, scope, status FROM schema_migrations')) {
    const scope = String(r.scope)
    if (!out.has(scope)) out.set(scope, new Map())
    out.get(scope)!.set(String(r.version), String(r.status))
  }
  return out
}

/** Tenant parts that each create a table and write the tenant's ledger once; `count` of them, versions 2..count+1. */
export function tenantParts(count: number, first = 2): Record<string, string> {
  const files: Record<string, string> = {}
  for (let i = first; i < first + count; i++) {
    files[`migrations/${String(i).padStart(3, '0')}_part${i}.tenant.up.sql`] =
      `CREATE TABLE t${i} (id INTEGER NOT NULL);\nINSERT INTO tledger (v) VALUES ('${String(i).padStart(3, '0')}');\n`
  }
  return files
}

/** The first migration: a shared ledger written once, and the tenant ledger. */
export const LEDGERS = {
  'migrations/001_ledgers.sql':
    "-- mig:up\nCREATE TABLE ledger (v VARCHAR(20) NOT NULL);\nINSERT INTO ledger (v) VALUES ('001');\n" +
    '-- mig:down\nDROP TABLE ledger;\n' +
    "-- mig:tenant-up\nCREATE TABLE tledger (v VARCHAR(20) NOT NULL);\nINSERT INTO tledger (v) VALUES ('001');\n" +
    '-- mig:tenant-down\nDROP TABLE tledger;\n',
}

/** `n` tenant names. */
export function tenantNames(n: number, prefix = 't'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
}
