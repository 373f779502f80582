import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { directory, discover, ProjectError } from '../src/index.js'

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

/** A temporary folder with these files, removed after the test. (Core cannot use @mig/test-utils: it depends on core.) */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mig-core-'))
  dirs.push(dir)
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  return dir
}

/** The problems discovery reports for a folder, as `file (relative): message`; empty when it is valid. */
export async function problemsOf(dir: string, ignore?: string[]): Promise<string[]> {
  try {
    await discover([directory(dir, { ignore })])
  } catch (err) {
    expect(err).toBeInstanceOf(ProjectError)
    return (err as ProjectError).problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.message}`)
  }
  return []
}
