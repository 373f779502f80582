export type { RenderResultOptions } from './render.js'
export { commandTag, isOnlyComments, NULL_DISPLAY, renderResults, renderStatementResult, renderTable, stripLeadingComments } from './render.js'
export type { Notice, ResultColumn, StatementError, StatementResult } from './types.js'
