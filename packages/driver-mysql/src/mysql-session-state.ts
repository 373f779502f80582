import type { Connection, RowDataPacket } from 'mysql2/promise'
import { mysqlDialect } from './mysql-dialect.js'

/** Session variables a migration may change that matter to the next one (MySQL and MariaDB both have them). */
const SESSION_VARIABLES = [
  'sql_mode',
  'time_zone',
  'foreign_key_checks',
  'unique_checks',
  'autocommit',
  'character_set_client',
  'character_set_connection',
  'character_set_results',
  'collation_connection',
  'sql_safe_updates',
  'sql_select_limit',
  'group_concat_max_len',
] as const

/**
 * The session as the target configures it, read once the connection is set up: the variables
 * above and the URL's database. {@link resetSql} sets them back (`SET SESSION ...` and `USE`),
 * sent in front of each migration's first statement, so what one migration sets never reaches the
 * next one nor mig's history writes.
 */
export interface MysqlSession {
  /** The URL's database (`DATABASE()` at connection). */
  database: string
  /** Whether backslash is an escape in literals (`sql_mode` without `NO_BACKSLASH_ESCAPES`). */
  backslashEscapes: boolean
  /** `SET SESSION ...` then `USE <database>`: two statements. */
  resetSql: string[]
}

/** Read the session of a freshly opened connection (one round trip). */
export async function readMysqlSession(conn: Connection): Promise<MysqlSession> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT DATABASE() AS db, ${SESSION_VARIABLES.map((v) => `@@SESSION.${v} AS ${v}`).join(', ')}`)
  const row: Record<string, unknown> = rows[0] ?? {}
  const database = String(row.db ?? '')
  // numbers as numbers: a quoted 18446744073709551615 (sql_select_limit) is refused as the wrong type
  const value = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)) ? String(v) : conn.format('?', [v ?? null]))
  const assignments = SESSION_VARIABLES.map((v) => `${v} = ${value(row[v])}`)
  const resetSql = [`SET SESSION ${assignments.join(', ')}`]
  if (database) resetSql.push(`USE ${mysqlDialect.quoteIdent(database)}`)
  return { database, backslashEscapes: !/NO_BACKSLASH_ESCAPES/i.test(String(row.sql_mode ?? '')), resetSql }
}
