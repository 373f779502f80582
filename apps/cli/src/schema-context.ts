import { type Driver, historyTables, type MaterializeContext } from '@mig/core'
import type { TemplateRenderer } from '@mig/templates'
import type { CommandContext } from './context.js'
import { loadDriver } from './driver-loader.js'

/**
 * What `materialize`/`drift` need, built from the command context. `.njk` migrations render with
 * the project's template renderer (loaded only when a template is met), with `overrideVars` set over the
 * target's variables.
 */
export function materializeContext(ctx: CommandContext, driver: Driver, shadowUrl?: string, overrideVars?: Record<string, unknown>): MaterializeContext {
  let renderer: Promise<TemplateRenderer> | undefined
  const templates = () => {
    renderer ??= import('./templates.js').then((m) => m.templateRenderer(ctx, { dialect: driver.dialect, overrideVars }))
    return renderer
  }
  return {
    driver,
    openDriver: (url) => loadDriver(url, ctx.config),
    sources: ctx.sources(),
    historyTable: ctx.config.historyTable,
    render: async (body, context) => (await templates()).render(body, context),
    shadowUrl: shadowUrl ?? ctx.target.shadowUrl,
    cwd: ctx.cwd,
  }
}

/** Tables left out of dumps and diffs: the history tables. */
export function ignoredTables(ctx: CommandContext): string[] {
  return historyTables(ctx.config.historyTable)
}
