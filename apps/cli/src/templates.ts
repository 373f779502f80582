import type { Migrator, SqlDialect } from '@mig/core'
import { checkPinPolicy, createRenderer, loadVars, type PinMode, type PinPolicyDecision, type TemplateRenderer } from '@mig/templates'
import type { CommandContext } from './context.js'
import { loadDriver } from './driver-loader.js'
import { markPart } from './parts.js'
import { loadPlugins } from './plugins.js'

markPart('templates')

/** Options of {@link templateRenderer}. */
export interface TemplateRendererOptions {
  /** The driver's dialect object; default: the target's driver's (loaded, not connected). */
  dialect?: SqlDialect
  /** When to render from pins. Default `auto` (pinned when a lock exists). */
  pinned?: PinMode
  /** The connection reads backslash escapes (the driver's `capabilities.backslashEscapes`), or a function asked at each render. Default: the dialect's default. */
  backslashEscapes?: boolean | (() => boolean | undefined)
  /** Variables set over the loaded ones (`mig flatten`'s unique values). */
  overrideVars?: Record<string, unknown>
}

/** `--var key=value` assignments, however the program collected them (string or list). */
function assignments(ctx: CommandContext): string[] {
  const v = (ctx.options as { var?: string | string[] }).var
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** The target's dialect without connecting: its driver's dialect object (quoting and escaping). */
async function dialectOf(ctx: CommandContext): Promise<SqlDialect> {
  return (await loadDriver(ctx.target.url, ctx.config)).dialect
}

/**
 * The template renderer of a run: the project's components, the target's variables file, then
 * `--vars FILE`, then `--var key=value`, `env` and `target` from the target; the plugins' filters
 * and functions.
 */
export async function templateRenderer(ctx: CommandContext, options: TemplateRendererOptions = {}): Promise<TemplateRenderer> {
  const dialect = options.dialect ?? (await dialectOf(ctx))
  const vars = { ...(await loadVars({ files: [ctx.target.vars, ctx.options.vars], assignments: assignments(ctx) })), ...options.overrideVars }
  const plugins = await loadPlugins(ctx.config)
  return createRenderer({
    root: ctx.config.root,
    componentsDir: ctx.config.components,
    dialect,
    vars,
    env: ctx.target.env,
    target: ctx.target.name,
    pinned: options.pinned ?? 'auto',
    backslashEscapes: options.backslashEscapes,
    filters: plugins.filters,
    globals: plugins.functions,
    external: ctx.config.sources,
    s3: ctx.config.s3,
  })
}

/**
 * The target's pin policy applied to what `up` would run (pending migrations, and repeatables not
 * in their applied state). `up` calls this before applying: `refuse` → exit 1 with the message;
 * `prompt` → ask on a TTY, refuse off a TTY unless --yes.
 */
export async function pinPolicyForUp(ctx: CommandContext, migrator: Migrator): Promise<PinPolicyDecision> {
  if (ctx.target.pins === 'none') return { action: 'ok', unpinned: [] }
  const runnable = new Set(
    (await migrator.status()).filter((s) => s.status === 'pending' || (s.kind === 'repeatable' && s.status !== 'applied')).map((s) => s.version),
  )
  return checkPinPolicy(
    ctx.target.pins,
    (await migrator.discover()).filter((m) => runnable.has(m.version)),
  )
}
