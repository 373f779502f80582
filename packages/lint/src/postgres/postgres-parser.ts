import type { StatementFacts } from '../operations.js'
import { statementOperations } from './postgres-operations.js'

/** The parser's functions we use (libpg-query: PostgreSQL's own parser, compiled to WebAssembly). */
interface PgQuery {
  loadModule(): Promise<void>
  parseSync(sql: string): { stmts?: { stmt: Record<string, unknown> }[] }
}

let loading: Promise<PgQuery> | undefined

/**
 * Load PostgreSQL's parser (about 1.7 MB of WebAssembly, shipped in the libpg-query package; read
 * from disk, never downloaded). Loaded once, on the first PostgreSQL script linted, so nothing else
 * pays for it.
 */
export function loadPostgresParser(): Promise<PgQuery> {
  loading ??= (async () => {
    const imported = (await import('libpg-query')) as unknown as PgQuery & { default?: PgQuery }
    const lib = typeof imported.parseSync === 'function' ? imported : (imported.default as PgQuery)
    await lib.loadModule()
    return lib
  })()
  return loading
}

/** What one statement does, read from PostgreSQL's parse tree (or the parser's error). */
export function parsePostgresStatement(parser: PgQuery, sql: string): StatementFacts {
  let tree: ReturnType<PgQuery['parseSync']>
  try {
    tree = parser.parseSync(sql)
  } catch (err) {
    const at = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition
    return {
      operations: [],
      syntaxError: err instanceof Error ? err.message : String(err),
      syntaxErrorAt: typeof at === 'number' ? Math.min(Math.max(at, 0), sql.length) : undefined,
    }
  }
  return { operations: (tree.stmts ?? []).flatMap((raw) => statementOperations(raw.stmt)) }
}
