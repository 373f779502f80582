import type { Notice, QueryExecutor, ResultColumn, SqlSession, StatementResult } from '@mig/core'
import pg from 'pg'
import { openClient } from './postgres-driver.js'

/** Type OIDs psql right-aligns: int2, int4, int8, oid, float4, float8, money, numeric. */
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 790, 1700])

/**
 * Settings that make values print the same on every machine: dates in UTC and ISO form, bytea as
 * hex, floats with their shortest exact digits.
 */
const STABLE_SETTINGS = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'; SET extra_float_digits = 1"

interface PgFieldLike {
  name: string
  dataTypeID: number
}
interface PgResultLike {
  fields?: PgFieldLike[]
  rows?: unknown[][]
}

/** A simple-protocol query returning rows as arrays and the server's command tags (`CREATE TABLE`, `INSERT 0 1`). */
class TaggedQuery extends (pg.Query as unknown as new (config: object, values: undefined, cb: (err: Error | null, res: unknown) => void) => object) {
  tags: string[] = []
  handleCommandComplete(msg: unknown, connection: unknown): void {
    this.tags.push(String((msg as { text?: string }).text ?? ''))
    ;(pg.Query.prototype as unknown as { handleCommandComplete(m: unknown, c: unknown): void }).handleCommandComplete.call(this, msg, connection)
  }
}

function run(client: pg.Client, text: string): Promise<{ results: PgResultLike[]; tags: string[] }> {
  return new Promise((resolve, reject) => {
    const q = new TaggedQuery({ text, rowMode: 'array' }, undefined, (err, res) => {
      if (err) reject(err)
      else resolve({ results: Array.isArray(res) ? (res as PgResultLike[]) : [res as PgResultLike], tags: q.tags })
    })
    client.query(q as unknown as pg.Submittable)
  })
}

/** An error the server reported for the statement (it has a SQLSTATE), as opposed to a lost connection. */
function isServerError(err: unknown): err is Error & { severity?: string; detail?: string; hint?: string } {
  return typeof (err as { code?: unknown })?.code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)
}

/**
 * Open a session for SQL tests: its own connection, every value read as the text PostgreSQL sends
 * (what psql shows), in UTC. `monitor` (the driver's connection) asks `pg_stat_activity` whether
 * the session's backend waits for a lock.
 */
export async function openPostgresSession(config: pg.ClientConfig, displayUrl: string, monitor: QueryExecutor): Promise<SqlSession> {
  const client = await openClient({ ...config, types: { getTypeParser: () => (value: string) => value } }, displayUrl)
  let notices: Notice[] = []
  client.on('notice', (n) => notices.push({ severity: (n as { severity?: string }).severity ?? 'NOTICE', message: n.message ?? '' }))
  await client.query(STABLE_SETTINGS)
  const pid = Number((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid)
  return {
    async run(sql) {
      notices = []
      const out: StatementResult = { sql, notices }
      try {
        const { results, tags } = await run(client, sql)
        // one statement gives one result; the last one speaks for a string that held several
        const last = results.at(-1)
        if (last?.fields?.length) {
          out.columns = last.fields.map((f): ResultColumn => ({ name: f.name, align: NUMERIC_TYPES.has(f.dataTypeID) ? 'right' : 'left' }))
          out.rows = (last.rows ?? []).map((r) => r.map((v) => (v === null || v === undefined ? null : String(v))))
        } else if (tags.length) out.tag = tags.at(-1)
      } catch (err) {
        if (!isServerError(err)) throw err
        out.error = { severity: err.severity ?? 'ERROR', message: err.message, detail: err.detail, hint: err.hint }
      }
      return out
    },
    async waitingForLock() {
      const rows = await monitor.query(
        `SELECT (wait_event_type = 'Lock' OR cardinality(pg_blocking_pids(pid)) > 0) AS waiting FROM pg_stat_activity WHERE pid = ?`,
        [pid],
      )
      return rows[0]?.waiting === true
    },
    async close() {
      await client.end().catch(() => {})
    },
  }
}
