/**
 * Whether a terminal view may use colour. `NO_COLOR` (any non-empty value) turns colour off;
 * `FORCE_COLOR`, when set, wins over it and its value decides as usual (Ink's chalk reads it:
 * `0` off, `1`-`3` on). Off a terminal mig prints no colour at all.
 */
export function colorsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined) return true
  return !env.NO_COLOR
}
