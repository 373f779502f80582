/** Milliseconds, monotonic (process.hrtime: the global `performance` loads nine of Node's modules on first use). */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6
