import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A temporary project folder; `cleanup()` removes it. */
export interface TempProject {
  dir: string
  /** Write files relative to the project (folders are created). */
  write(files: Record<string, string>): void
  path(...parts: string[]): string
  cleanup(): void
}

/**
 * Create a temporary project folder (under the system's temp folder) with the given files, for
 * tests of migrations, sources and configs.
 *
 * @example
 * const p = tempProject({ 'migrations/1_init.sql': 'CREATE TABLE t (id int);' })
 * try { ... directory(p.path('migrations')) ... } finally { p.cleanup() }
 */
export function tempProject(files: Record<string, string> = {}): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'mig-test-'))
  const project: TempProject = {
    dir,
    write(more) {
      for (const [rel, content] of Object.entries(more)) {
        const file = join(dir, rel)
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, content)
      }
    },
    path: (...parts) => join(dir, ...parts),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
  project.write(files)
  return project
}
