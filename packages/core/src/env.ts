/** Names of production environments: `prod`, `production` (any case). */
export const PRODUCTION_ENV = /^prod(uction)?$/i

/** True when an env name means production (drafts are refused, `fresh` needs `--confirm`). */
export function isProductionEnv(env: string | undefined): boolean {
  return env !== undefined && PRODUCTION_ENV.test(env)
}
