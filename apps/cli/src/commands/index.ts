import type { Command } from 'commander'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'
import { registerTestCommands } from './test-commands.js'
// status and up, the commands run most often, are part of the start-up bundle; the others load when used
import { statusCommand } from './status.js'
import { upCommand } from './up.js'

// biome-ignore lint/suspicious/noExplicitAny: commander passes loosely typed arguments
type Handler = (ctx: CommandContext, ...args: any[]) => Promise<number | undefined>
type Wrap = (fn: Handler) => (...args: unknown[]) => Promise<void>

/** Collect a repeatable option's values. */
function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v]
}

function int(flag: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new Error(`${flag} takes a whole number, not "${v}"`)
    return Number(v)
  }
}

/**
 * Attach every command to the program. A command is `commands/<name>.ts` exporting
 * `<name>Command(ctx, ...arguments, options)`, registered here with its arguments and options; its
 * module is imported only when it runs (`lazyAction`), so start-up stays small.
 */
export function registerCommands(program: Command, action: Wrap): void {
  /** The action of a command whose handler is `name` in the module `load` imports when the command runs. */
  const lazyAction = <M, K extends keyof M>(load: () => Promise<M>, name: K) => action(async (ctx, ...args) => ((await load())[name] as Handler)(ctx, ...args))

  registerTestCommands(program, action)

  program
    .command('init')
    .description('create mig.toml (its url: --database, when given) and the project folders; with a reachable database, create the history tables')
    .action(lazyAction(() => import('./init.js'), 'initCommand'))

  program
    .command('new')
    .description('create a migration named with the current UTC timestamp')
    .argument('<name...>', 'what the migration does, e.g. add_email_to_users (words are joined with _)')
    .option('--folder', 'folder form: <version>_<name>/up.sql, down.sql')
    .option('--ts', 'code migration in TypeScript')
    .option('--repeatable', 'repeatable migration R__<name>.sql')
    .option('--template', 'make the SQL a nunjucks template (.sql.njk)')
    .action(lazyAction(() => import('./new.js'), 'newCommand'))

  program
    .command('status')
    .description('show every migration: VERSION NAME STATUS APPLIED AT')
    .option('--tenant <name>', 'tenants: a row for this tenant (repeatable)', collect)
    .option('--all-tenants', 'tenants: a row per tenant (applied, pending, failed, last version)')
    .option('--shard <i/n>', 'tenants: only the tenants of shard I of N')
    .action(action(statusCommand))

  program
    .command('up')
    .description('apply pending migrations')
    .argument('[n]', 'apply only the next N', int('N'))
    .option('--to <version>', 'apply up to and including this version')
    .option('--only <version>', 'apply only this version')
    .option('--dry-run', 'show what would be applied')
    .option('--single-transaction', 'apply the batch in one transaction (PostgreSQL, SQLite)')
    .option('--allow-out-of-order', 'apply pending migrations older than the newest applied one')
    .option('--include-drafts', 'apply draft migrations too (not on production)')
    .option('--resume', 'run a migration left failed at statement k again from statement k, once statements 1..k-1 are checked unchanged')
    .option('--tenant <name>', 'tenants: only this tenant (repeatable)', collect)
    .option('--all-tenants', 'tenants: every tenant (the default)')
    .option('--shared-only', 'tenants: apply the shared parts only')
    .option('--shard <i/n>', 'tenants: only the tenants of shard I of N (a stable hash of the name)')
    .option('--concurrency <k>', 'tenants: connections and tenants at once (default 4)', int('--concurrency'))
    .option('--canary <n>', 'tenants: run the first N tenants first; stop if any fails', int('--canary'))
    .option('--continue-on-error', 'tenants: a failed tenant does not stop the others (exit 1 at the end)')
    .action(action(upCommand))

  program
    .command('down')
    .description('roll back the last migration, the last N, or all after a version')
    .argument('[n]', 'roll back the last N', int('N'))
    .option('--to <version>', 'roll back everything applied after this version (it stays)')
    .option('--all', 'roll back everything')
    .option('--force', 'roll back even when other applied migrations depend on it')
    .option('--dry-run', 'show what would be rolled back')
    .option('--tenant <name>', 'tenants: roll back the last tenant part (or N) of this tenant', collect)
    .action(lazyAction(() => import('./down.js'), 'downCommand'))

  const tenant = program.command('tenant').description('schema per tenant: list, create and drop tenants')
  tenant
    .command('list')
    .description('list the registered tenants')
    .action(lazyAction(() => import('./tenant.js'), 'tenantListCommand'))
  tenant
    .command('create')
    .description('register tenants, create their schemas and apply the tenant parts of every applied migration')
    .argument('<name...>', 'tenant names: a lowercase letter, then lowercase letters, digits or _')
    .option('--adopt-existing', 'register a schema that already exists (its pending tenant parts then run in it)')
    .option('--concurrency <k>', 'tenants caught up at once (default 4)', int('--concurrency'))
    .action(lazyAction(() => import('./tenant.js'), 'tenantCreateCommand'))
  tenant
    .command('drop')
    .description('drop a tenant: its schema with everything in it, its history and its registration')
    .argument('<name>', 'the tenant')
    .option('--confirm', 'required: the tenant’s data is deleted')
    .action(lazyAction(() => import('./tenant.js'), 'tenantDropCommand'))

  program
    .command('fresh')
    .description('drop every object in the database and apply all migrations')
    .option('--confirm', 'required when the target env is production')
    .action(lazyAction(() => import('./fresh.js'), 'freshCommand'))

  program
    .command('validate')
    .description('check file names, checksums, dependencies and pins; non-zero on any problem')
    .option('--offline', 'do not connect to the database (skip checksum comparison)')
    .action(lazyAction(() => import('./validate.js'), 'validateCommand'))

  program
    .command('resolve')
    .description('clear a failed (dirty) migration after fixing the database by hand, or accept an edited applied one')
    .argument('<version>', 'the failed (or edited) migration')
    .option('--applied', 'the migration is now fully applied: record it as applied')
    .option('--rolled-back', 'the migration is now fully undone: remove its row')
    .option('--accept-checksum', "an applied migration's file was edited on purpose (a comment, formatting): record its new checksum")
    .option('--reason <text>', 'why the edit is accepted (required with --accept-checksum; kept in the log)')
    .action(lazyAction(() => import('./resolve.js'), 'resolveCommand'))

  program
    .command('repair')
    .description('clear every failed or interrupted migration row after a manual fix')
    .action(lazyAction(() => import('./repair.js'), 'repairCommand'))

  program
    .command('build')
    .description('print the rendered SQL of a migration')
    .argument('<migration>', 'version, name or id of the migration')
    .option('--pinned', 'render from pinned components only (error if not pinned)')
    .option('--no-pinned', 'render from the current components, ignoring lock.toml')
    .option('--direction <script>', 'which script to render: up (default), down or verify')
    .action(lazyAction(() => import('./build.js'), 'buildCommand'))

  const pin = program
    .command('pin')
    .description('snapshot the components a migration uses into pinned/ and write its lock.toml')
    .argument('[migration]', 'version, name or id of the migration')
    .action(
      action(async (ctx, migration?: string) => {
        if (!migration) throw new ExitError('mig pin needs a migration (or a subcommand: checkout, diff, report, validate)', EXIT.usage)
        return (await import('./pin.js')).pinCommand(ctx, migration)
      }),
    )
  pin
    .command('checkout')
    .description('write the pinned component files of a migration (or one object) to a folder')
    .argument('<migration-or-hash>')
    .option('--to <dir>', 'where to write (default: a new folder under the system temp dir)')
    .action(lazyAction(() => import('./pin.js'), 'pinCheckoutCommand'))
  pin
    .command('diff')
    .description("unified diff of every component between two migrations' pins")
    .argument('<m1>')
    .argument('<m2>')
    .action(lazyAction(() => import('./pin.js'), 'pinDiffCommand'))
  pin
    .command('report')
    .description('objects in pinned/ that no lock references')
    .option('--unused', 'list unreferenced objects (the default report)')
    .option('--delete', 'delete the unreferenced objects')
    .action(lazyAction(() => import('./pin.js'), 'pinReportCommand'))
  pin
    .command('validate')
    .description('every object every lock references exists and hashes to its name')
    .action(lazyAction(() => import('./pin.js'), 'pinValidateCommand'))

  program
    .command('components')
    .description('component tools')
    .command('status')
    .description('components whose current content no pin contains')
    .option('--all', 'list every component, pinned or not')
    .action(lazyAction(() => import('./components.js'), 'componentsStatusCommand'))

  program
    .command('watch')
    .description('re-apply repeatables (and what depends on them) as you edit them and the components they include; not on production')
    .option('--once', 'apply what is stale, then exit (for scripts)')
    .option('--debounce <ms>', 'quiet time after a change before re-applying (default 150)', int('--debounce'))
    .action(lazyAction(() => import('./watch.js'), 'watchCommand'))

  program
    .command('run')
    .description('render and run an ad-hoc SQL script in a transaction, print its results, log it (action run); never a migration')
    .argument('<script>', 'a .sql or .sql.njk file (templates as in migrations: --var, --vars, components)')
    .action(lazyAction(() => import('./run.js'), 'runCommand'))

  program
    .command('adopt')
    .description('record migrations as applied without running them (baseline), or import another tool’s history')
    .argument('[versions...]', 'versions to adopt')
    .option('--all', 'adopt every pending migration')
    .option('--description <text>', 'why: kept in the log')
    .option('--from <tool>', 'import the history of dbmate, goose, golang-migrate, flyway, sqitch, liquibase or knex')
    .option('--table <name>', 'the other tool’s history table, when not its default')
    .option('--history-url <url>', 'database holding the other tool’s table, when not the target (sqitch on SQLite: sqlite:./sqitch.db)')
    .action(lazyAction(() => import('./adopt.js'), 'adoptCommand'))

  program
    .command('convert')
    .description('write the migrations of another tool’s folder as mig-format files (same checksums)')
    .argument('<dir>', 'the folder written for the other tool')
    .requiredOption('--from <format>', 'dbmate, goose, golang-migrate, flyway, sqitch or liquibase')
    .requiredOption('--out <folder>', 'where to write the mig-format files (new or empty)')
    .action(lazyAction(() => import('./convert.js'), 'convertCommand'))

  program
    .command('log')
    .description('show the append-only log: applies, reverts, adoptions, resolves, re-applies')
    .argument('[version]', 'only this version (prints the SQL that ran)')
    .option('--decrypt', 'decrypt the variables (needs MIG_ENCRYPTION_KEY)')
    .option('--sql', 'print the SQL of every entry')
    .action(lazyAction(() => import('./log.js'), 'logCommand'))

  const env = program
    .command('env')
    .description('show or change the env the database says it is')
    .action(lazyAction(() => import('./env.js'), 'envShowCommand'))
  env
    .command('set')
    .description('change the env stored in the database')
    .argument('<env>', 'new env, e.g. staging')
    .option('--confirm', 'required: the env guard protects production databases')
    .action(lazyAction(() => import('./env.js'), 'envSetCommand'))

  program
    .command('dump')
    .description('print deterministic SQL that recreates the schema of the database')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(lazyAction(() => import('./dump.js'), 'dumpCommand'))

  program
    .command('flatten')
    .description('write the deployed schema as one template per object, with {{ vars.x }} back where [flatten] vars appear')
    .requiredOption('--out <dir>', 'the folder to write (new or empty)')
    .option('--force', 'write into a folder that is not empty')
    .action(lazyAction(() => import('./flatten.js'), 'flattenCommand'))

  program
    .command('lsp')
    .description('language server on stdin/stdout for editors: template diagnostics and a rendered preview of .sql.njk files')
    .action(lazyAction(() => import('./lsp.js'), 'lspCommand'))

  program
    .command('diff')
    .description('compare two schemas: database URL, schema .sql file or folder, or "migrations"')
    .option('--from <src>', 'the schema to start from (default: the target database)')
    .option('--to <src>', 'the schema to reach (default: --schema, else "migrations")')
    .option('--schema <file>', 'short form: diff from the database to this schema file')
    .option('--format <format>', 'summary (default), sql or json')
    .option('--out <path>', 'write an up and a down migration, e.g. migrations/20240101000000_sync')
    .option('--allow-destructive', 'emit drops and narrowing changes instead of commenting them out')
    .option('--shadow-url <url>', 'database server to materialise SQL sources in (default: target shadow_url, else the target server)')
    .action(lazyAction(() => import('./diff.js'), 'diffCommand'))

  program
    .command('lint')
    .description('check migration SQL against named rules (locks, table rewrites, drops, renames); exit 1 on errors')
    .argument('[paths...]', 'migration files or folders to lint (default: every migration of the project)')
    .option('--format <format>', 'text (default), json (one document) or github (workflow annotations)')
    .action(lazyAction(() => import('./lint.js'), 'lintCommand'))

  program
    .command('drift')
    .description('compare the live database with what its applied migrations should produce; exit 1 when they differ')
    .option('--shadow-url <url>', 'database server for the shadow database')
    .action(lazyAction(() => import('./drift.js'), 'driftCommand'))
}
