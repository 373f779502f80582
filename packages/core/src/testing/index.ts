// `@mig/core/testing`: helpers for testing migrations and drivers.
export type { TempProject } from './temp-project.js'
export { tempProject } from './temp-project.js'
