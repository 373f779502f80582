/**
 * A minimal Driver over `pg` for the schema tests on this branch, until the real PostgresDriver
 * (another branch) is merged: it wires the introspector, DDL and shadow files the same way.
 */
import {
  type Driver,
  type LockHandle,
  type QueryExecutor,
  type Row,
  type Schema,
  type Script,
  type ScriptStatement,
  type ShadowDatabase,
  StatementFailure,
  splitStatements,
} from '@mig/core'
import { randomName } from '@mig/test-utils'
import pg from 'pg'
import { createPostgresShadow, introspectPostgres, postgresDdl, withDatabase } from '../src/index.js'

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** `?` placeholders to `$n` (the test queries never contain a literal `?`). */
function toPg(sql: string): string {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

export class PgTestDriver implements Driver {
  readonly dialect = { name: 'postgres', quoteIdent: (n: string) => `"${n.replace(/"/g, '""')}"`, types: { key: 'varchar(255)', text: 'text', integer: 'bigint', timestamp: 'timestamptz', serialPrimaryKey: 'id bigserial primary key' } }
  readonly capabilities = { transactionalDdl: true }
  readonly ddl = postgresDdl
  readonly displayUrl: string
  private c: pg.Client | undefined
  constructor(readonly url: string) {
    this.displayUrl = url
  }
  get client(): pg.Client {
    if (!this.c) throw new Error('not connected')
    return this.c
  }
  async connect(): Promise<void> {
    if (this.c) return
    this.c = new pg.Client({ connectionString: this.url })
    await this.c.connect()
    await this.c.query('SET client_min_messages = warning')
  }
  async close(): Promise<void> {
    await this.c?.end()
    this.c = undefined
  }
  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const r = await this.client.query(toPg(sql), params as unknown[] | undefined)
    return r.rows as R[]
  }
  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    await this.client.query('BEGIN')
    try {
      const out = await fn(this)
      await this.client.query('COMMIT')
      return out
    } catch (err) {
      await this.client.query('ROLLBACK')
      throw err
    }
  }
  async runScript(_exec: QueryExecutor, script: Script, onStatement?: (i: number, s: ScriptStatement) => Promise<void>): Promise<void> {
    const statements = splitStatements(script.sql, {}, script.line ?? 1)
    for (let i = 0; i < statements.length; i++) {
      const st = statements[i]!
      try {
        await this.client.query(st.sql)
      } catch (err) {
        throw new StatementFailure(i, st, err)
      }
      if (onStatement) await onStatement(i, st)
    }
  }
  async acquireLock(): Promise<LockHandle> {
    return { release: async () => {} }
  }
  async dropAllObjects(): Promise<void> {
    await this.client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
  }
  introspect(): Promise<Schema> {
    return introspectPostgres(this)
  }
  createShadow(): Promise<ShadowDatabase> {
    return createPostgresShadow(this, this.url)
  }
}

/** A fresh database on the test server; `close()` drops it. */
export async function freshPgDatabase(): Promise<{ driver: PgTestDriver; close(): Promise<void> }> {
  const admin = new PgTestDriver(PG_URL)
  await admin.connect()
  const name = randomName('mig_schema')
  await admin.query(`CREATE DATABASE "${name}"`)
  const driver = new PgTestDriver(withDatabase(PG_URL, name))
  await driver.connect()
  return {
    driver,
    async close() {
      await driver.close()
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.close()
    },
  }
}
