import { NotRunError, type QueryExecutor, type Row, type Script, type ScriptStatement, StatementFailure, splitStatements } from '@mig/core'
import type pg from 'pg'
import { inlineParams, toNumberedPlaceholders, withoutPsqlRestrict } from './postgres-dialect.js'
import { lineAt, type PgError, type PgResult, positionToOffset, type SimpleQueryError, simpleQuery } from './postgres-query.js'
import { DURATION_MARK, MARKED_MS, notRun, stoppedOr } from './postgres-session-state.js'

export { lineAt, type PgError, positionToOffset } from './postgres-query.js'

/*
 * The main connection's messages and transactions: the Outbox that sends every message of a run in
 * order (queued transactions sharing round trips), and the executor of one transaction, which holds
 * its script and its deferred writes back for the next round trip.
 */

/** Which transaction a message belongs to, and where in it (see {@link Outbox.send}). */
export interface MessageRole {
  /** The transaction the message belongs to. */
  tx: TransactionState
  /** The transaction's last message (COMMIT or ROLLBACK). */
  ends?: boolean
  /** A last message ending in mig's COMMIT, whose results nobody reads: may share a round trip. */
  shareable?: boolean
}

/** What came back for a message: its results, and for a transaction's last one its duration mark. */
interface Delivered {
  results: PgResult[]
  durationMs?: number
}

/** A message waiting for the main connection. */
interface Outgoing {
  text: string
  params?: unknown[]
  /** Instead of `text`: a conversation of its own with the client (a COPY), in the message's turn. */
  run?: (client: pg.Client) => Promise<void>
  /** Undefined for a statement outside any transaction. */
  role?: MessageRole
  /** Sent again alone after a syntax error stopped the message it shared. */
  solo?: boolean
  resolve(value: Delivered): void
  reject(err: unknown): void
}

/** Might end a transaction (conservative: also matches inside strings and comments). */
const ENDS_TRANSACTION = /\b(?:commit|end|rollback|abort)\b/i

/** Most transactions sent in one round trip. */
const MAX_COMMITS_PER_MESSAGE = 64
/** A round trip stops taking transactions once its text reaches this many characters (1 Mi). */
const MAX_MESSAGE_CHARS = 1024 * 1024

/**
 * Every message mig sends on the main connection during a run, in order. Transactions queued
 * behind one another (`queuedTransactions`) that are ready together travel in one round trip, each
 * still its own `BEGIN ... COMMIT`: the server runs them one after the other and stops at the first
 * error, so a transaction never runs after one that failed. The COMMITs that completed say which
 * ones were committed. Transactions never interleave: a transaction's messages wait until the one
 * it was queued behind has sent its last message (or settled), and once a transaction has begun
 * on the server, other transactions' messages wait until its last one (statements outside any
 * transaction do not wait: the transaction's own code may send them).
 */
export class Outbox {
  private queue: Outgoing[] = []
  private busy = false
  /** The transaction that has begun on the server and not sent its last message yet. */
  private open: TransactionState | undefined
  private stopped = false

  constructor(private readonly client: pg.Client) {}

  /** The run was stopped: a queued transaction that was not sent yet never is (it fails as not run). */
  stop(): void {
    this.stopped = true
    this.pump()
  }

