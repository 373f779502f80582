import { randomBytes, randomUUID } from 'node:crypto'

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
