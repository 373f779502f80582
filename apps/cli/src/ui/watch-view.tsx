import type { Migrator } from '@mig/core'
import { Box, render, Static, Text } from 'ink'
import { useSyncExternalStore } from 'react'
import { colorsWanted } from './color.js'
import { ExternalStore } from './run-store.js'
import { Spinner } from './run-view.js'

/** What the header of a watch names. */
export interface WatchHeader {
  /** The database, password masked. */
  database: string
  target: string
  /** The folders watched, relative to the project. */
  folders: string[]
}

/** A finished line of a round, kept in scrollback: a re-apply (✔), a failure (✖), or a detail (no mark). */
export interface WatchLine {
  mark?: 'ok' | 'bad'
  text: string
  /** Local time, `HH:MM:SS`, of a marked line. */
  time?: string
}

/** The last failure, shown under the status until a round succeeds. */
export interface WatchError {
  message: string
  /** `file:line:column` of the failure, when known. */
  where?: string
  /** What to do next (a hint, or that the round was rolled back). */
  hints: string[]
}

/** What the watch view shows. */
interface WatchState {
  lines: WatchLine[]
  /** The round in progress: undefined when idle; 0 until its plan is known. */
  running?: number
  error?: WatchError
}

/** The handle `mig watch` drives its view through (see {@link renderWatch}). */
export interface WatchViewHandle {
  /** A round starts on `migrator`: the status shows how many repeatables it re-applies. */
  round(migrator: Migrator): void
  /** A finished line of the round (a ✔ line clears the last error). */
  line(mark: 'ok' | 'bad' | undefined, text: string): void
  /** The round failed: the error stays shown until a round succeeds. */
  failed(error: WatchError): void
  /** The round ended (a success clears the last error). */
  done(ok: boolean): void
  /** Unmount the view, its last frame left on the screen. */
  finish(): Promise<void>
}

/** The watch's state for React's useSyncExternalStore. */
export class WatchStore extends ExternalStore<WatchState> {
  private off: (() => void) | undefined
  constructor() {
    super({ lines: [] })
  }
  /** See {@link WatchViewHandle.round}. */
  round(migrator: Migrator): void {
    this.off?.()
    this.off = migrator.on('plan', ({ migrations }) => this.update({ running: migrations.length }))
    this.update({ running: 0 })
  }
  /** See {@link WatchViewHandle.line}. */
  line(mark: 'ok' | 'bad' | undefined, text: string): void {
    const time = mark ? new Date().toTimeString().slice(0, 8) : undefined
    // a ✔ line comes only from a round that succeeded: the last error is over
    this.update({ lines: [...this.state.lines, { mark, text, time }], error: mark === 'ok' ? undefined : this.state.error })
  }
  /** See {@link WatchViewHandle.failed}. */
  failed(error: WatchError): void {
    this.update({ error })
  }
  /** See {@link WatchViewHandle.done}. */
  done(ok: boolean): void {
    this.off?.()
    this.off = undefined
    this.update({ running: undefined, error: ok ? undefined : this.state.error })
  }
}

/**
 * The live view of `mig watch`: the database and folders watched, finished re-applies in
 * scrollback (✔ or ✖, the time, the duration), the round in progress with a spinner, and the last
 * failure with its file:line:column until a round succeeds.
 */
export function WatchView({ store, header, color = colorsWanted() }: { store: WatchStore; header: WatchHeader; color?: boolean }): React.JSX.Element {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const tint = (c: string) => (color ? c : undefined)
  const items = [{ header: true } as const, ...s.lines]
  return (
    <>
      <Static items={items}>
        {(l, i) =>
          'header' in l ? (
            <Text key="header">
              Database: {header.database} (target {header.target}){'\n'}
              Watching {header.folders.join(', ')}
              {'\n'}watching… (Ctrl-C to stop)
            </Text>
          ) : (
            <Text key={i}>
              {l.mark && <Text color={tint(l.mark === 'ok' ? 'green' : 'red')}>{l.mark === 'ok' ? '✔' : '✖'}</Text>}
              {l.mark ? ` ${l.time}  ` : ''}
              {l.text}
            </Text>
          )
        }
      </Static>
      <Box flexDirection="column">
        {s.error && (
          <Box flexDirection="column">
            <Text color={tint('red')}>
              ✖ {s.error.where ? `${s.error.where}: ` : ''}
              {s.error.message}
            </Text>
            {s.error.hints.map((h) => (
              <Text key={h} dimColor={color}>
                {'  '}
                {h}
              </Text>
            ))}
          </Box>
        )}
        {s.running === undefined ? (
          <Text dimColor={color}>idle</Text>
        ) : (
          <Text>
            <Spinner /> {s.running ? `re-applying ${s.running} repeatable${s.running === 1 ? '' : 's'}…` : 'checking what changed…'}
          </Text>
        )}
      </Box>
    </>
  )
}

/** Mount the watch view. Ctrl-C is the watch's own (it stops after the round in progress). */
export function renderWatch(header: WatchHeader): WatchViewHandle {
  const store = new WatchStore()
  const app = render(<WatchView store={store} header={header} />, { exitOnCtrlC: false })
  return {
    round: (m) => store.round(m),
    line: (mark, text) => store.line(mark, text),
    failed: (e) => store.failed(e),
    done: (ok) => store.done(ok),
    async finish() {
      store.done(false)
      await new Promise((r) => setTimeout(r, 20))
      app.unmount()
      await app.waitUntilExit()
    },
  }
}
