import { describeHolder, type Migrator, type RunResult } from '@mig/core'
import { formatDuration, resuming, summaryLine } from './format.js'

/** A run being shown; `finish` ends the view once the run returned (or threw: no result). */
export interface RunView {
  finish(result: RunResult | undefined, extra?: Record<string, unknown>): Promise<void>
}

/** What the plain lines are written with (a text {@link Output}). */
interface LineSink {
  line(text: string): void
  write(text: string): void
  warn(text: string): void
  note(text: string): void
}

/**
 * The plain lines of a run (SPEC: off a terminal), exactly:
 * `Applying <id>... done (15ms)`, then `Applied 2 migrations`; `Would apply: <id>` on a dry run.
 * The run's total time follows the summary on stderr (`Total: 1.23s`), so stdout stays exactly that.
 */
export function followPlainRun(migrator: Migrator, out: LineSink): RunView {
  const offs = [
    migrator.on('lock:waiting', ({ holder }) => out.warn(`waiting for the migration lock, held by ${holder ? describeHolder(holder) : 'another session'}`)),
    migrator.on('warning', ({ message }) => out.warn(message)),
    migrator.on('plan', ({ direction, migrations, dryRun }) => {
      if (dryRun) for (const m of migrations) out.line(`${direction === 'up' ? 'Would apply' : 'Would roll back'}: ${m.id}`)
      if (!migrations.length) out.line(direction === 'up' ? 'No pending migrations' : 'Nothing to roll back')
    }),
    migrator.on('migration:start', ({ migration, direction, resumeAt, interrupted }) =>
      out.write(`${direction === 'up' ? 'Applying' : 'Rolling back'} ${migration.id}${resumeAt ? resuming(resumeAt, interrupted) : ''}... `),
    ),
    migrator.on('migration:applied', ({ durationMs }) => out.write(`done (${durationMs}ms)\n`)),
    migrator.on('migration:reverted', ({ durationMs }) => out.write(`done (${durationMs}ms)\n`)),
    migrator.on('migration:failed', ({ durationMs }) => out.write(`failed (${durationMs}ms)\n`)),
    migrator.on('log', ({ migration, message }) => out.line(`  ${migration.id}: ${message}`)),
  ]
  return {
    async finish(result) {
      for (const off of offs) off()
      if (!result || result.dryRun || !result.results.length) return
      out.line(summaryLine(result))
      out.note(`Total: ${formatDuration(result.durationMs)}`)
    },
  }
}
