import type { StatusEntry } from '@mig/core'
import type { CommandContext } from '../context.js'
import { renderTable } from '../table.js'

function appliedAt(d: Date | undefined): string {
  if (!d) return ''
  const iso = d.toISOString()
  // YYYY-MM-DDTHH:MM:SS.sssZ -> YYYY-MM-DD HH:MM:SSZ (sliced: this runs once per migration)
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

function statusLabel(s: StatusEntry): string {
  return s.outOfOrder && s.status === 'pending' ? 'pending (out of order)' : s.status
}

/** `mig status`: VERSION NAME STATUS APPLIED AT, or one JSON document with --json; with tenant selectors a row per tenant. */
export async function statusCommand(ctx: CommandContext, opts: { tenant?: string[]; allTenants?: boolean; shard?: string } = {}): Promise<number> {
  const migrator = await ctx.migrator()
  try {
    if (opts.tenant?.length || opts.allTenants || opts.shard) {
      ;(await import('../fleet-context.js')).tenantsConfig(ctx)
      return await (await import('./fleet.js')).fleetStatusCommand(ctx, migrator, opts)
    }
    const entries = await migrator.status()
    if (ctx.out.mode === 'json') {
      ctx.out.json({
        target: ctx.target.name,
        database: migrator.driver.displayUrl,
        migrations: entries.map((e) => ({
          version: e.version,
          name: e.name,
          kind: e.kind,
          status: e.status,
          outOfOrder: e.outOfOrder ?? false,
          source: e.source ?? null,
          appliedAt: e.appliedAt?.toISOString() ?? null,
          appliedBy: e.history?.appliedBy ?? null,
          checksum: e.checksum ?? null,
          error: e.history?.error ?? null,
        })),
      })
      return 0
    }
    if (!entries.length) {
      ctx.out.line('No migrations found')
      return 0
    }
    const sources = new Set(entries.map((e) => e.source).filter(Boolean))
    const headers = ['VERSION', 'NAME', 'STATUS', 'APPLIED AT']
    if (sources.size > 1) headers.push('SOURCE')
    const rows = entries.map((e) => {
      const row = [e.kind === 'repeatable' ? 'R' : e.version, e.name, statusLabel(e), appliedAt(e.appliedAt)]
      if (sources.size > 1) row.push(e.source ?? '')
      return row
    })
    ctx.out.line(renderTable(headers, rows))
    for (const e of entries) {
      if (e.status === 'failed' && e.history?.error) ctx.out.line(`\n${e.version}_${e.name} failed: ${e.history.error}`)
    }
    return 0
  } finally {
    await migrator.close()
  }
}
