import { currentActor } from '../history/store.js'
import { type Driver, type QueryExecutor, quoteQualified } from '../driver.js'

/** A registered tenant. */
export interface TenantRecord {
  name: string
  /** Its schema, database or file as it was created. */
  schema: string
  createdAt: Date
  createdBy: string
}

/**
 * The tenant registry: `<history table>_tenants` in the shared schema, beside the history tables
 * (`schema_migrations_tenants`). One row per tenant; the tenants' history rows live in the shared
 * history table with scope `tenant:<name>`, so the whole fleet's state is two reads.
 */
export class TenantRegistry {
  readonly table: string

  constructor(
    private readonly driver: Driver,
    historyTable: string,
  ) {
    this.table = `${historyTable}_tenants`
  }

  private get quoted(): string {
    return quoteQualified(this.driver.dialect, this.table)
  }

  /** Create the table if it does not exist. */
  async ensure(): Promise<void> {
    const t = this.driver.dialect.types
    const i = (n: string) => this.driver.dialect.quoteIdent(n)
    await this.driver.query(
      `CREATE TABLE IF NOT EXISTS ${this.quoted} (${i('name')} ${t.key} NOT NULL PRIMARY KEY, ${i('schema_name')} ${t.key} NOT NULL, ` +
        `${i('created_at')} ${t.timestamp} NOT NULL, ${i('created_by')} ${t.key} NOT NULL)`,
    )
  }

  /** Every tenant, by name; empty when the table does not exist yet. */
  async list(): Promise<TenantRecord[]> {
    let rows: Record<string, unknown>[]
    try {
      rows = await this.driver.query(`SELECT name, schema_name, created_at, created_by FROM ${this.quoted}`)
    } catch (err) {
      if (this.driver.tableExists && (await this.driver.tableExists(this.table))) throw err
      return []
    }
    return rows
      .map((r) => ({ name: String(r.name), schema: String(r.schema_name), createdAt: toDate(r.created_at), createdBy: String(r.created_by) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** Register a tenant. */
  async add(exec: QueryExecutor, name: string, schema: string): Promise<void> {
    await exec.query(`INSERT INTO ${this.quoted} (name, schema_name, created_at, created_by) VALUES (?, ?, ?, ?)`, [name, schema, new Date(), currentActor()])
  }

  /** Remove a tenant's row. */
  async remove(exec: QueryExecutor, name: string): Promise<void> {
    await exec.query(`DELETE FROM ${this.quoted} WHERE name = ?`, [name])
  }
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v
  const s = String(v)
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`)
}
