import type { StatusEntry } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { renderTable, utcTime } from '../ui/format.js'

function statusLabel(s: StatusEntry): string {
  return s.outOfOrder && s.status === 'pending' ? 'pending (out of order)' : s.status
}

/** `mig status`: VERSION NAME STATUS APPLIED AT, or one JSON document with --json; with tenant selectors a row per tenant. */
export async function statusCommand(ctx: CommandContext, opts: { tenant?: string[]; allTenants?: boolean; shard?: string } = {}): Promise<number> {
  if (opts.tenant?.length || opts.allTenants || opts.shard) {
    ;(await import('../fleet-context.js')).tenantsConfig(ctx)
    return withMigrator(ctx, async (migrator) => (await import('./fleet.js')).fleetStatusCommand(ctx, migrator, opts))
  }
  const { entries, database } = await withMigrator(ctx, async (migrator) => ({ entries: await migrator.status(), database: migrator.driver.displayUrl }))
  const document = {
    target: ctx.target.name,
    database,
    migrations: entries.map((e) => ({
      version: e.version,
      name: e.name,
      toolId: e.migration?.toolId ?? null,
      kind: e.kind,
      status: e.status,
      outOfOrder: e.outOfOrder ?? false,
      source: e.source ?? null,
      appliedAt: e.appliedAt?.toISOString() ?? null,
      appliedBy: e.history?.appliedBy ?? null,
      checksum: e.checksum ?? null,
      error: e.history?.error ?? null,
    })),
  }
  ctx.out.result(document, () => printStatus(ctx, entries))
  return 0
}

/** The status table, then the error of each failed migration. */
function printStatus(ctx: CommandContext, entries: StatusEntry[]): void {
  const { out } = ctx
  if (!entries.length) {
    out.line('No migrations found')
    return
  }
  const sources = new Set(entries.map((e) => e.source).filter(Boolean))
  const headers = ['VERSION', 'NAME', 'STATUS', 'APPLIED AT']
  if (sources.size > 1) headers.push('SOURCE')
  // the id the folder's tool knows a migration by (Liquibase author:id, sqitch change), where it says more than the name
  const toolIds = entries.some((e) => e.migration?.toolId !== undefined && e.migration.toolId !== e.name)
  if (toolIds) headers.push('TOOL ID')
  const rows = entries.map((e) => {
    const row = [e.kind === 'repeatable' ? 'R' : e.version, e.name, statusLabel(e), e.appliedAt ? utcTime(e.appliedAt) : '']
    if (sources.size > 1) row.push(e.source ?? '')
    if (toolIds) row.push(e.migration?.toolId ?? '')
    return row
  })
  out.line(renderTable(headers, rows))
  for (const e of entries) {
    if (e.status === 'failed' && e.history?.error) out.line(`\n${e.version}_${e.name} failed: ${e.history.error}`)
  }
}
