import { describe, expect, it } from 'vitest'
import { directory, discover } from '../src/index.js'
import { problemsOf, project } from './temp-project.js'

describe('discovery', () => {
  it('reads flat, single-file, folder and repeatable forms in version order', async () => {
    const dir = project({
      '20240115120000_orders/up.sql': 'CREATE TABLE orders (id int);',
      '20240115120000_orders/down.sql': 'DROP TABLE orders;',
      '20240115120000_orders/meta.toml': 'depends = ["20240115100000"]\ndescription = "orders"\n',
      '20240115100000_create_users.up.sql': 'CREATE TABLE users (id int);',
      '20240115100000_create_users.down.sql': 'DROP TABLE users;',
      '20240115110000-add_email.sql': '-- mig:no-transaction\n-- mig:up\nALTER TABLE users ADD email text;\n-- mig:down\nALTER TABLE users DROP email;\n',
      'R__views.sql.njk': 'CREATE VIEW v AS SELECT 1;',
      '9_small.sql': 'SELECT 1;',
      'README.md': 'not a migration',
    })
    const ms = await discover([directory(dir)])
    expect(ms.map((m) => m.id)).toEqual(['9_small', '20240115100000_create_users', '20240115110000_add_email', '20240115120000_orders', 'R__views'])
    const [small, users, email, orders, views] = ms
    expect(small!.down).toBeNull()
    expect(await users!.down!.read()).toBe('DROP TABLE users;')
    expect(email!.transaction).toBe(false)
    expect(await email!.up!.read()).toContain('ALTER TABLE users ADD email text;')
    expect(await email!.up!.read()).not.toContain('DROP')
    expect(email!.down!.line).toBe(5)
    expect(await email!.down!.read()).toContain('ALTER TABLE users DROP email;')
    expect(orders!.depends).toEqual(['20240115100000'])
    expect(orders!.description).toBe('orders')
    expect(views!.kind).toBe('repeatable')
    expect(views!.up!.template).toBe(true)
    expect(users!.up!.template).toBe(false)
  })

  it('parses header directives', async () => {
    const dir = project({
      '0_z.sql': '',
      '2_b.sql': '',
      '1_a.sql': '-- mig:depends 0 2\n-- mig:draft\n-- mig:scope tenant\nSELECT 1;\n-- mig:depends 9 (not a header)\n',
    })
    const m = (await discover([directory(dir)])).find((x) => x.version === '1')
    expect(m!.depends).toEqual(['0', '2'])
    expect(m!.draft).toBe(true)
    expect(m!.scope).toBe('tenant')
  })

  it('names both files of a duplicate version', async () => {
    const dir = project({ '1_a.sql': 'SELECT 1;', '1_b.up.sql': 'SELECT 2;' })
    const problems = await problemsOf(dir)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/1_b\.up\.sql: version 1 is also used by .*1_a\.sql/)
  })

  it('rejects a down without its up', async () => {
    expect(await problemsOf(project({ '1_a.down.sql': 'x' }))).toEqual(['1_a.down.sql: down migration without its up (expected 1_a.up.sql next to it)'])
  })

  it('explains names that look like migrations but do not parse', async () => {
    const problems = await problemsOf(project({ '20240101.sql': 'x', '2024create.sql': 'x', 'users.sql': 'x', '1_a.up.txt': 'x', 'r__x.sql': 'x' }))
    expect(problems.sort()).toEqual([
      '1_a.up.txt: unknown extension: use .sql, .up.sql, .down.sql (and .njk for templates), or .ts/.mts/.js/.mjs for code migrations',
      '20240101.sql: missing a name after the version: use {version}_{name}.sql',
      '2024create.sql: the version must be followed by "_" or "-" and a name',
      'r__x.sql: repeatable migrations are named R__{name}.sql (capital R, two underscores)',
      'users.sql: SQL file without a version: name it {version}_{name}.sql (mig new <name> does this) or add it to ignore',
    ])
  })

  it('honours ignore patterns', async () => {
    expect(await problemsOf(project({ 'users.sql': 'x', 'drafts/1_x.sql': 'x' }), ['users.sql'])).toEqual([])
  })

  it('rejects unknown directives and bad meta.toml', async () => {
    const problems = await problemsOf(
      project({ '1_a.sql': '-- mig:transactional\nSELECT 1;', '2_b/up.sql': 'SELECT 1;', '2_b/meta.toml': 'draft = "yes"\ncolour = 1\n' }),
    )
    expect(problems).toEqual([
      '1_a.sql: line 1: unknown directive "-- mig:transactional" (known: no-transaction, depends, draft, scope, up, down, tenant-up, tenant-down, run, lint-ignore)',
      '2_b/meta.toml: draft must be true or false',
      '2_b/meta.toml: unknown key "colour" (known: depends, draft, transaction, scope, description)',
    ])
  })

  it('finds duplicate versions across sources', async () => {
    const a = project({ '1_a.sql': 'x' })
    const b = project({ '1_b.sql': 'x' })
    await expect(discover([directory(a), directory(b)])).rejects.toThrow(/version 1 is also used by/)
  })

  it('an empty migration is a valid no-op', async () => {
    const [m] = await discover([directory(project({ '1_empty.sql': '' }))])
    expect(await m!.up!.read()).toBe('')
  })
})

