import { orderByDependencies } from './dependencies.js'
import { PlanError } from './errors.js'
import type { HistoryRow } from './history/store.js'
import { scopeTenant } from './fleet/tenants.js'
import { compareVersions, type Migration } from './migration.js'

/** Status of a migration as `mig status` shows it. */
export type MigrationStatus = 'applied' | 'pending' | 'failed' | 'modified' | 'missing' | 'draft' | 'adopted'

/** One line of `mig status`. */
export interface StatusEntry {
  version: string
  name: string
  kind: 'versioned' | 'repeatable'
  status: MigrationStatus
  source?: string
  appliedAt?: Date
  migration?: Migration
  history?: HistoryRow
  /** Current checksum of the migration's up SQL, when known. */
  checksum?: string
  /** A pending migration older than the newest applied one. */
  outOfOrder?: boolean
}

/** Input of the planner: what is on disk, what the database recorded, and the checksums of the up scripts. */
export interface PlanInput {
  migrations: Migration[]
  history: HistoryRow[]
  /** Checksum of each migration's up SQL, by migration id. Needed for modified detection. */
  checksums: Map<string, string>
  /** Scope of this run (default `shared`). */
  scope?: string
  /**
   * The driver's recorded progress counts exactly the statements that committed, even after a crash
   * (`DriverCapabilities.progressInBatch`): `up` resumes an interrupted migration (a `running` row
   * of an up whose file is unchanged) from its progress instead of refusing it.
   */
  resumesInterrupted?: boolean
}

/** Options of {@link planUp}. */
export interface UpOptions {
  /** Apply at most this many. */
  steps?: number
  /** Apply up to and including this version. */
  to?: string
  /** Apply only this version. */
  only?: string
  /** Include draft migrations. */
  includeDrafts?: boolean
  /** Apply pending migrations older than the newest applied one. */
  allowOutOfOrder?: boolean
  /**
   * Plan the migrations left `failed` at a statement (statements before it committed) first, to be
   * run again from that statement (`mig up --resume`). Default: a failed migration stops the plan.
   */
  resume?: boolean
}

/** Options of {@link planDown}. */
export interface DownOptions {
  /** Revert this many (default 1). */
  steps?: number
  /** Revert every migration applied after this version; the version itself stays. */
  to?: string
  /** Revert all. */
  all?: boolean
  /** Revert even when another applied migration depends on it. */
  force?: boolean
}

function historyByVersion(input: PlanInput): Map<string, HistoryRow> {
  const scope = input.scope ?? 'shared'
  const out = new Map<string, HistoryRow>()
  for (const h of input.history) if (h.scope === scope) out.set(h.version, h)
  return out
}

/** Compute the status of every migration on disk and every history row without a file. Pure. */
export function computeStatus(input: PlanInput): StatusEntry[] {
  const rows = historyByVersion(input)
  // rows not matched by a migration yet (what is left at the end has no file)
  const applied = new Map(rows)
  const out: StatusEntry[] = []
  let newestApplied: string | undefined
  for (const h of rows.values()) {
    if (h.kind === 'repeatable' || h.status !== 'applied' || !/^\d+(?:\.\d+)*$/.test(h.version)) continue
    if (newestApplied === undefined || compareVersions(h.version, newestApplied) > 0) newestApplied = h.version
  }
  for (const m of input.migrations) {
    const h = applied.get(m.version)
    const sum = input.checksums.get(m.id)
    const base: StatusEntry = { version: m.version, name: m.name, kind: m.kind, source: m.source, migration: m, status: 'pending' }
    if (sum) base.checksum = sum
    if (!h) {
      if (m.draft) base.status = 'draft'
      else if (m.kind === 'versioned' && newestApplied && compareVersions(m.version, newestApplied) < 0 && !dependenciesMet(m, rows)) base.outOfOrder = true
      out.push(base)
      continue
    }
    applied.delete(m.version)
    base.history = h
    base.appliedAt = h.appliedAt
    if (h.status !== 'applied') base.status = 'failed'
    else if (m.kind === 'repeatable') base.status = sum && sum !== h.checksum ? 'pending' : 'applied'
    else if (sum && h.kind !== 'adopted' && sum !== h.checksum) base.status = 'modified'
    else base.status = h.kind === 'adopted' ? 'adopted' : 'applied'
    out.push(base)
  }
  for (const h of applied.values()) {
    out.push({
      version: h.version,
      name: h.name,
      kind: h.kind === 'repeatable' ? 'repeatable' : 'versioned',
      status: h.status === 'applied' ? 'missing' : 'failed',
      appliedAt: h.appliedAt,
      history: h,
    })
  }
  return out.sort((a, b) => {
    const ra = a.kind === 'repeatable'
    const rb = b.kind === 'repeatable'
    if (ra !== rb) return ra ? 1 : -1
    if (ra) return a.name < b.name ? -1 : 1
    return compareVersions(a.version, b.version)
  })
}

