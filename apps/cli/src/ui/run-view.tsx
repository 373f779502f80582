import type { Migrator, RunResult } from '@mig/core'
import { describeHolder } from '@mig/core'
import { Box, render, Static, Text } from 'ink'
import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react'
import { colorsWanted } from './color.js'
import { formatDuration, summaryLine } from './format.js'
import type { RunView as RunViewHandle } from './run-lines.js'
import { type FinishedItem, RunStore } from './run-store.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Whether the view colours its text (see {@link colorsWanted}); `RunView`'s `color` prop sets it. */
const ColorContext = createContext(true)

/** Text in a colour (or dimmed), or plain when colour is off. */
function Tint({ color, dim, children }: { color?: string; dim?: boolean; children: React.ReactNode }): React.JSX.Element {
  const on = useContext(ColorContext)
  return (
    <Text color={on ? color : undefined} dimColor={on && dim}>
      {children}
    </Text>
  )
}

/** A braille spinner. */
export function Spinner(): React.JSX.Element {
  const [frame, setFrame] = useState(0)
  useEffect(() => {
    const t = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80)
    return () => clearInterval(t)
  }, [])
  return <Tint color="cyan">{FRAMES[frame]}</Tint>
}

/** `[#####.....] 5/10` */
export function ProgressBar({ done, total, width = 24 }: { done: number; total: number; width?: number }): React.JSX.Element {
  const filled = total ? Math.round((done / total) * width) : 0
  return (
    <Text>
      <Tint color="green">{'█'.repeat(filled)}</Tint>
      <Tint dim>{'░'.repeat(width - filled)}</Tint> {done}/{total}
    </Text>
  )
}

function FinishedLine({ item }: { item: FinishedItem }): React.JSX.Element {
  const ok = item.status !== 'failed'
  const verb = item.direction === 'up' ? 'Applied' : 'Rolled back'
  return (
    <Text>
      <Tint color={ok ? 'green' : 'red'}>{ok ? '✔' : '✘'}</Tint> {ok ? verb : 'Failed'} {item.id} <Tint dim>({item.durationMs}ms)</Tint>
    </Text>
  )
}

/** The live view of a run: finished migrations in scrollback, a spinner on the running one, a progress bar, a summary. */
export function RunView({ store, color = colorsWanted() }: { store: RunStore; color?: boolean }): React.JSX.Element {
  const s = useSyncExternalStore(store.subscribe, store.get)
  const verb = s.direction === 'up' ? 'Applying' : 'Rolling back'
  return (
    <ColorContext.Provider value={color}>
      <Static items={s.finished}>{(item, i) => <FinishedLine key={`${item.id}-${i}`} item={item} />}</Static>
      <Box flexDirection="column">
        {s.warnings.map((w) => (
          <Tint key={w} color="yellow">
            ⚠ {w}
          </Tint>
        ))}
        {s.waiting && (
          <Text>
            <Spinner /> Waiting for the migration lock, held by {s.waiting.holder ? describeHolder(s.waiting.holder) : 'another session'}
          </Text>
        )}
        {s.dryRun && s.planned.map((id) => <Text key={id}>{`${s.direction === 'up' ? 'Would apply' : 'Would roll back'}: ${id}`}</Text>)}
        {s.running && (
          <Text>
            <Spinner /> {verb} {s.running.id}...
          </Text>
        )}
        {!s.result && s.total > 1 && !s.dryRun && <ProgressBar done={s.finished.length} total={s.total} />}
        {s.result && !s.result.dryRun && <Summary result={s.result} total={s.total} />}
        {s.result && !s.dryRun && s.total === 0 && <Text>{s.direction === 'up' ? 'No pending migrations' : 'Nothing to roll back'}</Text>}
      </Box>
    </ColorContext.Provider>
  )
}

function Summary({ result, total }: { result: RunResult; total: number }): React.JSX.Element | null {
  const color = useContext(ColorContext)
  if (!result.results.length) return null
  const skipped = total - result.results.length
  return (
    <Text bold color={color ? (result.ok ? 'green' : 'red') : undefined}>
      {summaryLine(result)}
      {skipped ? `, ${skipped} skipped` : ''} ({formatDuration(result.durationMs)})
    </Text>
  )
}

/** Mount the run view for a migrator; `finish` shows the summary and unmounts. */
export function renderRun(migrator: Migrator): RunViewHandle {
  const store = new RunStore()
  const stop = store.follow(migrator)
  const app = render(<RunView store={store} />, { exitOnCtrlC: true })
  return {
    async finish(result) {
      stop()
      if (result) store.update({ result, running: undefined })
      await new Promise((r) => setTimeout(r, 20))
      app.unmount()
      await app.waitUntilExit()
    },
  }
}
