import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** A random (version 4) UUID. */
export function uuidV4(): string {
  return randomUUID()
}

/** A time-ordered (version 7, RFC 9562) UUID: 48-bit Unix milliseconds, then random bits. */
export function uuidV7(now = Date.now()): string {
  const b = randomBytes(16)
  const ms = BigInt(now)
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Template functions whose results change every render, replaced in SQL tests by {@link seededFunctions}. */
export const NON_DETERMINISTIC_FUNCTIONS = ['uuid_v4', 'uuid_v7'] as const

/** Deterministic replacements of the non-deterministic template functions, and how often they were called. */
export interface SeededFunctions {
  uuid_v4(): string
  uuid_v7(): string
  /** Calls so far. */
  readonly calls: number
}

/** 2025-01-01T00:00:00Z: the clock of seeded `uuid_v7()`, one millisecond per call. */
const SEEDED_EPOCH_MS = Date.UTC(2025, 0, 1)

function formatUuid(b: Buffer): string {
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * Template functions that return the same values for the same seed (SQL tests seed them with the
 * test's name): the n-th call's random bits are the SHA-256 of `seed` and n; `uuid_v7()`'s clock
 * starts at 2025-01-01 and advances a millisecond per call, so its values still sort by call.
 */
export function seededFunctions(seed: string): SeededFunctions {
  let calls = 0
  const bits = () => createHash('sha256').update(`${seed}\0${calls++}`).digest().subarray(0, 16)
  return {
    get calls() {
      return calls
    },
    uuid_v4() {
      const b = bits()
      b[6] = (b[6]! & 0x0f) | 0x40
      b[8] = (b[8]! & 0x3f) | 0x80
      return formatUuid(b)
    },
    uuid_v7() {
      const ms = BigInt(SEEDED_EPOCH_MS + calls)
      const b = bits()
      for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
      b[6] = (b[6]! & 0x0f) | 0x70
      b[8] = (b[8]! & 0x3f) | 0x80
      return formatUuid(b)
    },
  }
}
