import type { Row } from '@mig/core'
import pg from 'pg'
import { DURATION_COLUMN } from './postgres-session-state.js'

/*
 * Simple-protocol queries on pg that say how far a multi-statement message got: the statements and
 * COMMITs completed before an error, and each COMMIT as the server completes it.
 */

/** pg's error fields mig reads. */
export interface PgError extends Error {
  code?: string
  position?: string
}

/**
 * A pg `Query` that counts the statements completed before an error (for multi-statement scripts),
 * and hears of each COMMIT as the server completes it, with the duration mark read before it.
 */
export class CountingQuery extends (pg.Query as unknown as new (text: string, values: undefined, cb: (err: Error | null, res: unknown) => void) => object) {
  completed = 0
  /** COMMITs completed, and the count of statements completed up to the last of them. */
  commits = 0
  completedAtCommit = 0
  /** The duration mark of each COMMIT (undefined when its transaction had none). */
  durations: (number | undefined)[] = []
  onCommit?: (index: number, durationMs: number | undefined) => void
  private mark: number | undefined
  declare _result: { fields?: { name: string }[]; rows: Row[] }
  handleCommandComplete(msg: unknown, connection: unknown): void {
    this.completed++
    ;(pg.Query.prototype as unknown as { handleCommandComplete(m: unknown, c: unknown): void }).handleCommandComplete.call(this, msg, connection)
    if (this._result.fields?.[0]?.name === DURATION_COLUMN) this.mark = Number(this._result.rows[0]?.[DURATION_COLUMN])
    if ((msg as { text?: string }).text === 'COMMIT') {
      this.commits++
      this.completedAtCommit = this.completed
      this.durations.push(this.mark)
      this.mark = undefined
      this.onCommit?.(this.commits - 1, this.durations.at(-1))
    }
  }
}

export type PgResult = { rows: Row[] }

/** pg's error of a simple-protocol query, with what had completed before it. */
export type SimpleQueryError = PgError & { completed?: number; commits?: number; completedAtCommit?: number }

/**
 * Run a simple-protocol query (possibly several statements); resolve with the results, the count of
 * completed statements and the duration marks of its COMMITs; `onCommit` hears of each COMMIT as the
 * server completes it.
 */
export function simpleQuery(
  client: pg.Client,
  text: string,
  onCommit?: CountingQuery['onCommit'],
): Promise<{ results: PgResult[]; completed: number; durations: (number | undefined)[] }> {
  return new Promise((resolve, reject) => {
    const q = new CountingQuery(text, undefined, (err, res) => {
      if (err) {
        Object.assign(err, { completed: q.completed, commits: q.commits, completedAtCommit: q.completedAtCommit })
        reject(err)
      } else resolve({ results: Array.isArray(res) ? (res as PgResult[]) : [res as PgResult], completed: q.completed, durations: q.durations })
    })
    q.onCommit = onCommit
    client.query(q as unknown as pg.Submittable)
  })
}

/** Offset in `text` (UTF-16) of the server's 1-based character `position`. */
export function positionToOffset(text: string, position: number): number {
  let chars = 0
  let i = 0
  while (i < text.length && chars < position - 1) {
    const cp = text.codePointAt(i)!
    i += cp > 0xffff ? 2 : 1
    chars++
  }
  return i
}

export function lineAt(text: string, offset: number, firstLine: number): number {
  let line = firstLine
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++
  return line
}