describe('lock files of flat-file migrations', () => {
  it('attaches {version}_{name}.lock.toml and R__{name}.lock.toml to their migration', async () => {
    const dir = project({
      '20240101000000_a.sql.njk': 'SELECT 1;',
      '20240101000000_a.lock.toml': '[components]\n',
      '20240102000000-b.up.sql.njk': 'SELECT 2;',
      '20240102000000-b.lock.toml': '[components]\n',
      'R__views.sql.njk': 'SELECT 3;',
      'R__views.lock.toml': '[components]\n',
      '20240103000000_c/up.sql.njk': 'SELECT 4;',
      '20240103000000_c/lock.toml': '[components]\n',
      '20240104000000_d.sql': 'SELECT 5;',
    })
    const ms = await discover([directory(dir)])
    expect(ms.map((m) => [m.id, m.lockFile?.slice(dir.length + 1)])).toEqual([
      ['20240101000000_a', '20240101000000_a.lock.toml'],
      ['20240102000000_b', '20240102000000-b.lock.toml'],
      ['20240103000000_c', '20240103000000_c/lock.toml'],
      ['20240104000000_d', undefined],
      ['R__views', 'R__views.lock.toml'],
    ])
  })

  it('reports a lock file without its migration', async () => {
    const dir = project({ '20240101000000_a.sql': 'SELECT 1;', '20240105000000_gone.lock.toml': '[components]\n' })
    expect(await problemsOf(dir)).toEqual([
      '20240105000000_gone.lock.toml: lock file without its migration (expected 20240105000000_gone.sql or 20240105000000_gone.up.sql next to it)',
    ])
  })
})

describe('reading files of every size', () => {
  const statement = "INSERT INTO t VALUES ('é');\n" // multi-byte, so a cut in the middle of a character would show
  const sized = (bytes: number) => {
    const n = Math.ceil(bytes / Buffer.byteLength(statement))
    return statement.repeat(n)
  }
  it('keeps the whole text of files under and over 64 KiB (up to 1 MiB), and reads larger ones again when they run', async () => {
    const small = '-- mig:no-transaction\n' + sized(1000)
    const exact = 'x'.repeat(64 * 1024) // exactly the first read's size
    const medium = '-- mig:draft\n' + sized(300 * 1024)
    const large = '-- mig:depends 1\n' + sized(2 * 1024 * 1024)
    const dir = project({
      '1_small.sql': small,
      '2_exact.sql': exact,
      '3_medium.sql': medium,
      '4_large.up.sql': large,
      '5_single.sql': `-- mig:up\n${sized(100 * 1024)}-- mig:down\nDROP TABLE t;\n`,
    })
    const [a, b, c, d, e] = await discover([directory(dir)])
    expect(a!.transaction).toBe(false)
    expect(await a!.up!.read()).toBe(small)
    expect(await b!.up!.read()).toBe(exact)
    expect(c!.draft).toBe(true)
    expect(await c!.up!.read()).toBe(medium)
    expect(d!.depends).toEqual(['1'])
    expect(await d!.up!.read()).toBe(large)
    expect(await e!.down!.read()).toBe('DROP TABLE t;\n')
    // line 1 is -- mig:up, then the statements, then -- mig:down; the down body starts after it
    expect(e!.down!.line).toBe(Math.ceil((100 * 1024) / Buffer.byteLength(statement)) + 3)
  })
  it('refuses a single-file migration with sections over 1 MiB', async () => {
    const dir = project({ '1_huge.sql': `-- mig:up\n${sized(1100 * 1024)}-- mig:down\nDROP TABLE t;\n` })
    expect(await problemsOf(dir)).toEqual([expect.stringMatching(/^1_huge.sql: single-file migrations .* must be under 1 MiB/)])
  })
})
