// What a driver package builds on: its dialect (quoting, literals, identifier rules), the shared
// lock-wait loop, shadow databases and the default runScript.
export type { IdentifierRules, LiteralOptions, LiteralSyntax, SqlDialect } from './dialect.js'
export { EscapeError, literalSyntax, quoteIdentIfNeeded, quoteQualified, standardString, stringLiteral } from './dialect.js'
export type { Escaper, EscaperOptions } from './escaper.js'
export { SqlEscaper } from './escaper.js'
export type { WaitForLockOptions } from './lock-wait.js'
export { LOCK_ATTEMPT_MS, LOCK_REPORT_EVERY_MS, waitForLock } from './lock-wait.js'
export type { StatementRunner } from './run-script.js'
export { runScriptStatements } from './run-script.js'
export type { ShadowDatabaseOptions } from './shadow.js'
export { createShadowDatabase, databaseOf, SHADOW_DATABASE_PREFIX, withDatabase } from './shadow.js'
