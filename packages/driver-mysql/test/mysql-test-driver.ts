/**
 * A minimal Driver over `mysql2` for the schema tests on this branch, until the real MysqlDriver
 * (another branch) is merged: it wires the introspector, DDL and shadow files the same way.
 */
import { type Driver, type LockHandle, type QueryExecutor, type Row, type Schema, type Script, type ScriptStatement, type ShadowDatabase, StatementFailure, splitStatements } from '@mig/core'
import { randomName } from '@mig/test-utils'
import mysql from 'mysql2/promise'
import { createMysqlShadow, introspectMysql, mysqlDdl, withDatabase } from '../src/index.js'

export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'

export class MysqlTestDriver implements Driver {
  readonly dialect = { name: 'mysql', quoteIdent: (n: string) => `\`${n.replace(/`/g, '``')}\``, types: { key: 'varchar(255)', text: 'longtext', integer: 'bigint', timestamp: 'datetime(3)', serialPrimaryKey: 'id bigint auto_increment primary key' } }
  readonly capabilities = { transactionalDdl: false }
  readonly ddl = mysqlDdl
  readonly displayUrl: string
  private c: mysql.Connection | undefined
  constructor(readonly url: string) {
    this.displayUrl = url
  }
  get client(): mysql.Connection {
    if (!this.c) throw new Error('not connected')
    return this.c
  }
  async connect(): Promise<void> {
    this.c ??= await mysql.createConnection({ uri: this.url, dateStrings: true })
  }
  async close(): Promise<void> {
    await this.c?.end()
    this.c = undefined
  }
  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    const [rows] = await this.client.query(sql, params as unknown[] | undefined)
    return Array.isArray(rows) ? (rows as R[]) : []
  }
  async transaction<T>(fn: (tx: QueryExecutor) => Promise<T>): Promise<T> {
    return fn(this)
  }
  async runScript(_exec: QueryExecutor, script: Script, onStatement?: (i: number, s: ScriptStatement) => Promise<void>): Promise<void> {
    const statements = splitStatements(script.sql, { backslashEscapes: true, delimiterCommand: true }, script.line ?? 1)
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
    const [[row]] = (await this.client.query('SELECT DATABASE() AS db')) as unknown as [[{ db: string }]]
    await this.client.query(`DROP DATABASE \`${row.db}\``)
    await this.client.query(`CREATE DATABASE \`${row.db}\``)
    await this.client.query(`USE \`${row.db}\``)
  }
  introspect(): Promise<Schema> {
    return introspectMysql(this)
  }
  createShadow(): Promise<ShadowDatabase> {
    return createMysqlShadow(this, this.url)
  }
}

/** A fresh database on the test server; `close()` drops it. */
export async function freshMysqlDatabase(): Promise<{ driver: MysqlTestDriver; close(): Promise<void> }> {
  const admin = new MysqlTestDriver(MYSQL_URL)
  await admin.connect()
  const name = randomName('mig_schema')
  await admin.query(`CREATE DATABASE \`${name}\``)
  const driver = new MysqlTestDriver(withDatabase(MYSQL_URL, name))
  await driver.connect()
  return {
    driver,
    async close() {
      await driver.close()
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await admin.close()
    },
  }
}
