import { brand, MigError } from '../errors.js'

/**
 * How an engine spells literals, for SQL that carries values (templates' `{{ value }}`, generated
 * DDL's comments and defaults, statements a driver inlines). Numbers, booleans (`TRUE`/`FALSE`),
 * `NULL`, dates (ISO-8601 strings) and JSON (a string) are the same everywhere and written by
 * {@link SqlEscaper}; the rest is the dialect's.
 */
export interface LiteralSyntax {
  /**
   * One string as a quoted literal. Throw an {@link EscapeError} for text the engine cannot
   * store (PostgreSQL: NUL). Carriage returns must come out as escapes, never raw: mig normalises
   * the line endings of the SQL it runs.
   */
  string(value: string, options: LiteralOptions): string
  /** Bytes (given as lower-case hex digits) as a binary literal. Default `X'<hex>'`. */
  bytes?(hex: string): string
  /**
   * A JS array (its elements already written as literals). Default: a comma-separated list for
   * `IN (...)`, `NULL` when empty (so `IN (NULL)` matches nothing).
   */
  list?(items: readonly string[]): string
  /**
   * Whether a backslash escapes in string literals when the connection has not said (MySQL's
   * default `sql_mode`: true). Drivers whose mode depends on the session report it as the
   * `backslashEscapes` capability once connected. Default false.
   */
  backslashEscapes?: boolean
}

/** How the connection reads string literals (see {@link LiteralSyntax.string}). */
export interface LiteralOptions {
  /** A backslash is an escape character (MySQL without `NO_BACKSLASH_ESCAPES`). */
  backslashEscapes: boolean
}

/** What an engine accepts as a name, so templates refuse names the server would change or reject. */
export interface IdentifierRules {
  /** Longest name kept as written, in UTF-8 bytes (PostgreSQL: 63, longer names are truncated). */
  maxBytes?: number
  /** Longest name accepted, in characters (MySQL: 64). */
  maxCharacters?: number
  /**
   * The shape of names that mean the same without quotes (PostgreSQL: lower-case letters, digits,
   * `_` and `$`, not starting with a digit), as the server writes names in its own output (reserved
   * words aside, which the server quotes). Used by {@link quoteIdentIfNeeded}. Default: none (always quote).
   */
  unquoted?: RegExp
  /** Any further rule: the reason the engine would refuse or change `name`, or undefined. */
  check?(name: string): string | undefined
}

/**
 * The SQL a driver speaks: identifier quoting, literal escaping and identifier rules (the one
 * place each dialect defines them; DDL generators, introspectors and the template escaper ask it),
 * and the column types of the statements core writes itself (history tables).
 */
export interface SqlDialect {
  /** Display name: `sqlite`, `postgres`, `mysql` (templates see it as `dialect`). */
  readonly name: string
  /** Quote one identifier part (no dots, no checks). */
  quoteIdent(name: string): string
  /** Identifier rules. Optional: without them only empty names, NUL and CR are refused. */
  readonly identifiers?: IdentifierRules
  /** Literal syntax. Optional: the default doubles single quotes (standard SQL) and writes bytes as `X'..'`. */
  readonly literals?: LiteralSyntax
  /** Column types used by the history tables. */
  readonly types: {
    /** Short indexed strings: versions, names, scopes. */
    key: string
    /** Unbounded text: SQL, errors. */
    text: string
    /** 64-bit integer. */
    integer: string
    /** Timestamp with time zone (or the closest thing). */
    timestamp: string
    /** Auto-incrementing primary key column definition, e.g. `id integer primary key autoincrement`. */
    serialPrimaryKey: string
  }
  /**
   * A query that returns the rows of `table` (quoted) as one JSON array of objects keyed by column
   * name (at least `columns`), in the first column of one row: text, or an array the client
   * library already parsed. Optional: one `JSON.parse` costs the client a fraction of what client
   * libraries spend on a row per history entry (a sixth with pg, a third with mysql2, for 1,000).
   * Timestamps are text: ISO 8601 with an offset, or `YYYY-MM-DD HH:MM:SS[.fff]` in UTC. Text that
   * is not whole JSON (a server that cuts long aggregates) makes core read the rows instead.
   * `where`: only the rows it holds for (SQL text, its literals written by the dialect).
   */
  jsonRows?(table: string, columns: readonly string[], where?: string): string
}

/** A value cannot be written as SQL for a dialect (a template value, a name over the engine's limit). */
export class EscapeError extends MigError {
  override name = 'EscapeError'
  /** The dialect's name. */
  readonly dialect: string
  constructor(dialect: string, message: string) {
    super(`${dialect}: ${message}`)
    this.dialect = dialect
  }
}
brand(EscapeError, 'EscapeError')

/** Standard SQL string literal: single quotes doubled, nothing else special. */
export function standardString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** The literal syntax of a dialect, with the defaults filled in. */
export function literalSyntax(dialect: SqlDialect): Required<LiteralSyntax> {
  const l = dialect.literals
  return {
    string: l?.string ?? ((value) => standardString(value)),
    bytes: l?.bytes ?? ((hex) => `X'${hex}'`),
    list: l?.list ?? ((items) => (items.length ? items.join(', ') : 'NULL')),
    backslashEscapes: l?.backslashEscapes ?? false,
  }
}

/**
 * A string literal in the dialect's default mode: for SQL a driver generates itself (DDL comments
 * and defaults). Throws an {@link EscapeError} for text the engine cannot store.
 */
export function stringLiteral(dialect: SqlDialect, value: string): string {
  const l = literalSyntax(dialect)
  return l.string(value, { backslashEscapes: l.backslashEscapes })
}

/** `name` as it is when the dialect reads it the same unquoted (`users`), else quoted (`"Users"`). */
export function quoteIdentIfNeeded(dialect: SqlDialect, name: string): string {
  return dialect.identifiers?.unquoted?.test(name) ? name : dialect.quoteIdent(name)
}

/** Quote a possibly schema-qualified name (`audit.schema_migrations`). */
export function quoteQualified(dialect: SqlDialect, name: string): string {
  return name
    .split('.')
    .map((p) => dialect.quoteIdent(p))
    .join('.')
}
