import { expect, onTestFinished } from 'vitest'
import { directory, discover, ProjectError } from '../src/index.js'
import { tempProject } from '../src/testing/index.js'

/** A temporary folder with these files, removed after the test. */
export function project(files: Record<string, string>): string {
  const p = tempProject(files)
  onTestFinished(p.cleanup)
  return p.dir
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
