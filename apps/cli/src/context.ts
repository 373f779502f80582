import {
  createMigrator,
  loadConfig,
  projectSources,
  type MigConfig,
  type Migrator,
  type MigratorOptions,
  type MigrationSource,
  type ResolvedTarget,
  resolveTarget,
} from '@mig/core'
import type { PinMode, TemplateRenderer } from '@mig/templates'
import { loadDriver } from './driver-loader.js'
import { EXIT, ExitError } from './exit.js'
import { commandRunner, configHooks } from './hooks.js'
import { loadPlugins } from './plugins.js'
import type { Output } from './output.js'

/** Options every command accepts (SPEC: global flags). */
export interface GlobalOptions {
  database?: string
  config?: string
  target?: string
  quiet?: boolean
  json?: boolean
  yes?: boolean
  vars?: string
  lockTimeout?: string
  /** `--var key=value`, repeatable. */
  var?: string[]
}

/** What a command works with: config, target, and (lazily) a migrator. */
export interface CommandContext {
  options: GlobalOptions
  config: MigConfig
  target: ResolvedTarget
  out: Output
  cwd: string
  sources(): MigrationSource[]
  /** Create the migrator (driver loaded, not yet connected). */
  migrator(extra?: Partial<MigratorOptions>): Promise<Migrator>
  /**
   * A new migrator each call (files discovered and rendered again, a connection of its own; the
   * caller closes it): `mig watch` makes one per round. `pinned`: when to render from pins
   * (default `auto`).
   */
  freshMigrator(options?: { pinned?: PinMode }): Promise<Migrator>
}

/** Parse `--lock-timeout` (seconds, or with ms/s/m suffix) into milliseconds. */
export function parseDuration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim())
  if (!m) throw new ExitError(`${flag} takes a duration like 30, 30s, 500ms or 2m, not "${value}"`, EXIT.usage)
  const n = Number(m[1])
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000
}

/** Build the context: load config, pick the target. No connection is made here. */
export async function createContext(options: GlobalOptions, out: Output, cwd = process.cwd()): Promise<CommandContext> {
  const config = await loadConfig({ file: options.config, cwd })
  const target = resolveTarget(config, { database: options.database, target: options.target })
  const lockTimeoutMs = parseDuration(options.lockTimeout, '--lock-timeout') ?? config.lockTimeoutMs
  // a plugin that is missing or broken stops every command, not only the ones that render templates
  if (config.plugins?.length) await loadPlugins(config)
  const sources = () => projectSources(config.migrations, { root: config.root, ignore: config.ignore, formats: config.formats, s3: config.s3 })
  let migrator: Migrator | undefined
  /** A new migrator with a renderer of its own (`pinned`: when to render from pins). */
  const newMigrator = async (extra: Partial<MigratorOptions>, pinned?: PinMode): Promise<Migrator> => {
    const driver = await loadDriver(target.url, config)
    // @mig/templates (nunjucks) is loaded only when a template renders or variables are given,
    // so plain-SQL projects do not pay for it on every command.
    let renderer: TemplateRenderer | undefined
    const templates = async () => {
      if (!renderer) {
        const r = await (await import('./templates.js')).templateRenderer(ctx, {
          dialect: driver.dialect,
          backslashEscapes: () => driver.capabilities.backslashEscapes,
          pinned,
        })
        // secret("NAME") values never reach the terminal, not even inside a failing statement
        out.setRedact((text) => r.maskSecrets(text))
        renderer = r
      }
      return renderer
    }
    const hasVars = Boolean(target.vars || options.vars || options.var?.length)
    return createMigrator({
      driver,
      sources: sources(),
      historyTable: config.historyTable,
      lockTimeoutMs,
      env: target.env,
      render: async (body, context) => (await templates()).render(body, context),
      redact: (text) => (renderer ? renderer.maskSecrets(text) : text),
      vars: hasVars ? ((await templates()).options.vars ?? {}) : {},
      hooks: configHooks(config, target, out),
      runCommand: commandRunner(config, target, out),
      ...extra,
    })
  }
  const ctx: CommandContext = {
    options,
    config,
    target,
    out,
    cwd,
    sources,
    async migrator(extra = {}) {
      migrator ??= await newMigrator(extra)
      return migrator
    },
    freshMigrator: (options = {}) => newMigrator({}, options.pinned),
  }
  return ctx
}
