import { type DatabaseCopy, DatabaseCopyError, withDatabase } from '@mig/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { mysqlDialect } from './mysql-dialect.js'

/**
 * A new, empty database on the same server with the source's character set and collation: MySQL
 * cannot copy a database, so core brings it to the source's migrations.
 */
export async function createMysqlCopy(admin: Connection, url: string, source: string): Promise<DatabaseCopy> {
  const q = mysqlDialect.quoteIdent
  const random = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const name = `${source.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_copy_${random}`
  try {
    const [rows] = await admin.query<RowDataPacket[]>(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [source],
    )
    const settings = rows[0] ? ` CHARACTER SET ${rows[0].cs} COLLATE ${rows[0].co}` : ''
    await admin.query(`CREATE DATABASE ${q(name)}${settings}`)
  } catch (err) {
    throw new DatabaseCopyError(source, `cannot create a copy of database "${source}": ${(err as Error).message}`, { cause: err })
  }
  let dropped = false
  return {
    url: withDatabase(url, name),
    name,
    contents: 'empty',
    source,
    async drop() {
      if (dropped) return
      await admin.query(`DROP DATABASE IF EXISTS ${q(name)}`)
      dropped = true
    },
  }
}
