import type { Driver, QueryExecutor, Script, ScriptStatement, StatementProgress } from '../driver.js'
import { splitStatements } from '../splitter.js'

/** What {@link runScriptStatements} needs of a driver. */
export type StatementRunner = Pick<Driver, 'splitOptions'> & Required<Pick<Driver, 'runStatements'>>

/**
 * The default `Driver.runScript`: split the script with core's splitter (and the driver's
 * `splitOptions`), then run the statements through the driver's `runStatements`. A driver that can
 * do better with a whole script (PostgreSQL sends it in one round trip) overrides `runScript` and
 * falls back on this.
 *
 * @example
 * runScript(exec: QueryExecutor, script: Script, onStatement?: OnStatement) {
 *   return runScriptStatements(this, exec, script, onStatement)
 * }
 */
export function runScriptStatements(
  driver: StatementRunner,
  exec: QueryExecutor,
  script: Script,
  onStatement?: (index: number, statement: ScriptStatement) => Promise<void>,
  progress?: StatementProgress,
): Promise<void> {
  const statements = splitStatements(script.sql, driver.splitOptions ?? {}, script.line ?? 1)
  return driver.runStatements(exec, statements, { file: script.file, line: script.line }, onStatement, progress)
}
