/**
 * Multi-statement packets: how a migration's statements travel to MySQL/MariaDB. The server runs a
 * packet statement by statement and stops at the first error; it runs a packet it has received to
 * the end even when the client is gone (see `DriverCapabilities.progressInBatch`).
 */
import type { ScriptStatement } from '@mig/core'
import type { Connection } from 'mysql2/promise'

/** Most statements of a streamed script in one packet. */
export const STREAM_PACKET_STATEMENTS = 1000
/**
 * A streamed packet is sent once its statements reach this many characters (1 Mi; well under the
 * default `max_allowed_packet` of 16 MiB on MariaDB and 64 MiB on MySQL 8).
 */
export const STREAM_PACKET_CHARS = 1024 * 1024

const USER_BEGIN = /^\s*(?:start\s+transaction\b|begin(?:\s+work)?\s*$)/i
const USER_END = /^\s*(?:commit|rollback)\b/i
const IMPLICIT_COMMIT = /^\s*(?:create|alter|drop|rename|truncate|lock\s+tables|unlock\s+tables)\b/i

/** INSERT/UPDATE/DELETE/REPLACE: statements InnoDB can roll back, which may join an open transaction. */
export function isDataChange(sql: string): boolean {
  return /^\s*(?:insert|update|delete|replace)\b/i.test(sql)
}

/** The line a MySQL syntax error points at ("... near 'x' at line 3"), relative to the statement. */
export function errorLine(err: unknown, statement: ScriptStatement): number | undefined {
  const m = / at line (\d+)\s*$/.exec((err as Error)?.message ?? '')
  return m ? statement.line + Number(m[1]) - 1 : undefined
}

/**
 * A syntax error quotes the packet from where the parser stopped (`near '...' at line N`), which may
 * run past the failed statement into `next`, mig's own write that follows it in the packet: the
 * quote is cut where the statement ends. Other errors are left as they are.
 */
export function quoteOnlyStatement(error: unknown, next: string | undefined): void {
  const e = error as { message?: unknown; sqlMessage?: unknown }
  if (!next || typeof e?.message !== 'string') return
  const m = /near '([\s\S]*)' at line \d+\s*$/.exec(e.message)
  if (!m) return
  const quote = m[1]!
  for (let i = quote.indexOf(';\n'); i >= 0; i = quote.indexOf(';\n', i + 1)) {
    const rest = quote.slice(i + 2).replace(/\.\.\.$/, '')
    if (!next.startsWith(rest)) continue
    const cut = (text: string) => text.replace(`near '${quote}'`, `near '${quote.slice(0, i)}'`)
    e.message = cut(e.message)
    if (typeof e.sqlMessage === 'string') e.sqlMessage = cut(e.sqlMessage)
    return
  }
}

/** Where the connection's transactions stand. */
export interface TxState {
  /** A transaction mig opened for deferred writes and data changes is open. */
  deferred: boolean
  /** The script opened a transaction of its own (START TRANSACTION / BEGIN) that is still open. */
  userTransaction: boolean
}

/**
 * A packet being built: its SQL texts, the statement each is (its index, or -1 for mig's own), and
 * the transaction state before each (what the connection is left in when that one fails).
 */
export class Packet {
  readonly batch: string[] = []
  readonly owner: number[] = []
  readonly before: TxState[] = []

  /** `front`: deferred writes sent ahead of the statements. */
  constructor(
    front: string[],
    readonly state: TxState,
  ) {
    for (const sql of front) this.add(sql, -1)
  }

  add(sql: string, index: number): void {
    this.batch.push(sql)
    this.owner.push(index)
    this.before.push({ ...this.state })
  }

  /**
   * Statement `index`: a data change joins the open transaction (or one started for it); anything
   * else is preceded by a COMMIT of mig's open transaction.
   */
  statement(sql: string, index: number): void {
    const state = this.state
    if (isDataChange(sql)) {
      if (!state.deferred && !state.userTransaction) {
        this.add('START TRANSACTION', -1)
        state.deferred = true
      }
    } else if (state.deferred) {
      this.add('COMMIT', -1)
      state.deferred = false
    }
    this.add(sql, index)
    if (USER_BEGIN.test(sql)) state.userTransaction = true
    else if (USER_END.test(sql) || IMPLICIT_COMMIT.test(sql)) state.userTransaction = false
  }
}

/** mysql2's callback connection under the promise wrapper: its query emits one 'fields' per result. */
interface RawConnection {
  query(sql: string, cb: (err: unknown) => void): { on(event: 'fields', fn: () => void): void }
}

/**
 * Send statements in one packet: the number that completed (all of them, or the index of the one
 * that failed, with its error).
 */
export function sendPacket(conn: Connection, batch: string[]): Promise<{ done: number; error?: unknown }> {
  const raw = (conn as unknown as { connection: RawConnection }).connection
  return new Promise((resolve) => {
    let results = 0
    const q = raw.query(batch.join(';\n'), (error) => {
      if (error) resolve({ done: Math.min(results, batch.length - 1), error })
      else resolve({ done: batch.length })
    })
    // one 'fields' event per statement that returned its result (rows or not)
    q.on('fields', () => results++)
  })
}
