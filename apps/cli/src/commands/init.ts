import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { ConnectionError, DEFAULT_CONFIG_FILE } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'

const CONFIG_TEMPLATE = `# mig configuration. Every key is optional; see docs/config.md.
migrations = ["migrations"]
history_table = "schema_migrations"
default_target = "dev"

[targets.dev]
url = "sqlite:./dev.db"
env = "dev"

# [targets.prod]
# url = "\${DATABASE_URL}"
# env = "production"
# pins = "required"
`

/** `mig init`: scaffold mig.toml, migrations/ and components/; create the history tables when the database answers. */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const root = ctx.config.file ? ctx.config.root : ctx.cwd
  const created: string[] = []
  const configFile = ctx.config.file ?? join(root, DEFAULT_CONFIG_FILE)
  if (!existsSync(configFile)) {
    await writeFile(configFile, CONFIG_TEMPLATE)
    created.push(configFile)
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
