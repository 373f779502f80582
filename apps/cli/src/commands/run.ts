import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { renderStatementResult } from '@mig/core'
import { withMigrator } from '../connect.js'
import type { CommandContext } from '../context.js'
import { EXIT, ExitError } from '../exit.js'

/**
 * `mig run <script.sql[.njk]>`: render an ad-hoc script (templates as in migrations: components,
 * `--var`, `--vars`, the target's variables), run it in a transaction (unless `-- mig:no-transaction`),
 * print every statement's result as SQL tests print them, and log it with action `run`. Exit 1 when
 * a statement failed (a transaction is then rolled back).
 */
export async function runCommand(ctx: CommandContext, script: string): Promise<number> {
  const path = resolve(ctx.cwd, script)
  if (!existsSync(path)) throw new ExitError(`script not found: ${script}`, EXIT.usage, 'give the path of a .sql or .sql.njk file')
  if (!statSync(path).isFile()) throw new ExitError(`not a file: ${script}`, EXIT.usage, 'give the path of a .sql or .sql.njk file')
  const rel = relative(ctx.config.root, path)
  const file = rel.startsWith('..') || isAbsolute(rel) ? path : rel
  const source = readFileSync(path, 'utf8')
  return withMigrator(ctx, async (migrator) => {
    let sql = source
    if (path.endsWith('.njk')) {
      const { templateRenderer } = await import('../templates.js')
      const renderer = await templateRenderer(ctx, { dialect: migrator.driver.dialect, backslashEscapes: () => migrator.driver.capabilities.backslashEscapes })
      ctx.out.setRedact((text) => renderer.maskSecrets(text))
      sql = renderer.renderSource(source, file)
    }
    const run = await migrator.runScript({ file, sql })
    ctx.out.result({ script: file, ...run }, () => {
      for (const r of run.results) ctx.out.write(renderStatementResult(r))
      const count = `${run.results.length} ${run.results.length === 1 ? 'statement' : 'statements'}`
      if (run.ok) {
        ctx.out.note(`Ran ${file}: ${count} (${run.durationMs}ms)${run.transactional ? ', committed' : ''}`)
        return
      }
      const failed = run.results.at(-1)
      ctx.out.problem(`Failed ${file}:${run.errorLine ?? '?'}: ${failed?.error?.message ?? 'failed'}`)
      ctx.out.problem(run.transactional ? '  rolled back: nothing the script did was kept' : '  no transaction: the statements before it were kept')
    })
    return run.ok ? EXIT.ok : EXIT.failed
  })
}
