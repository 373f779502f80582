// What a run loaded beyond the CLI's start-up path (a driver, the template engine). The binary's
// compile cache (compile-cache.ts) rewrites a command's cache when a run used a part it lacks.
const parts = new Set<string>()

export function markPart(name: string): void {
  parts.add(name)
}

export function usedParts(): string[] {
  return [...parts].sort()
}
