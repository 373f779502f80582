/** Seeded random strings for the escaping property test (reproducible with MIG_ESCAPE_SEED). */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TRICKY = [
  "'",
  "''",
  '"',
  '`',
  '\\',
  "\\'",
  '\\\\',
  '$$',
  '$tag$',
  '$1',
  '*/',
  '/*',
  '--',
  '#',
  ';',
  '?',
  ':x',
  '%',
  '_',
  '{{',
  '}}',
  '{%',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\x1a',
  '\u2028',
  '\ufeff',
  '\ufffd',
  'e\u0301',
  '\u200d',
  '👩‍💻',
  '😀',
  '𝕏',
  'ß',
  'İ',
  'Ω',
  '中文',
  'עברית',
  "N'",
  "E'",
  "X'",
  'U&"',
]

/** Options of {@link randomString}. */
export interface StringOptions {
  maxLength: number
  /** Allow NUL. */
  nul: boolean
  /** Allow code points above U+FFFF. */
  astral: boolean
}

function pick(rng: () => number, opts: StringOptions): string {
  const r = rng()
  if (r < 0.3) {
    const t = TRICKY[Math.floor(rng() * TRICKY.length)]!
    return opts.astral || [...t].every((c) => c.codePointAt(0)! <= 0xffff) ? t : 'é'
  }
  if (r < 0.55) return String.fromCharCode(0x20 + Math.floor(rng() * 95))
  if (r < 0.65) {
    const c = 1 + Math.floor(rng() * 31)
    return String.fromCharCode(rng() < 0.1 ? 0x7f : c)
  }
  if (r < 0.68) return opts.nul ? '\0' : String.fromCharCode(0x80 + Math.floor(rng() * 32))
  if (r < 0.9 || !opts.astral) {
    let cp = 0xa0 + Math.floor(rng() * (0xfffd - 0xa0))
    if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800
    return String.fromCodePoint(cp)
  }
  return String.fromCodePoint(0x10000 + Math.floor(rng() * 0xfffff))
}

/** A random string of up to `maxLength` pieces (each a character or a tricky sequence). */
export function randomString(rng: () => number, opts: StringOptions): string {
  const n = Math.floor(rng() * (opts.maxLength + 1))
  let s = ''
  for (let i = 0; i < n; i++) s += pick(rng, opts)
  return s
}

/** Trim a string to at most `max` code points without splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  return [...s].slice(0, max).join('')
}
