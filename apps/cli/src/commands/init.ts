import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { ConnectionError, DEFAULT_CONFIG_FILE, DEFAULT_URL, redactUrl } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'

/** mig.toml as `init` writes it, with the dev target's URL (a TOML string: JSON's escapes are TOML's). */
const configTemplate = (url: string) => `# mig configuration. Every key is optional; see docs/config.md.
migrations = ["migrations"]
history_table = "schema_migrations"
default_target = "dev"

[targets.dev]
url = ${JSON.stringify(url)}
env = "dev"

# [targets.prod]
# url = "\${DATABASE_URL}"
# env = "production"
# pins = "required"
`

/** A URL that carries a password (after `user:`, or as a `password=` parameter). */
const hasPassword = (url: string) => redactUrl(url) !== url

/**
 * The dev target's URL in a new mig.toml: `--database` as given, `${DATABASE_URL}` when the URL
 * came from that variable (the file then holds no secret), else the embedded SQLite default.
 */
function configuredUrl(ctx: CommandContext): string {
  if (ctx.target.urlSource === '--database') return ctx.options.database ?? ctx.target.url
  if (ctx.target.urlSource === 'DATABASE_URL') return '${DATABASE_URL}'
  return DEFAULT_URL
}

/**
 * `mig init [--database URL]`: scaffold mig.toml (with that URL as the dev target's), migrations/
 * and components/; create the history tables when the database answers.
 */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const root = ctx.config.file ? ctx.config.root : ctx.cwd
  const created: string[] = []
  const configFile = ctx.config.file ?? join(root, DEFAULT_CONFIG_FILE)
  if (!existsSync(configFile)) {
    const url = configuredUrl(ctx)
    await writeFile(configFile, configTemplate(url))
    created.push(configFile)
    if (hasPassword(url))
      ctx.out.warn(
        `${relative(ctx.cwd, configFile) || configFile} now holds the password of ${redactUrl(url)}: keep it out of version control, or write url = "\${DATABASE_URL}" and set DATABASE_URL`,
      )
  } else if (ctx.target.urlSource === '--database') {
    ctx.out.warn(`${relative(ctx.cwd, configFile) || configFile} already exists and is not changed: its targets keep their url (this run used --database)`)
  }
  for (const dir of [...ctx.config.migrations.filter((m) => !/[*?[{]/.test(m)), ctx.config.components]) {
    const path = join(root, dir)
    if (!existsSync(path)) {
      await mkdir(path, { recursive: true })
      created.push(`${path}/`)
    }
  }
  for (const c of created) {
    ctx.out.line(`Created ${relative(ctx.cwd, c) || c}`)
    ctx.out.event({ event: 'created', path: c })
  }
  try {
    await withMigrator(ctx, async (migrator) => {
      await migrator.init()
      ctx.out.line(`History tables ready in ${migrator.driver.displayUrl} (${migrator.history.table})`)
      ctx.out.event({ event: 'history:ready', database: migrator.driver.displayUrl, table: migrator.history.table })
    })
  } catch (err) {
    if (!(err instanceof ConnectionError)) throw err
    ctx.out.warn(`${err.message}; the history tables will be created on the first mig up`)
  }
  if (!created.length) ctx.out.line('Project already initialised')
  return 0
}
