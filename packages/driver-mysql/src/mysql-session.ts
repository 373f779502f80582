import { commandTag, type Notice, type QueryExecutor, type ResultColumn, type SqlSession, type StatementResult } from '@mig/core'
import type { ConnectionOptions, FieldPacket, ResultSetHeader } from 'mysql2/promise'
import { openConnection } from './mysql-connection.js'

/** Column types mysql right-aligns: the integer, decimal, float and year types. */
const NUMERIC_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246])
/** String and blob column types whose bytes are shown in hex when their character set is `binary` (63). */
const BYTE_TYPES = new Set([15, 16, 249, 250, 251, 252, 253, 254, 255])
const BINARY_CHARSET = 63

/** A value as the server sent it (text protocol, undecoded): bytes in hex, everything else as text. */
function cell(value: unknown, field: FieldPacket): string | null {
  if (value === null || value === undefined) return null
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value))
  const f = field as FieldPacket & { columnType?: number; characterSet?: number }
  if (f.characterSet === BINARY_CHARSET && BYTE_TYPES.has(f.columnType ?? -1)) return `0x${bytes.toString('hex').toUpperCase()}`
  return bytes.toString('utf8')
}

/** An error the server reported for the statement, as opposed to a lost connection. */
function isServerError(err: unknown): err is Error & { sqlMessage?: string; sqlState?: string } {
  return typeof (err as { sqlState?: unknown })?.sqlState === 'string' && (err as { fatal?: boolean }).fatal !== true
}

/**
 * Open a session for SQL tests: its own connection in UTC, values read undecoded (as the server
 * writes them: what the mysql client shows), warnings as notices. `monitor` (the driver's
 * connection) asks InnoDB's transactions and the process list whether the session waits for a lock.
 */
export async function openMysqlSession(config: ConnectionOptions, displayUrl: string, monitor: QueryExecutor): Promise<SqlSession> {
  const conn = await openConnection({ ...config, multipleStatements: false }, displayUrl)
  const threadId = conn.threadId
  return {
    async run(sql) {
      const notices: Notice[] = []
      const out: StatementResult = { sql, notices }
      try {
        const [rows, fields] = await conn.query({ sql, rowsAsArray: true, typeCast: false })
        if (Array.isArray(fields) && fields.length) {
          out.columns = fields.map(
            (f): ResultColumn => ({ name: f.name, align: NUMERIC_TYPES.has((f as { columnType?: number }).columnType ?? -1) ? 'right' : 'left' }),
          )
          out.rows = (rows as unknown[][]).map((r) => r.map((v, i) => cell(v, fields[i]!)))
        } else {
          const header = rows as ResultSetHeader
          out.tag = commandTag(sql, header.affectedRows)
          if (header.warningStatus > 0) {
            const [warnings] = await conn.query({ sql: 'SHOW WARNINGS', rowsAsArray: false })
            for (const w of warnings as { Level: string; Message: string }[]) notices.push({ severity: String(w.Level).toUpperCase(), message: w.Message })
          }
        }
      } catch (err) {
        if (!isServerError(err)) throw err
        out.error = { severity: 'ERROR', message: err.sqlMessage ?? err.message }
      }
      return out
    },
    async waitingForLock() {
      const rows = await monitor.query(
        `SELECT (SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT')
              + (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND (STATE LIKE 'Waiting for%lock%' OR STATE = 'User lock')) AS n`,
        [threadId, threadId],
      )
      return Number(rows[0]?.n) > 0
    },
    async close() {
      conn.destroy()
    },
  }
}