/** The migration declares dependencies and every one has an applied history row. */
function dependenciesMet(m: Migration, rows: Map<string, HistoryRow>): boolean {
  return m.depends.length > 0 && m.depends.every((d) => rows.get(d)?.status === 'applied')
}

/**
 * Plan `up`: which migrations to apply, in order. Throws {@link PlanError} when the state
 * forbids applying (a failed or modified migration, an unknown version).
 */
export function planUp(input: PlanInput, options: UpOptions = {}): Migration[] {
  const status = computeStatus(input)
  const interrupted = status.filter((s) => s.status === 'failed' && resumesInterrupted(input, s))
  const failed = status.filter((s) => s.status === 'failed' && !interrupted.includes(s))
  const resumed = [...interrupted.map((s) => s.migration!), ...(options.resume ? failed.map(resumable) : [])]
  if (failed.length && !options.resume) {
    const f = failed[0]!
    const k = f.history?.status === 'failed' ? (f.history.statementIndex ?? 0) : 0
    const resume = k > 1 && f.migration ? `, or fix the file and run mig up --resume to run it again from statement ${k}` : ''
    throw new PlanError(
      'failed',
      `migration ${f.version}_${f.name} failed earlier and was left in a failed state${f.history?.error ? `: ${f.history.error}` : ''}`,
      failed.map((s) => s.version),
      {
        hint: `fix the database by hand, then run mig resolve ${f.version} --applied or --rolled-back (or mig repair)${resume}`,
      },
    )
  }
  const modified = status.filter((s) => s.status === 'modified')
  if (modified.length) {
    const first = modified[0]!.version
    throw new PlanError(
      'modified',
      `${modified.length === 1 ? 'migration' : 'migrations'} changed after being applied: ${modified.map((s) => `${s.version}_${s.name}`).join(', ')}`,
      modified.map((s) => s.version),
      {
        hint: `restore the applied file (see mig log) or write a new migration for the change; if the edit is harmless (a comment), accept it: mig resolve ${first} --accept-checksum --reason "..."`,
      },
    )
  }
  if (resumed.length) {
    // the rest is planned as if the resumed ones were applied (their dependents may follow them)
    const scope = input.scope ?? 'shared'
    const byVersion = new Map(resumed.map((m) => [m.version, m]))
    const history = input.history.map((h) => {
      const m = h.scope === scope ? byVersion.get(h.version) : undefined
      return m ? { ...h, status: 'applied' as const, checksum: input.checksums.get(m.id) ?? h.checksum } : h
    })
    const steps = options.steps === undefined ? undefined : Math.max(0, options.steps - resumed.length)
    return [...resumed, ...planUp({ ...input, history }, { ...options, resume: false, steps })]
  }
  const known = new Set(input.migrations.map((m) => m.version))
  for (const v of [options.to, options.only]) {
    if (v !== undefined && !known.has(v)) throw new PlanError('unknown-version', `no migration has version ${v}`, [v])
  }
  const applied = appliedVersions(input)
  const pending = status.filter((s) => s.migration && (s.status === 'pending' || (s.status === 'draft' && options.includeDrafts)))
  let versioned = pending.filter((s) => s.kind === 'versioned')
  const repeatables = pending.filter((s) => s.kind === 'repeatable')
  if (options.only !== undefined) {
    const one = pending.find((s) => s.version === options.only)
    if (!one) throw new PlanError('other', `migration ${options.only} is not pending`, [options.only])
    checkDependenciesMet([one.migration!], applied, input.migrations)
    return [one.migration!]
  }
  if (!options.allowOutOfOrder) {
    const ooo = versioned.filter((s) => s.outOfOrder)
    if (ooo.length) {
      const names = ooo.map((s) => `${s.version}_${s.name}`).join(', ')
      throw new PlanError(
        'out-of-order',
        `pending ${ooo.length === 1 ? 'migration is' : 'migrations are'} older than the newest applied one: ${names}`,
        ooo.map((s) => s.version),
        { hint: 'pass --allow-out-of-order to apply them anyway, or declare what they need with -- mig:depends <version>' },
      )
    }
  }
  if (options.to !== undefined) versioned = versioned.filter((s) => compareVersions(s.version, options.to!) <= 0)
  let plan = orderByDependencies([...versioned, ...(options.to === undefined ? repeatables : [])].map((s) => s.migration!))
  checkDependenciesMet(plan, applied, input.migrations)
  if (options.steps !== undefined) plan = plan.slice(0, options.steps)
  return plan
}

