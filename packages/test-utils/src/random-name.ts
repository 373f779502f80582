/** A random lower-case name for a test database. */
export function randomName(prefix = 'mig_test'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
}
