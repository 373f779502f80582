/**
 * sqitch: the changes of `sqitch.plan` in plan order, each with `deploy/<change>.sql` (up),
 * `revert/<change>.sql` (down) and `verify/<change>.sql` (run after deploy); `[dependencies]`
 * become mig dependencies; a reworked change reads its older scripts from `<change>@<tag>.sql`.
 * mig numbers the changes 1, 2, 3… in plan order: that is their mig version.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { baseMigration, type DiscoveryProblem } from '../discovery.js'
import type { Migration, MigrationBody } from '../migration.js'
import { type FormatReader, problemAt, readText, textBody } from './common.js'

/** One line of a plan: a change or a tag. */
interface PlanChange {
  kind: 'change'
  name: string
  depends: string[]
  line: number
  /** Tags that follow this change before the next change of the same name (sqitch's rework tags). */
  tags: string[]
}

// `name [deps] 2012-07-16T17:25:07Z Planner Name <planner@example.com> # note`; a leading `+`/`-` is the old deploy/revert operator
const CHANGE = /^[+]?([^\s[\]@#:\\]+)\s*(?:\[([^\]]*)\])?\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+[^<]*<[^>]*>(?:\s*#.*)?$/
const TAG = /^@([^\s@#:\\]+)\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+[^<]*<[^>]*>(?:\s*#.*)?$/

/** The changes of a plan, in order, with the tags after each. Problems name `plan:line`. */
export function parsePlan(text: string, file: string, problems: DiscoveryProblem[]): PlanChange[] {
  const changes: PlanChange[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('%')) continue
    const tag = TAG.exec(line)
    if (tag) {
      if (!changes.length) problemAt(problems, file, i + 1, `tag @${tag[1]} before any change`)
      // a tag applies to the changes before it that are not reworked yet
      for (const c of changes) if (!changes.some((d) => d !== c && d.name === c.name && changes.indexOf(d) > changes.indexOf(c))) c.tags.push(tag[1]!)
      continue
    }
    const m = CHANGE.exec(line)
    if (!m) {
      problemAt(
        problems,
        file,
        i + 1,
        line.startsWith('-')
          ? 'a "-" (revert) entry: mig reads plans of changes to deploy only'
          : 'not a sqitch plan line (change [deps] timestamp planner <email> # note)',
      )
      continue
    }
    changes.push({ kind: 'change', name: m[1]!, depends: (m[2] ?? '').split(/\s+/).filter(Boolean), line: i + 1, tags: [] })
  }
  return changes
}

/**
 * Blank a script's own transaction lines (`BEGIN;` … `COMMIT;` or `ROLLBACK;`) so the change runs
 * in mig's transaction: `transaction` tells whether it had them. Without them sqitch runs the script
 * outside a transaction, and so does mig.
 */
export function ownTransaction(text: string): { text: string; transaction: boolean } {
  const lines = text.split('\n')
  const code = (l: string) => l.trim() !== '' && !l.trim().startsWith('--')
  const first = lines.findIndex(code)
  let last = lines.length - 1
  while (last >= 0 && !code(lines[last]!)) last--
  if (first < 0 || first === last) return { text, transaction: false }
  if (!/^\s*(BEGIN|START\s+TRANSACTION)(\s+(TRANSACTION|WORK))?\s*;\s*$/i.test(lines[first]!)) return { text, transaction: false }
  if (!/^\s*(COMMIT|ROLLBACK|END)(\s+(TRANSACTION|WORK))?\s*;?\s*$/i.test(lines[last]!)) return { text, transaction: false }
  lines[first] = ''
  lines[last] = ''
  return { text: lines.join('\n'), transaction: true }
}

/** A sqitch project folder (`format = "sqitch"`): `sqitch.plan` with `deploy/`, `revert/`, `verify/` next to it. */
export const sqitchReader: FormatReader = (dir, options) => ({
  name: options.label,
  async load(problems) {
    const planFile = join(dir, 'sqitch.plan')
    const unreadable: DiscoveryProblem[] = []
    const text = readText(planFile, unreadable)
    if (text === undefined) {
      problems.push({ file: planFile, message: `${unreadable[0]!.message} (a sqitch project folder has sqitch.plan next to deploy/, revert/ and verify/)` })
      return []
    }
    const changes = parsePlan(text, planFile, problems)
    const out: Migration[] = []
    // versions of the instances of each change name so far, and of each change as of each tag
    const latest = new Map<string, string>()
    const atTag = new Map<string, string>()
    changes.forEach((c, index) => {
      const version = String(index + 1)
      const later = changes.slice(index + 1).some((d) => d.name === c.name)
      // sqitch's path_segments: a reworked change reads `<name>@<tag>.sql` for the first of its rework tags that exists
      const scriptName = later
        ? (c.tags.map((t) => `${c.name}@${t}`).find((n) => existsSync(join(dir, 'deploy', `${n}.sql`))) ?? `${c.name}@${c.tags[0] ?? '?'}`)
        : c.name
      const mig = baseMigration({
        id: `${version}_${scriptName}`,
        version,
        name: scriptName,
        kind: 'versioned',
        source: options.label,
        path: join(dir, 'deploy', `${scriptName}.sql`),
      })
      mig.toolId = c.name
      for (const dep of c.depends) {
        if (dep.startsWith('!') || dep.includes(':')) continue // conflicts and other projects' changes are sqitch's own checks
        const v = dep.includes('@') ? atTag.get(dep) : latest.get(dep)
        if (v) mig.depends.push(v)
        else problemAt(problems, planFile, c.line, `"${c.name}" requires "${dep}", which no earlier change of the plan is`)
      }
      const script = (folder: string): { body: MigrationBody; transaction: boolean } | undefined => {
        const file = join(dir, folder, `${scriptName}.sql`)
        if (!existsSync(file)) return undefined
        const own = ownTransaction(readText(file, problems) ?? '')
        return { body: textBody(file, 1, own.text), transaction: own.transaction }
      }
      const deploy = script('deploy')
      if (!deploy) problemAt(problems, planFile, c.line, `change "${c.name}" has no deploy script ${join('deploy', `${scriptName}.sql`)}`)
      else {
        mig.up = deploy.body
        mig.transaction = deploy.transaction
      }
      mig.down = script('revert')?.body ?? null
      mig.verify = script('verify')?.body ?? null
      latest.set(c.name, version)
      for (const t of c.tags) atTag.set(`${c.name}@${t}`, version)
      out.push(mig)
    })
    return out
  },
})
