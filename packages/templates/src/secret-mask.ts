/** Replacement shown instead of a secret. */
export const SECRET_MASK = '***'

/**
 * Remembers the secret values templates read (`secret("NAME")`) and masks them in any text:
 * the raw value and every escaped form the escaper produced. The CLI passes {@link SecretMask.mask}
 * to core (`redact`) so logged SQL and errors never contain a secret.
 */
export class SecretMask {
  private readonly values = new Set<string>()

  /** Remember a secret (and forms of it, like its escaped literal body). Empty strings are ignored. */
  add(...forms: string[]): void {
    for (const f of forms) if (f) this.values.add(f)
  }

  /** Number of distinct forms remembered. */
  get size(): number {
    return this.values.size
  }

  /** `text` with every remembered form replaced by `***` (longest first). */
  mask(text: string): string {
    if (!this.values.size || !text) return text
    let out = text
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(SECRET_MASK)
    return out
  }
}
