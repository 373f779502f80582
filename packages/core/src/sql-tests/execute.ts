import type { SqlSession } from '../driver.js'
import { isOnlyComments, renderStatementResult } from '../results/render.js'
import type { StatementResult } from '../results/types.js'
import type { ScriptBlock } from './script.js'

/** Options of {@link executeScript}. */
export interface ExecuteOptions {
  /** A new connection to the test's database. */
  openSession(): Promise<SqlSession>
  /** How often a running session is asked whether it waits for a lock, in ms. Default 10. */
  pollMs?: number
  /**
   * How long the main script waits for a session to finish or to wait for a lock, and how long the
   * end of the script waits for sessions to finish, in ms. Default 30000.
   */
  sessionTimeoutMs?: number
}

/** What a script produced: its output text and every statement result (main script and sessions). */
export interface ExecuteResult {
  output: string
  results: StatementResult[]
  /** Problems of the run itself (a session that never finished), also written into `output`. */
  problems: string[]
}

/** A session block's place in the output, filled in as its statements finish. */
interface SessionSection {
  session: string
  results: StatementResult[]
  /** Index of the statement that was waiting for a lock when the main script went on. */
  waitedAt?: number
  /** Index of the statement running now. */
  running: number
  problem?: string
}

interface LiveSession {
  name: string
  session: SqlSession
  /** Gave up waiting for it: its chain is left to fail when the connection closes. */
  abandoned?: boolean
  /** Settles when every block queued on the session has finished. */
  chain: Promise<void>
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const COMMENT_ONLY = (sql: string): StatementResult => ({ sql, notices: [] })

function renderSection(s: SessionSection): string {
  let out = `-- session ${s.session}\n`
  s.results.forEach((r, i) => {
    if (i === s.waitedAt) out += '-- (waiting for a lock)\n'
    out += isOnlyComments(r.sql) ? `${r.sql}\n\n` : renderStatementResult(r)
  })
  if (s.problem) out += `-- ${s.problem}\n`
  return `${out}-- end session ${s.session}\n\n`
}

/**
 * Run a test script: main statements in order on one connection; each session block on the
 * session's own connection, concurrently, the main script going on once the block has finished
 * or its running statement waits for a lock (so a lock test gives the same output every run);
 * `{% wait %}` waits for the session. A session's output is written where its block is in the
 * script. An error of a statement is part of the output and the script goes on.
 */
export async function executeScript(blocks: readonly ScriptBlock[], options: ExecuteOptions): Promise<ExecuteResult> {
  const pollMs = options.pollMs ?? 10
  const timeoutMs = options.sessionTimeoutMs ?? 30_000
  const main = await options.openSession()
  const sessions = new Map<string, LiveSession>()
  const parts: (string | SessionSection)[] = []
  const results: StatementResult[] = []
  const problems: string[] = []
  const waitFor = async (live: LiveSession, section: SessionSection | undefined) => {
    if (live.abandoned) return
    let settled = false
    const done = live.chain.then(() => {
      settled = true
    })
    const until = Date.now() + timeoutMs
    while (!settled) {
      await Promise.race([done, sleep(pollMs)])
      if (settled) return
      if (section && (await live.session.waitingForLock())) {
        section.waitedAt = section.running
        return
      }
      if (Date.now() > until) {
        const problem = `session ${live.name} did not finish within ${timeoutMs / 1000} s`
        problems.push(problem)
        live.abandoned = true
        live.chain.catch(() => {})
        if (section) section.problem = problem
        return
      }
    }
  }
  try {
    for (const block of blocks) {
      if (block.kind === 'main') {
        let text = ''
        for (const st of block.statements) {
          const r = isOnlyComments(st.sql) ? COMMENT_ONLY(st.sql) : await main.run(st.sql)
          results.push(r)
          text += isOnlyComments(st.sql) ? `${st.sql}\n\n` : renderStatementResult(r)
        }
        parts.push(text)
      } else if (block.kind === 'session') {
        let live = sessions.get(block.session)
        if (!live) {
          live = { name: block.session, session: await options.openSession(), chain: Promise.resolve() }
          sessions.set(block.session, live)
        }
        const section: SessionSection = { session: block.session, results: [], running: 0 }
        parts.push(section)
        const session = live.session
        live.chain = live.chain.then(async () => {
          for (const [i, st] of block.statements.entries()) {
            section.running = i
            const r = isOnlyComments(st.sql) ? COMMENT_ONLY(st.sql) : await session.run(st.sql)
            section.results.push(r)
            results.push(r)
          }
        })
        await waitFor(live, section)
      } else {
        const live = sessions.get(block.session)!
        await waitFor(live, undefined)
        parts.push(`-- wait ${block.session}\n\n`)
      }
    }
    for (const live of sessions.values()) await waitFor(live, undefined)
    // a lost connection in a session is the run's error, not output
    for (const live of sessions.values()) if (!live.abandoned) await live.chain
  } finally {
    // after a lost connection the sessions' pending statements fail as their connections close
    for (const live of sessions.values()) live.chain.catch(() => {})
    await Promise.all([main, ...[...sessions.values()].map((s) => s.session)].map((s) => s.close().catch(() => {})))
  }
  let output = parts.map((p) => (typeof p === 'string' ? p : renderSection(p))).join('')
  for (const p of problems) if (!output.includes(`-- ${p}\n`)) output += `-- ${p}\n`
  return { output: output.replace(/\n+$/, '\n'), results, problems }
}
