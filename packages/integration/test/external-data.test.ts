import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { tempProject, testDialects, type TempProject } from '@mig/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'

/**
 * `read_url` and `read_command` through the built CLI: refused unless `[sources]` allows them,
 * errors naming the template line, pinned by `mig pin` so `--pinned` renders (and `up` applies)
 * the same after the URL's content and the command's output change or the server is gone.
 * The only server is one this file starts on 127.0.0.1; the only command is in the temp project.
 */
describe('external data in templates: read_url, read_command', () => {
  let server: Server
  let base: string
  const served: Record<string, string> = { '/data/regions.txt': 'north\nsouth\n' }
  const projects: TempProject[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served[req.url ?? '']
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' })
      res.end(body ?? 'not found')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    for (const p of projects) p.cleanup()
    if (server.listening) await new Promise((resolve) => server.close(resolve))
  })

  const template = (path = '/data/regions.txt') =>
    [
      'CREATE TABLE regions (name VARCHAR(20));',
      `{% for r in read_url("${base}${path}").split("\\n") %}{% if r %}INSERT INTO regions (name) VALUES ({{ r }});`,
      '{% endif %}{% endfor %}',
      'INSERT INTO regions (name) VALUES ({{ read_command("./tools/gen.sh", ["one"]) | trim }});',
      '',
    ].join('\n')

  const project = (sources: string | undefined, path?: string) => {
    const p = tempProject({
      'mig.toml': `migrations = ["migrations"]\n${sources ?? ''}`,
      'migrations/001_seed.sql.njk': template(path),
      'tools/gen.sh': '#!/bin/sh\ncat "$(dirname "$0")/out.txt"\necho "-$1"\n',
      'tools/out.txt': 'gen',
    })
    chmodSync(p.path('tools/gen.sh'), 0o755)
    projects.push(p)
    return p
  }
  const allowAll = () => `[sources]\nallow_urls = ["${base}/data/"]\nallow_commands = ["./tools/gen.sh"]\n`
  const FIRST = "INSERT INTO regions (name) VALUES ('north');\nINSERT INTO regions (name) VALUES ('south');\nINSERT INTO regions (name) VALUES ('gen-one');"

  it('refused by default, and outside the allowed prefixes and commands; the error names the template line', async () => {
    const none = project(undefined)
    const r1 = await runMig(['build', '001'], none.dir)
    expect(r1.code).toBe(2)
    expect(r1.stderr).toContain(`migrations/001_seed.sql.njk:2:`)
    expect(r1.stderr).toContain(`read_url("${base}/data/regions.txt") is not allowed`)
    expect(r1.stderr).toContain('[sources] allow_urls')

    const urlOnly = project(`[sources]\nallow_urls = ["${base}/data/"]\n`)
    const r2 = await runMig(['build', '001'], urlOnly.dir)
    expect(r2.code).toBe(2)
    expect(r2.stderr).toContain('migrations/001_seed.sql.njk:4:')
    expect(r2.stderr).toContain('read_command("./tools/gen.sh") is not allowed')

    const otherPrefix = project(`[sources]\nallow_urls = ["${base}/other/"]\nallow_commands = ["./tools/gen.sh"]\n`)
    const r3 = await runMig(['build', '001'], otherPrefix.dir)
    expect(r3.code).toBe(2)
    expect(r3.stderr).toContain('is not allowed')

    const missing = project(allowAll(), '/data/missing.txt')
    const r4 = await runMig(['build', '001'], missing.dir)
    expect(r4.code).toBe(2)
    expect(r4.stderr).toContain(`migrations/001_seed.sql.njk:2:`)
    expect(r4.stderr).toContain(`read_url("${base}/data/missing.txt"): HTTP 404`)
  })

  it('allowed: renders; pinned in lock.toml and pinned/; --pinned renders the same after the sources change or disappear', async () => {
    const p = project(allowAll())
    const built = await runMig(['build', '001'], p.dir)
    expect(built.code, built.stderr).toBe(0)
    expect(built.stdout).toContain(FIRST)

    const pinned = await runMig(['pin', '001'], p.dir)
    expect(pinned.code, pinned.stderr).toBe(0)
    const lock = readFileSync(p.path('migrations/001_seed.lock.toml'), 'utf8')
    expect(lock).toContain(`"url:${base}/data/regions.txt" = "`)
    expect(lock).toContain('"command:./tools/gen.sh [\\"one\\"]" = "')
    expect(readdirSync(p.path('pinned'))).toHaveLength(2)

    // the sources change: the working tree renders the new data, the pinned render the old
    served['/data/regions.txt'] = 'east\n'
    p.write({ 'tools/out.txt': 'changed' })
    const fresh = await runMig(['build', '001', '--no-pinned'], p.dir)
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stdout).toContain("VALUES ('east')")
    expect(fresh.stdout).toContain("VALUES ('changed-one')")
    const again = await runMig(['build', '001', '--pinned'], p.dir)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toBe(built.stdout)

    // and disappear: no server, no command, and no permission any more
    await new Promise((resolve) => server.close(resolve))
    rmSync(p.path('tools'), { recursive: true })
    p.write({ 'mig.toml': 'migrations = ["migrations"]\n' })
    const gone = await runMig(['build', '001', '--pinned'], p.dir)
    expect(gone.code, gone.stderr).toBe(0)
    expect(gone.stdout).toBe(built.stdout)
    expect((await runMig(['pin', 'validate'], p.dir)).code).toBe(0)

    for (const dialect of testDialects()) {
      const url = await dialect.createDatabase()
      try {
        const up = await runMig(['up', '--database', url], p.dir)
        expect(up.code, up.stderr).toBe(0)
        await withDriver(dialect.name, url, async (d) => {
          expect((await d.query('SELECT name FROM regions ORDER BY name')).map((r) => r.name)).toEqual(['gen-one', 'north', 'south'])
        })
      } finally {
        await dialect.dropDatabase(url)
      }
    }

    // a pinned object lost: validate fails, naming it
    const dir = readdirSync(p.path('pinned'))[0]!
    rmSync(join(p.path('pinned'), dir), { recursive: true })
    const broken = await runMig(['pin', 'validate'], p.dir)
    expect(broken.code).toBe(1)
    expect(broken.stdout + broken.stderr).toMatch(/url:|command:/)
  })
})
