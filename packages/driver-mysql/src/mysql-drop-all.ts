import type { Connection, RowDataPacket } from 'mysql2/promise'
import { mysqlDialect } from './mysql-dialect.js'

/** Drop every view, sequence, table, routine and event of the connection's database (the database itself stays). */
export async function dropAllMysqlObjects(c: Connection): Promise<void> {
  const q = mysqlDialect.quoteIdent
  const [tables] = await c.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
  )
  const [routines] = await c.query<RowDataPacket[]>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
  )
  const [events] = await c.query<RowDataPacket[]>(`SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`)
  await c.query('SET FOREIGN_KEY_CHECKS = 0')
  try {
    for (const t of tables.filter((t) => t.type === 'VIEW')) await c.query(`DROP VIEW IF EXISTS ${q(t.name)}`)
    for (const t of tables.filter((t) => t.type === 'SEQUENCE')) await c.query(`DROP SEQUENCE IF EXISTS ${q(t.name)}`)
    for (const t of tables.filter((t) => t.type !== 'VIEW' && t.type !== 'SEQUENCE')) await c.query(`DROP TABLE IF EXISTS ${q(t.name)}`)
    for (const r of routines) await c.query(`DROP ${r.type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE'} IF EXISTS ${q(r.name)}`)
    for (const e of events) await c.query(`DROP EVENT IF EXISTS ${q(e.name)}`)
  } finally {
    await c.query('SET FOREIGN_KEY_CHECKS = 1')
  }
}
