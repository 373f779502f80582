import type { Change } from './changes.js'
import type { SchemaDdl } from './ddl.js'
import type { SchemaDiff } from './diff.js'
import { scriptText } from './dump.js'

/** Options of {@link renderMigration}. */
export interface RenderMigrationOptions {
  /** Emit destructive statements instead of commenting them out. Default false. */
  allowDestructive?: boolean
  /** Write hints (`-- hint: ...`) before statements. Default true. */
  hints?: boolean
}

/** A rendered migration script. */
export interface RenderedMigration {
  /** The SQL text (each statement ends with `;` and a newline); empty string when there is nothing to do. */
  sql: string
  /** Number of statements commented out because they are destructive. */
  skippedDestructive: number
  /** Whether the script must run outside a transaction. */
  transactional: boolean
}

function comment(lines: string): string {
  return lines
    .split('\n')
    .map((l) => `-- ${l}`)
    .join('\n')
}

/**
 * Render the SQL of a diff with a dialect's DDL generator: one statement per change (or more),
 * data-migration hints as comments, and destructive statements commented out with a warning unless
 * `allowDestructive`.
 */
export function renderMigration(diff: SchemaDiff, ddl: SchemaDdl, options: RenderMigrationOptions = {}): RenderedMigration {
  const plan = ddl.plan(diff)
  const transactional = plan.transactional !== false
  const out: string[] = []
  if (!transactional) out.push('-- mig:no-transaction')
  let skipped = 0
  const hinted = new Set<Change>()
  let warned: Change[] | undefined
  for (const st of plan.statements) {
    if (options.hints !== false)
      for (const c of st.changes)
        if (!hinted.has(c)) {
          hinted.add(c)
          for (const h of c.hints) out.push(`-- hint: ${h}`)
        }
    const destructive = st.changes.some((c) => c.destructive)
    if (destructive && !options.allowDestructive) {
      skipped++
      const sameGroup = warned !== undefined && warned.length === st.changes.length && warned.every((c, i) => c === st.changes[i])
      if (!sameGroup) out.push('-- WARNING: destructive change, commented out (pass --allow-destructive to apply):')
      warned = st.changes
      out.push(comment(`${st.sql};`))
    } else {
      warned = undefined
      out.push(scriptText(ddl, st).trimEnd())
    }
  }
  return { sql: plan.statements.length ? `${out.join('\n')}\n` : '', skippedDestructive: skipped, transactional }
}
