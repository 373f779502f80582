import { ConnectionError, redactUrl } from '@mig/core'
import mysql, { type Connection, type ConnectionOptions } from 'mysql2/promise'

/** mysql2's connection options for a URL: UTC dates as strings, no multi-statement strings. */
export function mysqlConfig(url: string, applicationName = 'mig'): ConnectionOptions {
  const uri = url.replace(/^mariadb:/i, 'mysql:')
  const u = new URL(uri)
  if (!u.pathname || u.pathname === '/') throw new Error('the URL names no database (mysql://user@host/DATABASE)')
  return {
    uri,
    // Dates are written and read as UTC strings: history timestamps round-trip whatever the server's zone.
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    // Only mig's own batches use several statements per round trip: scripts are split first.
    multipleStatements: true,
    connectAttributes: { program_name: applicationName },
  }
}

/** Open a connection in UTC, turning every failure into a {@link ConnectionError} without the password. */
export async function openConnection(config: ConnectionOptions, displayUrl: string): Promise<Connection> {
  let conn: Connection | undefined
  try {
    conn = await mysql.createConnection(config)
    // An idle connection whose server goes away emits 'error'; the next query reports it instead.
    conn.on('error', () => {})
    await conn.query("SET time_zone = '+00:00'")
    return conn
  } catch (err) {
    await conn?.end().catch(() => {})
    const e = err as Error & { code?: string }
    const detail = e.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : e.message || String(err)
    throw new ConnectionError(displayUrl, redactUrl(detail), { cause: err })
  }
}
