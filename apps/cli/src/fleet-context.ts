import { existsSync } from 'node:fs'
import { createFleet, type Fleet, type Migrator, type TenantContext, type TenantsConfig } from '@mig/core'
import type { TemplateRenderer } from '@mig/templates'
import { type CommandContext, parseDuration } from './context.js'
import { loadDriver } from './driver-loader.js'
import { EXIT, ExitError } from './exit.js'
import { commandRunner, configHooks } from './hooks.js'

/** The project's `[tenants]`, or exit 2 naming what to add. */
export function tenantsConfig(ctx: CommandContext): TenantsConfig {
  const tenants = ctx.config.tenants
  if (!tenants) {
    throw new ExitError(
      `this project has no tenants (${ctx.config.file ?? 'mig.toml'} has no [tenants] table)`,
      EXIT.usage,
      'add [tenants] schema = "tenant_{name}" to mig.toml',
    )
  }
  return tenants
}

/**
 * A tenant's variables: the target's file, the tenant's file (`[tenants] vars` with its name, when
 * the file exists), then `--vars FILE` and `--var key=value`, later ones winning.
 */
async function tenantVars(ctx: CommandContext, pattern: string | undefined, tenant: TenantContext): Promise<Record<string, unknown> | undefined> {
  const file = pattern?.replaceAll('{name}', tenant.name)
  const { loadVars } = await import('@mig/templates')
  const assignments = ctx.options.var === undefined ? [] : ([] as string[]).concat(ctx.options.var)
  return loadVars({ files: [ctx.target.vars, file && existsSync(file) ? file : undefined, ctx.options.vars], assignments })
}

/**
 * The fleet of a command: the migrator's connection reads the registry and the history; the pool
 * opens connections of its own to the same URL. Templated tenant parts render with the project's
 * renderer and each tenant's variables.
 */
export async function openFleet(ctx: CommandContext, migrator: Migrator): Promise<Fleet> {
  const tenants = tenantsConfig(ctx)
  const driver = migrator.driver
  let renderer: Promise<TemplateRenderer> | undefined
  let loaded: TemplateRenderer | undefined
  const templates = () =>
    (renderer ??= import('./templates.js').then(async (m) => {
      loaded = await m.templateRenderer(ctx, { dialect: driver.dialect, backslashEscapes: () => driver.capabilities.backslashEscapes })
      // secret("NAME") values never reach the terminal
      ctx.out.setRedact((text) => loaded!.maskSecrets(text))
      return loaded
    }))
  return createFleet({
    driver,
    connect: () => loadDriver(ctx.target.url, ctx.config),
    historyTable: ctx.config.historyTable,
    lockTimeoutMs: parseDuration(ctx.options.lockTimeout, '--lock-timeout') ?? ctx.config.lockTimeoutMs,
    schemaPattern: tenants.schema,
    render: async (body, context) => (await templates()).render(body, context),
    tenantVars: (tenant) => tenantVars(ctx, tenants.vars, tenant),
    migrator: {
      env: ctx.target.env,
      hooks: configHooks(ctx.config, ctx.target, ctx.out),
      runCommand: commandRunner(ctx.config, ctx.target, ctx.out),
      // secret("NAME") values never reach the log (the renderer knows them once it rendered)
      redact: (text) => (loaded ? loaded.maskSecrets(text) : text),
    },
  })
}
