import { type Migrator, UrlError, urlScheme } from '@mig/core'
import { checkPinPolicy, createRenderer, loadVars, type PinMode, type PinPolicyDecision, type TemplateRenderer } from '@mig/templates'
import type { CommandContext } from './context.js'
import { loadDriver } from './driver-loader.js'
import { markPart } from './parts.js'
import { loadPlugins } from './plugins.js'

markPart('templates')

/** Options of {@link templateRenderer}. */
export interface TemplateRendererOptions {
  /** The driver's `dialect.name`; default: from the target's driver (loaded, not connected). */
  dialect?: string
  /** When to render from pins. Default `auto` (pinned when a lock exists). */
  pinned?: PinMode
  /** The server runs with NO_BACKSLASH_ESCAPES (MySQL), or a function asked at each render. Default false. */
  mysqlNoBackslashEscapes?: boolean | (() => boolean | undefined)
}

/** `--var key=value` assignments, however the program collected them (string or list). */
function assignments(ctx: CommandContext): string[] {
  const v = (ctx.options as { var?: string | string[] }).var
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/**
 * The target's dialect name without connecting: the driver's `dialect.name`, or the URL scheme
 * (`postgres`, `mysql`, `mariadb`, `sqlite`: names the escapers know) when the driver package is
 * not installed, so `mig build` and `mig pin` work without one.
 */
async function dialectOf(ctx: CommandContext): Promise<string> {
  try {
    return (await loadDriver(ctx.target.url, ctx.config)).dialect.name
  } catch (err) {
    if (err instanceof UrlError) return urlScheme(ctx.target.url)
    throw err
  }
}

/**
 * The template renderer of a run: the project's components, the target's variables file, then
 * `--vars FILE`, then `--var key=value`, `env` and `target` from the target; the plugins' filters
 * and functions.
 */
export async function templateRenderer(ctx: CommandContext, options: TemplateRendererOptions = {}): Promise<TemplateRenderer> {
  const dialect = options.dialect ?? (await dialectOf(ctx))
  const vars = await loadVars({ files: [ctx.target.vars, ctx.options.vars], assignments: assignments(ctx) })
  const plugins = await loadPlugins(ctx.config)
  return createRenderer({
    root: ctx.config.root,
    componentsDir: ctx.config.components,
    dialect,
    vars,
    env: ctx.target.env,
    target: ctx.target.name,
    pinned: options.pinned ?? 'auto',
    mysqlNoBackslashEscapes: options.mysqlNoBackslashEscapes,
    filters: plugins.filters,
    globals: plugins.functions,
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
