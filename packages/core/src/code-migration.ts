/**
 * Code migrations: `{version}_{name}.ts|.mts|.js|.mjs` files exporting `up(ctx)` and optionally
 * `down(ctx)`, loaded with jiti (TypeScript without a build step), and the `code([...])` source.
 */
import { pathToFileURL } from 'node:url'
import type { MigrationSource } from './discovery.js'
import { ProjectError } from './errors.js'
import type { Migration, MigrationFn } from './migration.js'

/** File names of code migrations. `.d.ts` files are not migrations. */
export const CODE_MIGRATION = /^(\d+)[_-]([^/]+?)\.(ts|mts|js|mjs)$/

interface CodeModule {
  up?: unknown
  down?: unknown
  default?: { up?: unknown; down?: unknown }
}

/**
 * Load every code migration file among `migrations` (those with `codeFile` and no `code` yet)
 * and fill in `code`. Throws one {@link ProjectError} naming every file that does not load or
 * exports no `up` function, so nothing runs when any is broken.
 */
export async function loadCodeMigrations(migrations: Migration[]): Promise<void> {
  const todo = migrations.filter((m) => m.codeFile && !m.code)
  if (!todo.length) return
  // jiti (and its TypeScript transform) is loaded only when a project has code migrations
  const { createJiti } = await import('jiti')
  const jiti = createJiti(pathToFileURL(todo[0]!.codeFile!).href, { moduleCache: false, fsCache: false, interopDefault: true })
  const problems: { file: string; message: string }[] = []
  for (const m of todo) {
    const file = m.codeFile!
    let mod: CodeModule
    try {
      mod = (await jiti.import(file)) as CodeModule
    } catch (err) {
      problems.push({ file, message: `cannot load code migration: ${(err as Error).message.split('\n')[0]}` })
      continue
    }
    const up = mod.up ?? mod.default?.up
    const down = mod.down ?? mod.default?.down
    if (typeof up !== 'function') {
      problems.push({ file, message: 'code migration exports no up function (export async function up(ctx) { ... })' })
      continue
    }
    if (down !== undefined && typeof down !== 'function') {
      problems.push({ file, message: 'down is exported but is not a function' })
      continue
    }
    m.code = { up: up as MigrationFn, file }
    if (down) m.code.down = down as MigrationFn
  }
  if (problems.length) throw new ProjectError(problems, { hint: 'export async function up(ctx) (and optionally down(ctx)) from each code migration' })
}

/** A migration written as an object, for {@link code}. */
export interface CodeMigrationDefinition {
  /** `{version}_{name}`, e.g. `20240115130000_backfill_emails`. */
  id: string
  up: MigrationFn
  down?: MigrationFn
  /** Versions (or ids, or `R__` names) that must be applied first. */
  dependsOn?: string[]
  /** Run outside a transaction. Default true. */
  transaction?: boolean
  description?: string
}

/**
 * Migrations given as functions, e.g. bundled into an application. The checksum of each is the
 * source text of its `up` function.
 *
 * @example
 * createMigrator({ driver, sources: [directory('migrations'), code([{ id: '20240115130000_seed', up: async (ctx) => { await ctx.sql`INSERT ...` } }])] })
 */
export function code(definitions: CodeMigrationDefinition[], label = 'code'): MigrationSource {
  return {
    name: label,
    async load(problems) {
      const out: Migration[] = []
      for (const d of definitions) {
        const m = /^(\d+)[_-](.+)$/.exec(d.id)
        if (!m) {
          problems.push({ file: `${label}:${d.id}`, message: 'id must be {version}_{name}, e.g. 20240115130000_seed' })
          continue
        }
        if (typeof d.up !== 'function') {
          problems.push({ file: `${label}:${d.id}`, message: 'code migration has no up function' })
          continue
        }
        const text = d.up.toString()
        const mig: Migration = {
          id: d.id,
          version: m[1]!,
          name: m[2]!,
          kind: 'versioned',
          source: label,
          path: `${label}:${d.id}`,
          up: { file: `${label}:${d.id}`, line: 1, template: false, read: async () => text },
          down: null,
          verify: null,
          code: { up: d.up },
          transaction: d.transaction ?? true,
          depends: [...(d.dependsOn ?? [])],
          draft: false,
          scope: 'shared',
        }
        if (d.down) mig.code!.down = d.down
        if (d.description) mig.description = d.description
        out.push(mig)
      }
      return out
    },
  }
}
