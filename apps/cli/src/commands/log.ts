import type { AuditEntry } from '@mig/core'
import type { CommandContext } from '../context.js'
import { renderTable } from '../table.js'

/** Options of `mig log`. */
export interface LogCommandOptions {
  decrypt?: boolean
  sql?: boolean
}

function at(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
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
  const migrator = await ctx.migrator()
  let entries: AuditEntry[]
  try {
    entries = await migrator.readLog({ version, decrypt: opts.decrypt })
  } finally {
    await migrator.close()
  }
  const { out } = ctx
  if (out.mode === 'json') {
    out.json({
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
    })
    return 0
  }
  if (!entries.length) {
    out.line(version ? `No log entries for ${version}` : 'The log is empty')
    return 0
  }
  const detail = Boolean(version || opts.sql)
  const headers = ['ID', 'AT', 'ACTION', 'VERSION', 'NAME', 'STATUS', 'BY', 'HOST', 'DURATION', 'VARS']
  const rows = entries.map((e) => [String(e.id), at(e.at), e.action, e.version, e.name, e.status, e.appliedBy, e.host, `${e.durationMs}ms`, varsText(e)])
  out.line(renderTable(headers, rows))
  if (detail) {
    for (const e of entries) {
      out.line(`\n#${e.id} ${e.action} ${e.version}_${e.name} (${e.status})`)
      if (e.note) out.line(`note: ${e.note}`)
      if (e.error) out.line(`error: ${e.error}`)
      if (e.sql) out.line(e.sql.replace(/\n$/, ''))
    }
  }
  return 0
}
