export type { CopyBlocker } from './errors.js'
export { DatabaseCopyError, SqlTestError } from './errors.js'
