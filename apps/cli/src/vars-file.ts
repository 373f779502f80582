import { readFile } from 'node:fs/promises'
import { ConfigError } from '@mig/core'
import { parse as parseToml } from 'smol-toml'

/**
 * Read a variables file (`--vars FILE` or the target's `vars`): `.json` or `.toml`. Returns the
 * variables, given to code migrations as `ctx.vars` and recorded in the log (encrypted with
 * MIG_ENCRYPTION_KEY, else by name only).
 */
export async function readVarsFile(file: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError([{ file, message: `cannot read variables: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }])
  }
  try {
    const value: unknown = file.endsWith('.json') ? JSON.parse(text) : parseToml(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a table of variables')
    return value as Record<string, unknown>
  } catch (err) {
    throw new ConfigError([{ file, message: `invalid variables file: ${(err as Error).message.split('\n')[0]}` }], { cause: err })
  }
}
