import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createMigrator, directory, discover, type Migration } from '@mig/core'
import { sqliteDialect } from '@mig/driver-sqlite'
import { type TempProject, tempProject } from '@mig/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  checkPinPolicy,
  componentsStatus,
  createRenderer,
  findMigration,
  objectPath,
  PinError,
  pin,
  pinCheckout,
  pinDiff,
  pinReport,
  pinValidate,
  readLock,
  sha256,
  TemplateRenderError,
  unpinnedTemplates,
} from '../src/index.js'

let p: TempProject
beforeEach(() => {
  p = tempProject({
    'components/views/users.sql.njk': 'CREATE VIEW active_users AS SELECT * FROM users WHERE {% include "filters/active.sql" %};\n',
    'components/filters/active.sql': 'active = TRUE',
    'components/unused.sql': 'SELECT 1;',
    'data/seed.csv': 'id,name\n1,a\n',
    'migrations/20240101000000_views/up.sql.njk':
      '{% include "views/users.sql" %}\n{% for r in read_csv("data/seed.csv") %}INSERT INTO users VALUES ({{ r.id | raw }}, {{ r.name }});\n{% endfor %}',
    'migrations/20240101000000_views/down.sql': 'DROP VIEW active_users;',
    'migrations/20240102000000_flat.sql.njk': '-- mig:up\n{% include "filters/active.sql" %}\n-- mig:down\nSELECT 2;\n',
    'migrations/20240103000000_plain.sql': 'SELECT 3;',
  })
})
afterEach(() => p.cleanup())

const renderer = () => createRenderer({ root: p.dir, dialect: sqliteDialect })
const migrations = () => discover([directory(p.path('migrations'))])
const byId = async (id: string) => findMigration(await migrations(), id)

describe('pin', () => {
  it('records every component and data file loaded, stores objects by sha256 and writes lock.toml', async () => {
    const m = await byId('20240101000000')
    const r = await pin(renderer(), m)
    expect(r.lockFile).toBe(p.path('migrations/20240101000000_views/lock.toml'))
    const expected = {
      'components/filters/active.sql': sha256('active = TRUE'),
      'components/views/users.sql.njk': sha256(readFileSync(p.path('components/views/users.sql.njk'))),
      'data/seed.csv': sha256('id,name\n1,a\n'),
    }
    expect(r.components).toEqual(expected)
    expect(readLock(r.lockFile).components).toEqual(expected)
    expect(r.lockWritten).toBe(true)
    expect(r.objectsWritten.sort()).toEqual(Object.values(expected).sort())
    for (const h of Object.values(expected)) {
      const file = objectPath(p.path('pinned'), h)
      expect(file).toBe(p.path('pinned', h.slice(0, 2), h.slice(2)))
      expect(sha256(readFileSync(file))).toBe(h)
    }
    // the new lock is picked up by discovery
    expect((await byId('20240101000000')).lockFile).toBe(r.lockFile)
  })

  it('is a no-op the second time, and stores shared objects once', async () => {
    const first = await pin(renderer(), await byId('20240101000000'))
    const before = readFileSync(first.lockFile, 'utf8')
    const again = await pin(renderer(), await byId('20240101000000'))
    expect(again.lockWritten).toBe(false)
    expect(again.objectsWritten).toEqual([])
    expect(readFileSync(first.lockFile, 'utf8')).toBe(before)
    const flat = await pin(renderer(), await byId('20240102000000'))
    expect(flat.components).toEqual({ 'components/filters/active.sql': sha256('active = TRUE') })
    expect(flat.objectsWritten).toEqual([])
  })

  it('writes <version>_<name>.lock.toml next to a flat-file migration, which discovery finds', async () => {
    const r = await pin(renderer(), await byId('20240102000000'))
    expect(r.lockFile).toBe(p.path('migrations/20240102000000_flat.lock.toml'))
    const m = await byId('20240102000000')
    expect(m.lockFile).toBe(r.lockFile)
    expect((await migrations()).length).toBe(3)
  })

  it('refuses a migration without templates', async () => {
    await expect(pin(renderer(), await byId('20240103000000'))).rejects.toThrow(PinError)
  })
})