/**
 * An interrupted migration `up` resumes by itself (see {@link PlanInput.resumesInterrupted}): the
 * `running` row of an up (a down's says `rolling back`) of a plain SQL migration whose file has the
 * checksum that ran.
 */
function resumesInterrupted(input: PlanInput, s: StatusEntry): boolean {
  const h = s.history
  const m = s.migration
  return Boolean(input.resumesInterrupted && h?.status === 'running' && !h.error && m?.up && !m.code && input.checksums.get(m.id) === h.checksum)
}

/**
 * A failed migration `mig up --resume` can run again from the statement that failed: its row says
 * `failed` at statement k (a `running` row is a run that died: which statements committed after the
 * last recorded one is unknown) and its file is there. Else a PlanError that says why.
 */
function resumable(s: StatusEntry): Migration {
  const h = s.history
  if (s.migration && h?.status === 'failed' && h.statementIndex) return s.migration
  const why = !s.migration
    ? 'its file is missing'
    : h?.status === 'running'
      ? `it was interrupted while it ran (the process died), so which statements committed after statement ${h.statementIndex ?? 0} is not known`
      : 'the row does not say at which statement it failed'
  throw new PlanError('failed', `cannot resume ${s.version}_${s.name}: ${why}`, [s.version], {
    hint: `check the database by hand, then run mig resolve ${s.version} --applied or --rolled-back`,
  })
}

/** Versions recorded as applied (any kind) in the run's scope. */
function appliedVersions(input: PlanInput): Set<string> {
  const scope = input.scope ?? 'shared'
  return new Set(input.history.filter((h) => h.scope === scope && h.status === 'applied').map((h) => h.version))
}

/** Every dependency of a planned migration is applied or planned before it; else a PlanError naming them. */
function checkDependenciesMet(plan: Migration[], applied: Set<string>, all: Migration[]): void {
  const before = new Set(applied)
  const byVersion = new Map(all.map((m) => [m.version, m]))
  const unmet: string[] = []
  for (const m of plan) {
    for (const d of m.depends) {
      if (before.has(d)) continue
      const dep = byVersion.get(d)
      const why = dep?.draft ? ' (a draft; pass --include-drafts)' : ' and is not part of this run'
      unmet.push(`${m.id} depends on ${dep?.id ?? d}, which is not applied${why}`)
    }
    before.add(m.version)
  }
  if (unmet.length) {
    throw new PlanError(
      'dependency',
      unmet.join('\n'),
      plan.map((m) => m.version),
      { hint: 'apply the dependencies first (mig up --to / --only), or widen the run' },
    )
  }
}

