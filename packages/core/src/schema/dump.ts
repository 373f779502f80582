import type { DdlStatement, SchemaDdl } from './ddl.js'
import { type DiffOptions, diffSchemas } from './diff.js'
import { emptySchema, type Schema } from './model.js'

/** The text of one statement in a script, with its terminator and a newline (see {@link SchemaDdl.scriptText}). */
export function scriptText(ddl: SchemaDdl, st: DdlStatement): string {
  return `${ddl.scriptText ? ddl.scriptText(st) : `${st.sql};`}\n`
}

/**
 * Deterministic SQL that recreates `schema` on an empty database of its dialect, loadable by the
 * engine's own client: the plan of the diff from an empty schema (in dependency order: every
 * created object after what it names in `dependsOn`), without hints or warnings.
 */
export function dumpSchema(schema: Schema, ddl: SchemaDdl, options: DiffOptions = {}): string {
  const diff = diffSchemas(emptySchema(schema.dialect), schema, options)
  const plan = ddl.plan(diff)
  return plan.statements.map((s) => scriptText(ddl, s)).join('')
}