describe('pinned render', () => {
  it('round trip: pin, edit a component, pinned build unchanged, unpinned build changed', async () => {
    const m = await byId('20240101000000')
    const before = await renderer().renderMigration(m)
    await pin(renderer(), m)
    writeFileSync(p.path('components/filters/active.sql'), 'deleted_at IS NULL')
    writeFileSync(p.path('data/seed.csv'), 'id,name\n2,b\n')
    const pinned = await byId('20240101000000')
    expect(await renderer().renderMigration(pinned)).toBe(before)
    expect(await renderer().renderMigration(pinned, { pinned: 'always' })).toBe(before)
    const live = await renderer().renderMigration(pinned, { pinned: 'never' })
    expect(live).not.toBe(before)
    expect(live).toContain('deleted_at IS NULL')
    expect(live).toContain("(2, 'b')")
  })

  it('names a missing or corrupt object, and a component missing from the lock', async () => {
    const r = await pin(renderer(), await byId('20240101000000'))
    const m = await byId('20240101000000')
    const h = r.components['components/filters/active.sql']!
    writeFileSync(objectPath(p.path('pinned'), h), 'tampered')
    const corrupt = await renderer()
      .renderMigration(m)
      .catch((e: unknown) => e as TemplateRenderError)
    expect(corrupt).toBeInstanceOf(TemplateRenderError)
    expect((corrupt as Error).message).toMatch(/components\/filters\/active\.sql.*corrupt/)
    rmSync(objectPath(p.path('pinned'), h))
    const missing = await renderer()
      .renderMigration(m)
      .catch((e: unknown) => e as TemplateRenderError)
    expect((missing as Error).message).toContain(`pinned object ${h} (components/filters/active.sql) is missing`)
    expect(((missing as TemplateRenderError).cause as PinError).hash).toBe(h)
    // a template that now includes a component the lock does not have
    // discovery reads a migration file once per run, so discover again after editing it
    writeFileSync(p.path('migrations/20240101000000_views/up.sql.njk'), '{% include "unused.sql" %}')
    const notPinned = await renderer()
      .renderMigration(await byId('20240101000000'))
      .catch((e: unknown) => e as TemplateRenderError)
    expect((notPinned as Error).message).toMatch(/component "unused.sql" is not pinned in migrations\/20240101000000_views\/lock.toml/)
    p.write({ 'data/other.csv': 'a\n1\n', 'migrations/20240101000000_views/up.sql.njk': '{{ read_csv("data/other.csv") | length }}' })
    const dataNotPinned = await renderer()
      .renderMigration(await byId('20240101000000'))
      .catch((e: unknown) => e as TemplateRenderError)
    expect((dataNotPinned as Error).message).toMatch(/data file "data\/other.csv" is not pinned in migrations\/20240101000000_views\/lock.toml/)
    expect(await renderer().renderMigration(await byId('20240101000000'), { pinned: 'never' })).toBe('1')
  })

  it('pinned: always refuses a migration without a lock', async () => {
    await expect(renderer().renderMigration(await byId('20240102000000'), { pinned: 'always' })).rejects.toThrow(/is not pinned/)
  })

  it('up renders pinned by default when a lock exists', async () => {
    const { sqlite } = await import('@mig/driver-sqlite')
    p.write({ 'components/value.sql': "'pinned'", 'migrations/20240101000000_views/up.sql.njk': 'CREATE TABLE t (x text DEFAULT {% include "value.sql" %});' })
    await pin(renderer(), await byId('20240101000000'))
    writeFileSync(p.path('components/value.sql'), "'changed'")
    const r = renderer()
    const migrator = createMigrator({ driver: sqlite({ url: `sqlite:${p.path('db.sqlite')}` }), sources: [directory(p.path('migrations'))], render: r.render })
    try {
      const result = await migrator.up({ to: '20240101000000' })
      expect(result.error).toBeUndefined()
      expect(result.ok).toBe(true)
      await migrator.driver.query('INSERT INTO t DEFAULT VALUES')
      expect(await migrator.driver.query('SELECT x FROM t')).toEqual([{ x: 'pinned' }])
      // the working tree differs: an unpinned render would have used 'changed'
      expect(await r.renderMigration(await byId('20240101000000'), { pinned: 'never' })).toContain("'changed'")
    } finally {
      await migrator.close()
    }
  })
})

