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

const digits = (s: string) => /^\d+$/.test(s)

/**
 * Match the entries another tool recorded with mig's versioned migrations: by version
 * (numerically), else by name when exactly one migration has it. `upTo` entries match every
 * migration up to their version.
 */
export function matchImported(entries: ImportedEntry[], migrations: Migration[]): ImportMatch {
  const versioned = migrations.filter((m) => m.kind === 'versioned')
  const chosen = new Map<string, Migration>()
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
  return { migrations: [...chosen.values()].sort((a, b) => compareVersions(a.version, b.version)), unmatched, skipped }
}