  /** Queue a message; `role` says which transaction it belongs to (none: a statement outside any). */
  send(text: string, params?: unknown[], role?: MessageRole): Promise<Delivered> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, params, role, resolve, reject })
      this.pump()
    })
  }

  /**
   * Queue a conversation of its own with the client (`COPY … FROM STDIN` and its data), sent in
   * order like a message; `role` as for {@link send} (never the transaction's last message).
   */
  exchange(run: (client: pg.Client) => Promise<void>, role?: MessageRole): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text: '', run, role, resolve: () => resolve(), reject })
      this.pump()
    })
  }

  /** A transaction settled: messages waiting for it may go. */
  settled(): void {
    this.pump()
  }

  /** Index of the next message that may be sent, or -1. */
  private nextIndex(): number {
    return this.queue.findIndex((o) => {
      const tx = o.role?.tx
      if (!tx) return true
      if (this.open) return tx === this.open
      // a transaction goes once the one it was queued behind has sent its last message
      return !tx.before || tx.before.settled || tx.before.ended
    })
  }

  private pump(): void {
    if (this.busy) return
    const batch: Outgoing[] = []
    let chars = 0
    for (let at = this.nextIndex(); at >= 0; at = this.nextIndex()) {
      const next = this.queue[at]!
      // only transactions' last messages share a round trip, in the order they were queued
      if (
        batch.length &&
        (at > 0 ||
          !batch[0]!.role?.shareable ||
          !next.role?.shareable ||
          batch[0]!.solo ||
          next.solo ||
          batch.length >= MAX_COMMITS_PER_MESSAGE ||
          chars + next.text.length > MAX_MESSAGE_CHARS)
      )
        break
      this.queue.splice(at, 1)
      const tx = next.role?.tx
      const stopped = this.stopped && tx?.queued
      if (tx && !tx.sent && (stopped || failedBefore(tx))) {
        // queued behind a transaction that failed, or the run was stopped: never sent
        tx.failed = true
        tx.ended = true
        next.reject(notRun(stopped ? 'stopped' : 'failed'))
        continue
      }
      batch.push(next)
      chars += next.text.length
      if (tx) {
        tx.sent = true
        if (next.role?.ends) {
          tx.ended = true
          if (this.open === tx) this.open = undefined
        } else this.open = tx
      }
    }
    if (!batch.length) return
    this.busy = true
    void this.deliver(batch)
  }

  /** The connection is free: send what waits, before anyone hears of the message that just came back. */
  private release(): void {
    this.busy = false
    this.pump()
  }

  private async deliver(batch: Outgoing[]): Promise<void> {
    if (batch.length === 1) {
      const one = batch[0]!
      let out: Delivered | undefined
      let error: unknown
      try {
        if (one.run) {
          await one.run(this.client)
          out = { results: [] }
        } else if (one.params) out = { results: [await this.client.query(one.text, one.params)] }
        else {
          const r = await simpleQuery(this.client, one.text)
          out = { results: r.results, durationMs: r.durations.at(-1) }
        }
      } catch (err) {
        error = stoppedOr(err ?? new Error('query failed'))
        // marked before anything else is sent: what is queued behind it is refused
        if (one.role?.shareable) one.role.tx.failed = true
      }
      this.release()
      if (out) one.resolve(out)
      else one.reject(error)
      return
    }
    let text = ''
    const starts: number[] = []
    for (const b of batch) {
      starts.push(text.length)
      text += b.text
    }
    let err: SimpleQueryError
    // each transaction is settled as the server commits it (the notice the next one starts with
    // makes the server send its COMMIT at once: see transactionStart)
    const settle = (k: number, durationMs: number | undefined) => batch[k]?.resolve({ results: [], durationMs })
    try {
      await simpleQuery(this.client, text, settle)
      this.release()
      for (const b of batch) b.resolve({ results: [] })
      return
    } catch (e) {
      err = stoppedOr(e) as SimpleQueryError
    }
    const committed = err.commits ?? 0
    const rest = batch.slice(committed)
    const offset = err.position ? positionToOffset(text, Number(err.position)) : -1
    if (offset >= 0 && offset >= (starts[committed + 1] ?? text.length)) {
      // a syntax error further on stopped the whole message before the first uncommitted
      // transaction ran: send the rest again one by one (after a ROLLBACK, in case one had begun)
      for (const b of rest) {
        b.solo = true
        // nothing of theirs ran: they are sent (or refused) as if for the first time
        b.role!.tx.sent = false
        b.role!.tx.ended = false
      }
      this.queue.unshift(...rest)
      await this.client.query('ROLLBACK').catch(() => {})
      this.release()
      for (let k = 0; k < committed; k++) batch[k]!.resolve({ results: [] })
      return
    }
    // the first uncommitted transaction failed (its error as if it had been sent alone); the ones
    // after it in the message did not run
    for (const b of rest) b.role!.tx.failed = true
    this.release()
    for (let k = 0; k < committed; k++) batch[k]!.resolve({ results: [] })
    const before = text.slice(0, starts[committed])
    rest[0]!.reject(
      err instanceof NotRunError
        ? err
        : Object.assign(err, {
            completed: (err.completed ?? 0) - (err.completedAtCommit ?? 0),
            position: err.position ? String(Number(err.position) - [...before].length) : undefined,
          }),
    )
    for (const b of rest.slice(1)) b.reject(notRun(err instanceof NotRunError ? 'stopped' : 'failed'))
  }
}

/** A transaction queued behind `state` must not run: one before it in the queue failed. */
function failedBefore(state: TransactionState): boolean {
  for (let s = state.before; s; s = s.before) {
    if (s.failed) return true
    if (s.settled) return false
  }
  return false
}