/**
 * Plan `down`: applied migrations to revert, newest first. Throws {@link PlanError} for a
 * version that is not applied or a migration without a down script.
 */
export function planDown(input: PlanInput, options: DownOptions = {}): Migration[] {
  const all = computeStatus(input)
  const status = all.filter((s) => s.kind === 'versioned')
  const applied = status.filter((s) => s.status === 'applied' || s.status === 'modified' || s.status === 'adopted')
  const appliedMissing = status.filter((s) => s.status === 'missing')
  if (options.to !== undefined && !applied.some((s) => s.version === options.to)) {
    throw new PlanError('not-applied', `version ${options.to} is not applied, so down --to cannot keep it`, [options.to], {
      hint: 'run mig status to see applied versions',
    })
  }
  const newestFirst = [...applied].reverse()
  let chosen: StatusEntry[]
  if (options.all) chosen = newestFirst
  else if (options.to !== undefined) chosen = newestFirst.filter((s) => compareVersions(s.version, options.to!) > 0)
  else chosen = newestFirst.slice(0, options.steps ?? 1)
  const newestMissing = appliedMissing.at(-1)
  if (newestMissing && chosen.length && compareVersions(newestMissing.version, chosen[0]!.version) > 0) {
    throw new PlanError('no-down', `applied migration ${newestMissing.version}_${newestMissing.name} has no file, so it cannot be rolled back`, [
      newestMissing.version,
    ])
  }
  const noDown = chosen.filter((s) => !s.migration!.down && !s.migration!.code?.down)
  if (noDown.length) {
    throw new PlanError(
      'no-down',
      `no down migration for ${noDown.map((s) => `${s.version}_${s.name}`).join(', ')}`,
      noDown.map((s) => s.version),
      {
        hint: 'add a .down.sql (or a -- mig:down section) to roll it back',
      },
    )
  }
  const plan = orderByDependencies(
    chosen.map((s) => s.migration!),
    true,
  )
  if (!options.force) {
    const reverting = new Set(plan.map((m) => m.version))
    const stillApplied = all.filter((s) => s.migration && s.history?.status === 'applied' && !reverting.has(s.version))
    const blocked: string[] = []
    for (const m of plan) {
      const users = stillApplied.filter((s) => s.migration!.depends.includes(m.version))
      if (users.length) blocked.push(`${m.id} is needed by ${users.map((u) => u.migration!.id).join(', ')}`)
    }
    if (blocked.length) {
      throw new PlanError(
        'dependency',
        `cannot roll back: ${blocked.join('; ')}`,
        plan.map((m) => m.version),
        {
          hint: 'roll back the dependent migrations first, or pass --force',
        },
      )
    }
  }
  if (scopeTenant(input.scope ?? 'shared') === undefined) refuseAppliedTenantParts(input.history, plan)
  return plan
}

/**
 * A shared part is not rolled back while the tenant part of its migration is applied in some
 * tenant (the tenants are built on it): {@link PlanError} `dependency`, naming the tenants.
 */
function refuseAppliedTenantParts(history: readonly HistoryRow[], plan: readonly Migration[]): void {
  const byVersion = new Map(plan.map((m) => [m.version, m]))
  const held = new Map<Migration, string[]>()
  for (const h of history) {
    const tenant = scopeTenant(h.scope)
    const m = byVersion.get(h.version)
    if (tenant === undefined || !m || h.status !== 'applied') continue
    held.set(m, [...(held.get(m) ?? []), tenant])
  }
  if (!held.size) return
  const list = [...held].map(([m, tenants]) => `${m.id} (${tenants.sort().join(', ')})`)
  throw new PlanError(
    'dependency',
    `cannot roll back the shared part while its tenant part is still applied in tenants: ${list.join('; ')}`,
    [...held.keys()].map((m) => m.version),
    {
      hint: 'roll back the tenant parts first: mig down --tenant NAME in each of those tenants',
    },
  )
}
