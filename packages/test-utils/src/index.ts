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

/** Create a temporary project folder with the given files. */
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

/** A random lower-case name for a test database. */
export function randomName(prefix = 'mig_test'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
}

export type { DialectName, TestDialect } from './dialects.js'
export {
  ALL_DIALECTS,
  MYSQL_ADMIN_URL,
  mysqlAdmin,
  mysqlDialectForTests,
  PG_ADMIN_URL,
  pgAdmin,
  postgresDialectForTests,
  sqliteDialectForTests,
  testDialects,
} from './dialects.js'
export * from './sqldef.js'
export * from './schema-cases.js'