describe('pin tools', () => {
  async function twoPins(): Promise<{ m1: Migration; m2: Migration; oldHash: string; newHash: string }> {
    p.write({ 'migrations/20240104000000_again/up.sql.njk': '{% include "views/users.sql" %}' })
    await pin(renderer(), await byId('20240101000000'))
    writeFileSync(p.path('components/filters/active.sql'), 'deleted_at IS NULL')
    await pin(renderer(), await byId('20240104000000'))
    return { m1: await byId('20240101000000'), m2: await byId('20240104000000'), oldHash: sha256('active = TRUE'), newHash: sha256('deleted_at IS NULL') }
  }

  it('checkout writes the pinned files of a migration, or one object by hash prefix', async () => {
    const { m1, oldHash } = await twoPins()
    const to = p.path('out')
    const res = await pinCheckout({ root: p.dir, migrations: await migrations(), what: m1, to })
    expect(res.dir).toBe(to)
    expect(res.files.map((f) => f.path).sort()).toEqual(['components/filters/active.sql', 'components/views/users.sql.njk', 'data/seed.csv'])
    expect(readFileSync(join(to, 'components/filters/active.sql'), 'utf8')).toBe('active = TRUE')
    expect(readFileSync(p.path('components/filters/active.sql'), 'utf8')).toBe('deleted_at IS NULL')
    const one = await pinCheckout({ root: p.dir, migrations: await migrations(), what: oldHash.slice(0, 8) })
    expect(one.files).toEqual([{ path: 'components/filters/active.sql', hash: oldHash }])
    expect(readFileSync(join(one.dir, 'components/filters/active.sql'), 'utf8')).toBe('active = TRUE')
    rmSync(one.dir, { recursive: true })
    await expect(pinCheckout({ root: p.dir, migrations: [], what: 'ffffffffff' })).rejects.toThrow(/no pinned object/)
  })

  it('diff shows a unified diff of components between two pins', async () => {
    const { m1, m2, oldHash, newHash } = await twoPins()
    const d = pinDiff({ root: p.dir, from: m1, to: m2 })
    expect(d.files).toEqual([
      { path: 'components/filters/active.sql', status: 'changed', from: oldHash, to: newHash },
      { path: 'data/seed.csv', status: 'removed', from: sha256('id,name\n1,a\n') },
    ])
    expect(d.patch).toContain('--- a/components/filters/active.sql')
    expect(d.patch).toContain('+++ b/components/filters/active.sql')
    expect(d.patch).toContain('-active = TRUE')
    expect(d.patch).toContain('+deleted_at IS NULL')
    expect(d.patch).toContain('+++ /dev/null')
    expect(pinDiff({ root: p.dir, from: m1, to: m1 })).toEqual({ files: [], patch: '' })
  })

  it('report lists objects no lock references and deletes them on request', async () => {
    const { m1 } = await twoPins()
    let report = await pinReport({ root: p.dir, migrations: await migrations() })
    expect(report.unused).toEqual([])
    expect(report.objects).toBe(4)
    rmSync(m1.lockFile!)
    report = await pinReport({ root: p.dir, migrations: await migrations() })
    expect(report.unused.map((u) => u.hash).sort()).toEqual([sha256('active = TRUE'), sha256('id,name\n1,a\n')].sort())
    expect(report.deleted).toEqual([])
    const del = await pinReport({ root: p.dir, migrations: await migrations(), delete: true })
    expect(del.deleted.length).toBe(2)
    for (const u of del.unused) expect(existsSync(u.file)).toBe(false)
    expect((await pinReport({ root: p.dir, migrations: await migrations() })).objects).toBe(2)
    expect(readdirSync(p.path('pinned')).length).toBe(2)
  })

  it('validate checks every referenced object exists and hashes to its name', async () => {
    const { newHash } = await twoPins()
    const ok = pinValidate({ root: p.dir, migrations: await migrations() })
    expect(ok).toEqual({ ok: true, locks: 2, objects: 4, problems: [] })
    writeFileSync(objectPath(p.path('pinned'), newHash), 'x')
    rmSync(objectPath(p.path('pinned'), sha256('id,name\n1,a\n')))
    const bad = pinValidate({ root: p.dir, migrations: await migrations() })
    expect(bad.ok).toBe(false)
    expect(bad.problems.map((x) => [x.migration, x.component])).toEqual([
      ['20240101000000_views', 'data/seed.csv'],
      ['20240104000000_again', 'components/filters/active.sql'],
    ])
    expect(bad.problems[1]!.message).toMatch(/corrupt/)
    writeFileSync(p.path('migrations/20240101000000_views/lock.toml'), 'nope = 1\n')
    expect(pinValidate({ root: p.dir, migrations: await migrations() }).problems[0]!.message).toMatch(/unknown key "nope"/)
  })

  it('components status lists components whose current content no lock has', async () => {
    await pin(renderer(), await byId('20240101000000'))
    writeFileSync(p.path('components/filters/active.sql'), 'deleted_at IS NULL')
    const status = componentsStatus({ root: p.dir, migrations: await migrations() })
    expect(status.map((s) => [s.path, s.status])).toEqual([
      ['components/filters/active.sql', 'changed'],
      ['components/unused.sql', 'unpinned'],
      ['components/views/users.sql.njk', 'pinned'],
    ])
    expect(status[2]!.pinnedBy).toEqual(['20240101000000_views'])
  })
})

describe('pin policy', () => {
  it('finds unpinned templated migrations and decides per policy', async () => {
    await pin(renderer(), await byId('20240101000000'))
    const all = await migrations()
    expect(unpinnedTemplates(all).map((m) => m.id)).toEqual(['20240102000000_flat'])
    expect(checkPinPolicy('none', all)).toEqual({ action: 'ok', unpinned: [] })
    const prompt = checkPinPolicy('prompt', all)
    expect(prompt.action).toBe('prompt')
    expect(prompt.message).toMatch(/20240102000000_flat/)
    const required = checkPinPolicy('required', all)
    expect(required.action).toBe('refuse')
    expect(required.message).toMatch(/pins = "required"/)
    await pin(renderer(), await byId('20240102000000'))
    expect(checkPinPolicy('required', await migrations()).action).toBe('ok')
  })
})
