import { Command, CommanderError, Option } from 'commander'
import { registerCommands } from './commands/index.js'
import { type CommandContext, createContext, type GlobalOptions } from './context.js'
import { EXIT, ExitError, exitCodeOf } from './exit.js'
import { createOutput, type Output, type OutputMode, type Streams } from './output.js'
import { VERSION } from './version.js'

/** Options for running the CLI in-process (tests). */
export interface MainOptions {
  streams?: Streams
  cwd?: string
}

type Action = (ctx: CommandContext, ...args: never[]) => Promise<number | undefined>

function outputMode(opts: GlobalOptions, streams: Streams): OutputMode {
  if (opts.json) return 'json'
  return streams.stdout.isTTY && !process.env.CI ? 'tty' : 'plain'
}

/**
 * Run the CLI with `argv` (without `node` and the script). Returns the exit code; never calls
 * `process.exit`, so it can run in-process.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr }
  let exitCode = EXIT.ok as number
  let out: Output = createOutput('plain', false, streams)
  const program = new Command('mig')
  program
    .description('Database migrations for PostgreSQL, MySQL/MariaDB and SQLite')
    .version(VERSION, '-V, --version')
    .option('--database <url>', 'database URL (overrides DATABASE_URL and the target)')
    .option('--config <file>', 'config file (default: ./mig.toml)')
    .option('--target <name>', 'target in mig.toml (default: MIG_TARGET or default_target)')
    .option('--quiet', 'print only errors')
    .option('--json', 'print NDJSON events (status: one JSON document)')
    .option('--yes', 'answer yes to confirmations')
    .option('--vars <file>', 'variables file (json, toml or yaml)')
    .option('--var <key=value>', 'a template variable; repeat for more', (v: string, prev: string[] = []) => [...prev, v])
    .option('--lock-timeout <duration>', 'give up waiting for the migration lock after this long (30, 30s, 500ms, 2m): exit 3')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
    })

  const action =
    (fn: Action) =>
    async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command
      const global = cmd.optsWithGlobals() as GlobalOptions
      out = createOutput(outputMode(global, streams), Boolean(global.quiet), streams)
      const ctx = await createContext(global, out, options.cwd)
      const code = await (fn as (...a: unknown[]) => Promise<number | undefined>)(ctx, ...args.slice(0, -1))
      exitCode = code ?? EXIT.ok
    }

  registerCommands(program, action)

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok
      return EXIT.usage
    }
    out.error(err)
    return err instanceof ExitError ? err.code : exitCodeOf(err)
  }
  return exitCode
}

export { Option }
/** For the binary's compile cache (see bin.ts): what this run loaded beyond the start-up path. */
export { usedParts } from './parts.js'
/** Types for plugin authors (docs/plugins.md): `import type { MigPlugin } from '@mig/cli'`. */
export type { MigPlugin, PluginApi } from './plugins.js'
