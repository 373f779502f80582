/** Matching another tool's history against mig's migrations, for `mig adopt --from`. */
import type { ImportedEntry } from './importers/importer.js'
import { compareVersions, type Migration } from './migration.js'

/** An entry of the other tool that matched no mig migration (or was not cleanly applied). */
export interface Unmatched {
  ref: string
  reason: string
}

/** Outcome of matching. */
export interface ImportMatch {
  /** mig migrations the other tool applied, in order. */
  migrations: Migration[]
  unmatched: Unmatched[]
  /** Entries left aside on purpose (flyway repeatables), with why. */
  skipped: Unmatched[]
}

/** Versions compared numerically: digits, or dotted digits (Flyway). */
const digits = (s: string) => /^\d+(?:\.\d+)*$/.test(s)

/**
 * Match the entries another tool recorded with mig's versioned migrations: by version
 * (numerically), else by name when exactly one migration has it. `upTo` entries match every
 * migration up to their version.
 */
export function matchImported(entries: ImportedEntry[], migrations: Migration[]): ImportMatch {
  const versioned = migrations.filter((m) => m.kind === 'versioned')
  const chosen = new Map<string, Migration>()
  // migrations by the tool's own id, in order: the k-th entry with an id takes the k-th of them
  const byToolId = new Map<string, Migration[]>()
  for (const m of migrations) if (m.toolId !== undefined) byToolId.set(m.toolId, [...(byToolId.get(m.toolId) ?? []), m])
  const unmatched: Unmatched[] = []
  const skipped: Unmatched[] = []
  for (const e of entries) {
    if (e.skip) {
      skipped.push({ ref: e.ref, reason: e.skip })
      continue
    }
    if (e.problem) {
      unmatched.push({ ref: e.ref, reason: e.problem })
      continue
    }
    if (e.toolId !== undefined && byToolId.size) {
      const next = byToolId.get(e.toolId)?.shift()
      if (next && (e.toolChecksum === undefined || e.toolChecksum === next.toolChecksum)) chosen.set(next.version, next)
      else if (e.otherwise) skipped.push({ ref: e.ref, reason: next ? `changed since it was applied; ${e.otherwise}` : e.otherwise })
      else unmatched.push({ ref: e.ref, reason: `no migration of the folder is ${e.toolId}` })
      continue
    }
    if (e.otherwise) {
      skipped.push({ ref: e.ref, reason: e.otherwise })
      continue
    }
    const byVersion = e.version && digits(e.version) ? versioned.find((m) => compareVersions(m.version, e.version!) === 0) : undefined
    if (e.upTo && e.version && digits(e.version)) {
      for (const m of versioned) if (compareVersions(m.version, e.version) <= 0) chosen.set(m.version, m)
      if (!byVersion) unmatched.push({ ref: e.ref, reason: `no migration has version ${e.version} (migrations before it were matched)` })
      continue
    }
    if (byVersion) {
      chosen.set(byVersion.version, byVersion)
      continue
    }
    if (e.name) {
      const named = versioned.filter((m) => m.name === e.name || m.id === e.name)
      if (named.length === 1) {
        chosen.set(named[0]!.version, named[0]!)
        continue
      }
      if (named.length > 1) {
        unmatched.push({ ref: e.ref, reason: `several migrations are named ${e.name}: ${named.map((m) => m.id).join(', ')}` })
        continue
      }
    }
    unmatched.push({
      ref: e.ref,
      reason: e.version ? `no migration has version ${e.version}${e.name ? ` or name ${e.name}` : ''}` : `no migration is named ${e.name ?? e.ref}`,
    })
  }
  const order = (m: Migration) => (m.kind === 'repeatable' ? 1 : 0)
  const sorted = [...chosen.values()].sort(
    (a, b) => order(a) - order(b) || (order(a) ? (a.version < b.version ? -1 : 1) : compareVersions(a.version, b.version)),
  )
  return { migrations: sorted, unmatched, skipped }
}