/** Outcome of a transaction, as seen by the one queued behind it. */
export interface TransactionState {
  settled: boolean
  failed: boolean
  /** A message of it went to the server (or was refused). */
  sent?: boolean
  /** Its last message went to the server (or was refused): the one queued behind it may go. */
  ended?: boolean
  /** The transaction this one was queued behind, while that one was still running. */
  before?: TransactionState
  /** It was handed over while another was still running (a stopped run never sends it). */
  queued?: boolean
}

/** A statement (or a whole script) held back for the next round trip. */
interface Held {
  sql: string
  script?: Script
}

/**
 * The executor of a transaction. Nothing is sent until something needs an answer: the script of a
 * migration (`runScript`) and the writes the caller marks as deferred ({@link defer}: core's history
 * rows and log entries) are held back and sent with the next round trip, so a migration costs one:
 * `BEGIN; <script>; <history writes>; COMMIT`. A statement given to {@link query} is sent at once
 * (behind what is held back). A held-back statement that fails is reported by the next query, by
 * {@link sync} or by the commit, which then fails; a failing script is reported as the
 * {@link StatementFailure} of its own statement whichever of those sends it.
 */
export class PostgresTransaction implements QueryExecutor {
  private held: Held[] = []
  private began = false
  private duration: number | undefined

  constructor(
    private readonly outbox: Outbox,
    /** This transaction's outcome, linked to the one it was queued behind. */
    private readonly state: TransactionState,
    /** What it starts with after BEGIN (see `transactionStart`). */
    private readonly start: Held[],
  ) {}

  /**
   * While a script is held back, its duration is only known to the server: history rows written
   * with it record the duration mark that follows the script (see `DURATION_MARK`).
   */
  get elapsedMsSql(): string | undefined {
    return this.held.some((h) => h.script) ? MARKED_MS : undefined
  }

  /** Once committed: the server's time for its script, from the start of the transaction on the server. */
  get serverDurationMs(): number | undefined {
    return this.duration
  }

  /**
   * Hold a write back for the next round trip (see `QueryExecutor.defer`), its parameters inlined
   * as literals; a write whose parameters cannot be inlined is sent now.
   */
  async defer(sql: string, params?: readonly unknown[]): Promise<void> {
    if ((params ?? []).every(isInlinable)) this.held.push({ sql: params?.length ? inlineParams(sql, params) : sql })
    else await this.query(sql, params)
  }

  /** Send a statement (behind what is held back) and return its rows. */
  async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    if (params?.length) {
      await this.sync()
      const { results } = await this.outbox.send(toNumberedPlaceholders(sql), params as unknown[], { tx: this.state })
      return (results[0]?.rows ?? []) as R[]
    }
    const results = await this.send({ sql })
    return (results.at(-1)?.rows ?? []) as R[]
  }

  /** Hold the script back until the next round trip, its duration mark after it. */
  runScript(script: Script): void {
    const sql = withoutPsqlRestrict(script.sql)
    this.held.push({ sql, script: { ...script, sql } }, { sql: DURATION_MARK })
  }

  /** Send what is held back (errors of held-back statements are thrown here). */
  async sync(): Promise<void> {
    if (this.held.length || !this.began) await this.send()
  }

  /**
   * Send `BEGIN` (the first time), the held-back statements and `last`, in one simple-protocol
   * round trip; the results of every statement.
   */
  private async send(last?: Held): Promise<PgResult[]> {
    if (!this.began && failedBefore(this.state)) throw notRun('failed')
    const parts: Held[] = []
    if (!this.began) parts.push({ sql: 'BEGIN' }, ...this.start)
    parts.push(...this.held)
    if (last) parts.push(last)
    this.held = []
    this.began = true
    // Each part starts at a known offset and holds a known number of statements, so an error can
    // be traced to the part (and, for a script, the statement) it came from.
    let text = ''
    const starts: number[] = []
    for (const p of parts) {
      starts.push(text.length)
      // a script may end in a comment: its terminator goes on a line of its own
      text += p.script ? `${p.sql}\n;\n` : `${p.sql};\n`
    }
    try {
      // only a message whose one COMMIT is mig's may share a round trip (COMMITs tell who committed)
      const shareable = last?.sql === 'COMMIT' && !parts.some((p) => p.script && ENDS_TRANSACTION.test(p.sql))
      const delivered = await this.outbox.send(text, undefined, { tx: this.state, ends: last?.sql === 'COMMIT', shareable })
      if (delivered.durationMs !== undefined) this.duration = delivered.durationMs
      return delivered.results
    } catch (err) {
      if (err instanceof NotRunError) throw err
      throw traceFailure(err as PgError & { completed?: number }, parts, starts, text)
    }
  }

  async commit(): Promise<void> {
    await this.send({ sql: 'COMMIT' })
  }

  /**
   * Send `text` (a batch of a streamed script, see {@link PostgresDriver.runStatements}) once
   * {@link sync} has sent what was held back. Rejects with pg's error for `text`, with the count
   * of its statements that `completed`.
   */
  async sendStreamed(text: string): Promise<void> {
    if (this.held.length || !this.began) throw new Error('sendStreamed before sync()')
    await this.outbox.send(text, undefined, { tx: this.state })
  }

  /** Send what is held back, then hold a conversation of its own with the client (a COPY) in this transaction. */
  async exchange(run: (client: pg.Client) => Promise<void>): Promise<void> {
    await this.sync()
    await this.outbox.exchange(run, { tx: this.state })
  }

  async rollback(): Promise<void> {
    this.held = []
    if (this.began) await this.outbox.send('ROLLBACK', undefined, { tx: this.state, ends: true }).catch(() => {})
  }
}

