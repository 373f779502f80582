import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { discover, matchFolders, ProjectError, projectSources, resolvePackage } from '../src/index.js'
import { tempProject } from '../src/testing/index.js'

/** A temporary folder with these files, removed after the test. */
function project(files: Record<string, string>): string {
  const p = tempProject(files)
  onTestFinished(p.cleanup)
  return p.dir
}

describe('project sources', () => {
  it('resolves packages through parent node_modules, with mig.migrations or migrations/', () => {
    const root = project({
      'node_modules/@acme/auth/package.json': '{"name":"@acme/auth","mig":{"migrations":["sql/a","sql/b"]}}',
      'node_modules/plain/package.json': '{"name":"plain"}',
      'app/package.json': '{}',
    })
    expect(resolvePackage('@acme/auth', join(root, 'app'))).toEqual({
      name: '@acme/auth',
      root: join(root, 'node_modules/@acme/auth'),
      folders: [join(root, 'node_modules/@acme/auth/sql/a'), join(root, 'node_modules/@acme/auth/sql/b')],
    })
    expect(resolvePackage('plain', join(root, 'app'))!.folders).toEqual([join(root, 'node_modules/plain/migrations')])
    expect(resolvePackage('nope', join(root, 'app'))).toBeUndefined()
  })

  it('matches folders with globs, skipping node_modules and dot folders', () => {
    const root = project({
      'modules/a/migrations/1_a.sql': '',
      'modules/b/migrations/2_b.sql': '',
      'modules/c/other/3.sql': '',
      'node_modules/x/migrations/9.sql': '',
      'deep/x/y/migrations/4_d.sql': '',
    })
    expect(matchFolders('modules/*/migrations', root).map((f) => f.slice(root.length + 1))).toEqual(['modules/a/migrations', 'modules/b/migrations'])
    expect(matchFolders('**/migrations', root).map((f) => f.slice(root.length + 1))).toEqual([
      'deep/x/y/migrations',
      'modules/a/migrations',
      'modules/b/migrations',
    ])
  })

  it('picks folder, package or pattern per entry and labels each migration by its source', async () => {
    const root = project({
      'migrations/3_app.sql': 'SELECT 1;',
      'node_modules/@acme/auth/package.json': '{"name":"@acme/auth"}',
      'node_modules/@acme/auth/migrations/1_auth.sql': 'SELECT 1;',
      'node_modules/shared/package.json': '{"name":"shared","mig":{"migrations":"db"}}',
      'node_modules/shared/db/2_shared.sql': 'SELECT 1;',
      'mods/x/migrations/4_x.sql': 'SELECT 1;',
    })
    const ms = await discover(projectSources(['migrations', '@acme/auth', 'shared', 'mods/*/migrations'], { root }))
    expect(ms.map((m) => `${m.id}@${m.source}`)).toEqual(['1_auth@@acme/auth', '2_shared@shared', '3_app@migrations', '4_x@mods/x/migrations'])
  })

  it('a package that is not installed is a problem naming it', async () => {
    const root = project({ 'migrations/1_a.sql': '' })
    const err = await discover(projectSources(['migrations', '@acme/missing'], { root })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProjectError)
    expect((err as ProjectError).problems).toEqual([
      {
        file: '@acme/missing',
        message: `package @acme/missing is not installed (looked in node_modules from ${root}); install it or fix migrations = [...] in mig.toml`,
      },
    ])
  })
})
