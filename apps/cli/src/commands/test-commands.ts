import type { Command } from 'commander'
import type { CommandContext } from '../context.js'

// biome-ignore lint/suspicious/noExplicitAny: commander passes loosely typed arguments
type Handler = (ctx: CommandContext, ...args: any[]) => Promise<number | undefined>
type Wrap = (fn: Handler) => (...args: unknown[]) => Promise<void>

const load = () => import('./test.js')

/** Options every test-running subcommand takes. */
function copyOptions(cmd: Command): Command {
  return cmd
    .option('--keep', 'keep the test databases and print their names')
    .option('--from-migrations', "build each test database by applying the migrations instead of copying the target (PostgreSQL's copy needs an idle target)")
    .option('--session-timeout <duration>', 'how long to wait for a {% session %} block to finish or wait for a lock (default 30s)')
}

/** `mig test new|run|expect|compare|migrations`, loaded only when used. */
export function registerTestCommands(program: Command, action: Wrap): void {
  const test = program.command('test').description('SQL tests: scripts run in copies of the target, compared with their expected output')
  test
    .command('new')
    .description('create tests/<name>/test.sql')
    .argument('<name>', 'the test name (a folder under tests/)')
    .action(action(async (ctx, name: string) => (await load()).testNewCommand(ctx, name)))
  copyOptions(test.command('run').description('run tests (all when none is named) and print their output').argument('[names...]', 'tests to run')).action(
    action(async (ctx, names: string[], options) => (await load()).testRunCommand(ctx, names, options)),
  )
  copyOptions(test.command('expect').description("run tests and write each one's output to its expected.out").argument('[names...]', 'tests to run')).action(
    action(async (ctx, names: string[], options) => (await load()).testExpectCommand(ctx, names, options)),
  )
  copyOptions(
    test
      .command('compare')
      .description('run tests (all when none is named) and compare with expected.out; exit 1 on a difference')
      .argument('[names...]', 'tests to run')
      .option('--junit <file>', 'write a JUnit XML report'),
  ).action(action(async (ctx, names: string[], options) => (await load()).testCompareCommand(ctx, names, options)))
  test
    .command('migrations')
    .description("check in an empty database that each migration's down restores the schema before it, and up again the schema after it")
    .action(action(async (ctx) => (await load()).testMigrationsCommand(ctx)))
}