/**
 * The error of a round trip made of `parts`: a {@link StatementFailure} when it came from a
 * script, else the server's error. A syntax error stops the whole string before anything runs,
 * so the server's position is tried first; else the count of statements that completed.
 */
function traceFailure(err: PgError & { completed?: number }, parts: Held[], starts: number[], text: string): Error {
  const position = err.position ? positionToOffset(text, Number(err.position)) : -1
  let k = 0
  let completed = err.completed ?? 0
  if (position >= 0) {
    while (k < parts.length - 1 && starts[k + 1]! <= position) k++
  } else {
    for (; k < parts.length - 1; k++) {
      const n = parts[k]!.script ? splitStatements(parts[k]!.sql).length : 1
      if (completed < n) break
      completed -= n
    }
  }
  const part = parts[k]!
  return part.script ? scriptFailure(part.script, err, completed, starts[k]!, text) : err
}

/** Most statements of a streamed script sent in one round trip inside a transaction. */
export const STREAM_BATCH_STATEMENTS = 1000
/** A streamed batch is sent once its statements reach this many characters (1 Mi). */
export const STREAM_BATCH_CHARS = 1024 * 1024

/**
 * Send a batch of a streamed script in one round trip of `tx`; an error becomes the
 * {@link StatementFailure} of its statement (`base` = index of the batch's first statement in the
 * file), at the line the server's position points to.
 */
export async function sendStreamedBatch(tx: PostgresTransaction, batch: ScriptStatement[], base: number): Promise<void> {
  let text = ''
  const starts: number[] = []
  for (const st of batch) {
    starts.push(text.length)
    // a statement may end in a comment: its terminator goes on a line of its own
    text += `${st.sql}\n;\n`
  }
  // what the transaction held back (BEGIN first) fails as itself, not as a statement of the batch
  await tx.sync()
  try {
    await tx.sendStreamed(text)
  } catch (err) {
    const e = err as PgError & { completed?: number }
    let k = Math.min(e.completed ?? 0, batch.length - 1)
    let line: number | undefined
    if (e.position) {
      // a syntax error stops the whole batch before anything runs: the position names the statement
      const offset = positionToOffset(text, Number(e.position))
      k = 0
      while (k < batch.length - 1 && starts[k + 1]! <= offset) k++
      line = lineAt(batch[k]!.sql, offset - starts[k]!, batch[k]!.line)
    }
    throw new StatementFailure(base + k, batch[k]!, err, line)
  }
}

function isInlinable(v: unknown): boolean {
  return v === null || v === undefined || v instanceof Date || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)
}

/** Map an error of a script sent whole to the statement that failed and the line the server points at. */
function scriptFailure(script: Script, err: PgError, index: number, scriptOffset: number, text: string): StatementFailure {
  const statements = splitStatements(script.sql, {}, script.line ?? 1)
  let line: number | undefined
  let byPosition: number | undefined
  if (err.position) {
    const offset = positionToOffset(text, Number(err.position)) - scriptOffset
    if (offset >= 0 && offset <= script.sql.length) {
      line = lineAt(script.sql, offset, script.line ?? 1)
      // The position names the statement (a syntax error stops the whole string before anything runs).
      for (let k = statements.length - 1; k >= 0; k--) {
        if ((statements[k]!.offset ?? 0) <= offset) {
          byPosition = k
          break
        }
      }
    }
  }
  const k = Math.min(byPosition ?? index, Math.max(statements.length - 1, 0))
  const statement = statements[k] ?? { sql: script.sql, line: script.line ?? 1 }
  return new StatementFailure(k, statement, err, line)
}
