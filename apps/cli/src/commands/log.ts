import type { AuditEntry } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { renderTable, utcTime } from '../ui/format.js'

/** Options of `mig log`. */
export interface LogCommandOptions {
  decrypt?: boolean
  sql?: boolean
}

function varsText(e: AuditEntry): string {
  const v = e.variables
  if (!v) return ''
  if (v.values) return JSON.stringify(v.values)
  return `${v.names.join(', ')}${v.encrypted ? ' (encrypted)' : ''}`
}

/**
 * `mig log [version] [--decrypt] [--sql]`: the append-only log of applies, reverts, adoptions,
 * resolves and re-applies. A version (or `--sql`) prints each entry's SQL too.
 */
export async function logCommand(ctx: CommandContext, version: string | undefined, opts: LogCommandOptions): Promise<number> {
  const entries = await withMigrator(ctx, (migrator) => migrator.readLog({ version, decrypt: opts.decrypt }))
  const { out } = ctx
  out.result(
    {
      entries: entries.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        action: e.action,
        version: e.version,
        name: e.name,
        status: e.status,
        appliedBy: e.appliedBy,
        host: e.host,
        durationMs: e.durationMs,
        checksum: e.checksum,
        sql: e.sql,
        variables: e.variables,
        error: e.error,
        note: e.note ?? null,
      })),
    },
    () => printLog(ctx, entries, version, Boolean(version || opts.sql)),
  )
  return 0
}

/** The log as a table; with `detail`, each entry's note, error and SQL after it. */
function printLog(ctx: CommandContext, entries: AuditEntry[], version: string | undefined, detail: boolean): void {
  const { out } = ctx
  if (!entries.length) {
    out.line(version ? `No log entries for ${version}` : 'The log is empty')
    return
  }
  const headers = ['ID', 'AT', 'ACTION', 'VERSION', 'NAME', 'STATUS', 'BY', 'HOST', 'DURATION', 'VARS']
  const rows = entries.map((e) => [String(e.id), utcTime(e.at), e.action, e.version, e.name, e.status, e.appliedBy, e.host, `${e.durationMs}ms`, varsText(e)])
  out.line(renderTable(headers, rows))
  if (!detail) return
  for (const e of entries) {
    out.line(`\n#${e.id} ${e.action} ${e.version}_${e.name} (${e.status})`)
    if (e.note) out.line(`note: ${e.note}`)
    if (e.error) out.line(`error: ${e.error}`)
    if (e.sql) out.line(e.sql.replace(/\n$/, ''))
  }
}
