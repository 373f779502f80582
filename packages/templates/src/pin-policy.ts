import type { Migration, PinPolicy } from '@mig/core'
import { existingLockFile } from './lock-file.js'

/** True when any body of the migration is a template (`.njk`). */
export function isTemplated(migration: Migration): boolean {
  return Boolean(migration.up?.template || migration.down?.template || migration.verify?.template)
}

/** Templated migrations that have no lock file. */
export function unpinnedTemplates(migrations: readonly Migration[]): Migration[] {
  return migrations.filter((m) => isTemplated(m) && !existingLockFile(m))
}

/** What the CLI must do before applying, under a target's `pins` policy. */
export interface PinPolicyDecision {
  /** `ok`: go on; `prompt`: ask (on a TTY) or refuse unless --yes; `refuse`: stop. */
  action: 'ok' | 'prompt' | 'refuse'
  /** The templated migrations about to run without a lock. */
  unpinned: Migration[]
  /** A sentence for the user, when action is not `ok`. */
  message?: string
}

/**
 * Check migrations about to be applied against the target's pin policy
 * (`pins = "none" | "prompt" | "required"`). The CLI prompts; this only decides.
 *
 * @example
 * const d = checkPinPolicy(target.pins, pending)
 * if (d.action === 'refuse' || (d.action === 'prompt' && !(await confirm(d.message)))) exit(1)
 */
export function checkPinPolicy(policy: PinPolicy, migrations: readonly Migration[]): PinPolicyDecision {
  const unpinned = policy === 'none' ? [] : unpinnedTemplates(migrations)
  if (!unpinned.length) return { action: 'ok', unpinned }
  const ids = unpinned.map((m) => m.id).join(', ')
  const noun = unpinned.length === 1 ? 'templated migration is' : 'templated migrations are'
  if (policy === 'required')
    return { action: 'refuse', unpinned, message: `${unpinned.length} ${noun} not pinned: ${ids} (this target has pins = "required"; run mig pin <migration>)` }
  return { action: 'prompt', unpinned, message: `${unpinned.length} ${noun} not pinned: ${ids}. Apply anyway?` }
}
