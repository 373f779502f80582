/**
 * What the append-only log records about variables: their names in clear, their values
 * encrypted with AES-256-GCM when `MIG_ENCRYPTION_KEY` is set.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { brand, MigError } from './errors.js'

/** Prefix of encrypted variables in the log; the version lets the format change later. */
export const ENCRYPTED_PREFIX = 'enc:v1:'

const SALT_BYTES = 16
const IV_BYTES = 12
const TAG_BYTES = 16
const keyCache = new Map<string, Buffer>()
let processSalt: Buffer | undefined

/** scrypt(secret, salt) → 32 bytes; cached, since scrypt is deliberately slow. */
function deriveKey(secret: string, salt: Buffer): Buffer {
  const id = `${salt.toString('base64')}\0${secret}`
  let key = keyCache.get(id)
  if (!key) {
    key = scryptSync(secret, salt, 32)
    keyCache.set(id, key)
  }
  return key
}

/** The variables could not be decrypted: no key, or not the key they were encrypted with. */
export class DecryptionError extends MigError {
  override name = 'DecryptionError'
  /** Log entry that failed, when known. */
  readonly entry: number | undefined
  constructor(message: string, options: { entry?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options)
    this.entry = options.entry
  }
}
brand(DecryptionError, 'DecryptionError')

/**
 * Encrypt `vars` as JSON: `enc:v1:` + base64(salt | iv | tag | ciphertext). The key is derived
 * from `secret` with scrypt and a random salt (one per process).
 */
export function encryptVars(vars: Record<string, unknown>, secret: string): string {
  processSalt ??= randomBytes(SALT_BYTES)
  const key = deriveKey(secret, processSalt)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ct = Buffer.concat([cipher.update(JSON.stringify(vars), 'utf8'), cipher.final()])
  return ENCRYPTED_PREFIX + Buffer.concat([processSalt, iv, cipher.getAuthTag(), ct]).toString('base64')
}

/** Decrypt what {@link encryptVars} wrote. Throws {@link DecryptionError} on a wrong key or damaged text. */
export function decryptVars(text: string, secret: string, entry?: number): Record<string, unknown> {
  if (!text.startsWith(ENCRYPTED_PREFIX)) throw new DecryptionError('not encrypted variables', { entry })
  const raw = Buffer.from(text.slice(ENCRYPTED_PREFIX.length), 'base64')
  const salt = raw.subarray(0, SALT_BYTES)
  const iv = raw.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES)
  const tag = raw.subarray(SALT_BYTES + IV_BYTES, SALT_BYTES + IV_BYTES + TAG_BYTES)
  const ct = raw.subarray(SALT_BYTES + IV_BYTES + TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt), iv)
    decipher.setAuthTag(tag)
    return JSON.parse(Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8')) as Record<string, unknown>
  } catch (err) {
    throw new DecryptionError(`wrong MIG_ENCRYPTION_KEY: cannot decrypt the variables of log entry ${entry ?? '?'}`, {
      entry,
      cause: err,
      hint: 'set MIG_ENCRYPTION_KEY to the key that was set when the entry was written',
    })
  }
}

/**
 * The `vars` column of a log entry: `null` without variables; with a key, names in clear and
 * values encrypted (`{"names":[...],"values":"enc:v1:..."}`); without one, only the names.
 */
export function varsForLog(vars: Record<string, unknown> | undefined, secret: string | undefined): string | null {
  const names = Object.keys(vars ?? {})
  if (!names.length) return null
  if (!secret) return JSON.stringify({ names })
  return JSON.stringify({ names, values: encryptVars(vars!, secret) })
}

/** Variables of a log entry as read back. */
export interface LoggedVars {
  names: string[]
  /** True when the values were stored (encrypted). */
  encrypted: boolean
  /** The values, when decrypted. */
  values?: Record<string, unknown>
}

/**
 * Read the `vars` column. With `secret`, decrypt the values (throws {@link DecryptionError} on a
 * wrong key); with `decrypt` and no secret, throws too.
 */
export function readLoggedVars(column: string | null, options: { decrypt?: boolean; secret?: string; entry?: number } = {}): LoggedVars | null {
  if (!column) return null
  let parsed: { names?: string[]; values?: string }
  try {
    parsed = JSON.parse(column) as typeof parsed
  } catch {
    return { names: [], encrypted: false }
  }
  const out: LoggedVars = { names: parsed.names ?? [], encrypted: typeof parsed.values === 'string' }
  if (options.decrypt && out.encrypted) {
    if (!options.secret)
      throw new DecryptionError('--decrypt needs MIG_ENCRYPTION_KEY', {
        entry: options.entry,
        hint: 'export MIG_ENCRYPTION_KEY=... (the key set when the entries were written)',
      })
    out.values = decryptVars(parsed.values!, options.secret, options.entry)
  }
  return out
}
