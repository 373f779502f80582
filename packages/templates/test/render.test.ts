import { symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Migration } from '@mig/core'
import { directory, discover } from '@mig/core'
import { type TempProject, tempProject } from '@mig/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mysqlDialect } from '@mig/driver-mysql'
import { postgresDialect } from '@mig/driver-postgres'
import { sqliteDialect } from '@mig/driver-sqlite'
import { createRenderer, loadVars, parseVarAssignments, type RendererOptions, TemplatePathError, TemplateRenderError, raw } from '../src/index.js'

let p: TempProject
beforeEach(() => {
  p = tempProject()
})
afterEach(() => p.cleanup())

const renderer = (o: Partial<RendererOptions> = {}) => createRenderer({ root: p.dir, dialect: postgresDialect, ...o })
const render = (src: string, o: Partial<RendererOptions> = {}, file = 'migrations/1_x/up.sql.njk') => renderer(o).renderSource(src, file)
function renderError(src: string, o: Partial<RendererOptions> = {}, file?: string): TemplateRenderError {
  try {
    render(src, o, file)
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateRenderError)
    return err as TemplateRenderError
  }
  throw new Error('expected a render error')
}

describe('escaping by default', () => {
  const vars = { name: "O'Brien \\ x", n: 7, flag: true, nothing: null, list: [1, 'a'], table: 'audit.users' }
  it('escapes every {{ value }} as a literal for the dialect', () => {
    const src = 'SELECT {{ vars.name }}, {{ vars.n }}, {{ vars.flag }}, {{ vars.nothing }}, {{ vars.list }};'
    expect(render(src, { vars })).toBe("SELECT E'O''Brien \\\\ x', 7, TRUE, NULL, ARRAY[1, 'a'];")
    expect(render(src, { vars, dialect: mysqlDialect })).toBe("SELECT 'O''Brien \\\\ x', 7, TRUE, NULL, 1, 'a';")
    expect(render(src, { vars, dialect: mysqlDialect, backslashEscapes: false })).toBe("SELECT 'O''Brien \\ x', 7, TRUE, NULL, 1, 'a';")
    expect(render(src, { vars, dialect: sqliteDialect })).toBe("SELECT 'O''Brien \\ x', 7, TRUE, NULL, 1, 'a';")
  })

  it('switches MySQL escaping once the server mode is known', () => {
    const r = renderer({ dialect: mysqlDialect, vars })
    expect(r.renderSource('{{ vars.name }}', 'x.sql.njk')).toBe("'O''Brien \\\\ x'")
    r.setBackslashEscapes(false)
    expect(r.renderSource('{{ vars.name }}', 'x.sql.njk')).toBe("'O''Brien \\ x'")
    // as the driver reports it: undefined before connecting, then the session's sql_mode
    let backslashEscapes: boolean | undefined
    const lazy = renderer({ dialect: mysqlDialect, vars, backslashEscapes: () => backslashEscapes })
    expect(lazy.renderSource('{{ vars.name }}', 'x.sql.njk')).toBe("'O''Brien \\\\ x'")
    backslashEscapes = false
    expect(lazy.renderSource('{{ vars.name }}', 'x.sql.njk')).toBe("'O''Brien \\ x'")
  })

  it('has | ident, | literal, | raw and | json filters', () => {
    const src = 'SELECT {{ vars.name | literal }} FROM {{ vars.table | ident }} WHERE {{ "x = 1" | raw }} AND j = {{ vars.list | json }};'
    expect(render(src, { vars })).toBe(`SELECT E'O''Brien \\\\ x' FROM "audit"."users" WHERE x = 1 AND j = '[1,"a"]';`)
    expect(render('{{ vars.table | ident }}', { vars, dialect: mysqlDialect })).toBe('`audit`.`users`')
    expect(render('{{ [vars.table] | ident }}', { vars, dialect: sqliteDialect })).toBe('"audit.users"')
  })

  it('escapes the result of other filters, but not macros or {% set %} blocks', () => {
    writeFileSync(p.path('x'), '')
    expect(render("{{ 'a' | upper }}")).toBe("'A'")
    expect(render('{% macro col(n) %}{{ n | ident }} text{% endmacro %}{{ col("c") }}')).toBe('"c" text')
    expect(render('{% set body %}SELECT {{ 1 }}{% endset %}{{ body }}')).toBe('SELECT 1')
    expect(render('{% for x in [1, 2] %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}')).toBe('1,2')
  })

  it('lets plugins add filters and globals; raw() marks plugin output as SQL', () => {
    const out = render('{{ "x" | shout }} {{ now_sql() }} {{ app }}', {
      filters: { shout: ((s: string) => `${s}!`) as never },
      globals: { now_sql: () => raw('now()'), app: 'mig' },
    })
    expect(out).toBe("'x!' now() 'mig'")
  })
})

describe('context', () => {
  it('exposes vars, env, target, dialect, migration and tenant', async () => {
    p.write({
      'migrations/20240101000000_users/up.sql.njk':
        '{{ env }} {{ target }} {{ dialect }} {{ migration.version }} {{ migration.name }} {{ tenant.name }} {{ tenant.schema | ident }} {{ vars.a }}',
    })
    const [m] = await discover([directory(p.path('migrations'))])
    const r = renderer({ vars: { a: 1 }, env: 'production', target: 'prod' })
    const out = await r.render(m!.up!, { migration: m!, direction: 'up', tenant: { name: 'acme', schema: 'tenant_acme' } })
    expect(out).toBe(`'production' 'prod' 'postgres' '20240101000000' 'users' 'acme' "tenant_acme" 1`)
    // a tenant's variables (merged over the target's by the caller) replace the renderer's for that render
    const tenantOut = await r.render(m!.up!, { migration: m!, direction: 'up', tenant: { name: 'b', schema: 'tenant_b' }, vars: { a: 2 } })
    expect(tenantOut).toBe(`'production' 'prod' 'postgres' '20240101000000' 'users' 'b' "tenant_b" 2`)
  })

  it('uses a plain .sql body byte for byte', async () => {
    const text = "-- {{ not a template }}\r\nSELECT 'x';\n"
    p.write({ 'migrations/20240101000000_plain.up.sql': text })
    const [m] = await discover([directory(p.path('migrations'))])
    expect(m!.up!.template).toBe(false)
    expect(await renderer().renderMigration(m!)).toBe(text)
  })
})

describe('undefined variables and template errors', () => {
  it('names the template, line, column and variable', () => {
    const e = renderError('SELECT 1;\nSELECT {{ vars.shcema }};', { vars: { schema: 'a' } })
    expect(e.template).toBe('migrations/1_x/up.sql.njk')
    expect(e.line).toBe(2)
    expect(e.column).toBe(11)
    expect(e.message).toBe('migrations/1_x/up.sql.njk:2:11: undefined variable vars.shcema')
    expect(renderError('{{ nope }}').message).toContain('undefined variable nope')
    expect(renderError('{{ "t" | ident }} {{ vars.x | ident }}').message).toBe('migrations/1_x/up.sql.njk:1:22: undefined variable vars.x (in | ident)')
    expect(renderError('{{ vars.a.b | default(vars.c) | ident }}', { vars: { a: {} } }).message).toMatch(
      /:1:4: undefined variable vars\.a\.b \| default \(in \| ident\)$/,
    )
  })

  it('a bare name that exists in vars gets the hint to write vars.<name>', () => {
    const hint = 'variables live under vars.: write {{ vars.tenant }}'
    expect(renderError('SELECT {{ tenant }};', { vars: { tenant: 'acme' } })).toMatchObject({
      message: expect.stringContaining('undefined variable tenant'),
      hint,
    })
    expect(renderError('SELECT {{ tenant | ident }};', { vars: { tenant: 'acme' } }).hint).toBe(hint)
    expect(renderError('SELECT {{ tenant }};', { vars: {} }).hint).toBeUndefined()
  })

  it('shows the including chain for an error in a nested component', () => {
    p.write({
      'components/outer.sql.njk': 'SELECT 1;\n{% include "views/inner.sql" %}\n',
      'components/views/inner.sql.njk': 'x\ny\n  {{ vars.missing }}\n',
    })
    const e = renderError('-- head\n\n{% include "outer.sql" %}')
    expect(e.template).toBe('components/views/inner.sql.njk')
    expect(e.line).toBe(3)
    expect(e.column).toBe(6)
    expect(e.chain).toEqual([
      { template: 'migrations/1_x/up.sql.njk', line: 3, column: 4 },
      { template: 'components/outer.sql.njk', line: 2, column: 4 },
    ])
    expect(e.message).toBe(
      'components/views/inner.sql.njk:3:6: undefined variable vars.missing\n  included from components/outer.sql.njk:2:4\n  included from migrations/1_x/up.sql.njk:3:4',
    )
  })

  it('attributes errors after an include, in imported macros and in extended layouts to the right template', () => {
    p.write({
      'components/a.sql.njk': 'A {% include "b.sql" %}',
      'components/b.sql': 'B',
      'components/macros.sql.njk': '{% macro bad() %}\nx {{ vars.in_macro }}\n{% endmacro %}',
      'components/layout.sql.njk': 'BEGIN;\n{% block body %}{% endblock %}\nCOMMIT;\n',
    })
    // nunjucks runs the rest of an including template inside the included one's frames
    const after = renderError('{% include "a.sql" %}\n{{ vars.after }}')
    expect([after.template, after.line, after.column, after.chain]).toEqual(['migrations/1_x/up.sql.njk', 2, 4, []])
    const macro = renderError('{% import "macros.sql" as m %}\n\n{{ m.bad() }}')
    expect([macro.template, macro.line, macro.column]).toEqual(['components/macros.sql.njk', 2, 6])
    expect(macro.chain).toEqual([{ template: 'migrations/1_x/up.sql.njk', line: 3, column: 4 }])
    const block = renderError('{% extends "layout.sql" %}{% block body %}\nSELECT {{ vars.nope }};{% endblock %}')
    expect([block.template, block.line, block.column]).toEqual(['migrations/1_x/up.sql.njk', 2, 11])
    expect(render('{% include "missing.sql" ignore missing %}ok')).toBe('ok')
  })

  it('reports syntax errors with line and column, in the root and in components', () => {
    const root = renderError('SELECT 1;\n{% if %}')
    expect(root.template).toBe('migrations/1_x/up.sql.njk')
    expect(root.line).toBe(2)
    expect(root.column).toBeGreaterThan(0)
    p.write({ 'components/bad.sql.njk': 'ok\n{{ a b }}\n' })
    const inner = renderError('x\n{% include "bad.sql" %}')
    expect(inner.template).toBe('components/bad.sql.njk')
    expect(inner.line).toBe(2)
    expect(inner.column).toBeGreaterThan(0)
    expect(inner.chain).toEqual([{ template: 'migrations/1_x/up.sql.njk', line: 2, column: 4 }])
  })

  it('counts lines from the start of a section in single-file migrations', async () => {
    p.write({ 'migrations/20240101000000_two.sql.njk': '-- mig:up\nSELECT 1;\n-- mig:down\nSELECT {{ oops }};\n' })
    const [m] = await discover([directory(p.path('migrations'))])
    const err = await renderer()
      .renderMigration(m!, { direction: 'down' })
      .catch((e: unknown) => e as TemplateRenderError)
    expect(err).toBeInstanceOf(TemplateRenderError)
    expect((err as TemplateRenderError).line).toBe(4)
  })
})

describe('includes and imports', () => {
  it('resolves from components/, relative names from the including component, and .njk optionally', () => {
    p.write({
      'components/views/a.sql.njk': 'A({% include "./b.sql" %})',
      'components/views/b.sql': 'B{{ 1 }}',
      'components/macros.sql.njk': '{% macro grant(role) %}GRANT SELECT TO {{ role | ident }};{% endmacro %}',
    })
    expect(render('{% include "views/a.sql" %}')).toBe('A(B1)')
    expect(render('{% import "macros.sql" as m %}{{ m.grant("app") }}')).toBe('GRANT SELECT TO "app";')
    expect(render('{% from "macros.sql.njk" import grant %}{{ grant("r") }}')).toBe('GRANT SELECT TO "r";')
  })

  it('refuses paths that leave components/ or the project', () => {
    p.write({ 'components/a.sql.njk': '{% include "../secret.sql" %}', 'secret.sql': 'x', 'migrations/x.sql': 'y' })
    const cases: [string, RegExp][] = [
      ['{% include "../secret.sql" %}', /leaves components\//],
      ['{% include "views/../../secret.sql" %}', /leaves components\//],
      ['{% include "a.sql" %}', /"\.\.\/secret\.sql" in components\/a\.sql\.njk leaves components\//],
      ['{% include "/etc/passwd" %}', /absolute paths are not allowed/],
      ['{% import "..\\\\secret.sql" as s %}', /use "\/"/],
      ['{% include "nope.sql" %}', /component "nope.sql" not found in components\//],
      ['{{ read_file("../outside.txt") }}', /leaves the project folder/],
      ['{{ read_file("/etc/passwd") }}', /absolute paths are not allowed/],
    ]
    for (const [src, re] of cases) {
      const e = renderError(src)
      expect(e.message, src).toMatch(re)
      if (!src.includes('nope')) expect(e.cause, src).toBeInstanceOf(TemplatePathError)
    }
  })

  it('refuses symlinks that point outside the project', () => {
    const outside = tempProject({ 'evil.sql': 'DROP TABLE users;', 'data.csv': 'a\n1\n' })
    try {
      p.write({ 'components/.keep': '', 'data/.keep': '' })
      symlinkSync(join(outside.dir, 'evil.sql'), p.path('components/evil.sql'))
      symlinkSync(outside.dir, p.path('components/linked'))
      symlinkSync(join(outside.dir, 'data.csv'), p.path('data/x.csv'))
      expect(renderError('{% include "evil.sql" %}').message).toMatch(/symlink to .* outside the project/)
      expect(renderError('{% include "linked/evil.sql" %}').message).toMatch(/outside the project/)
      expect(renderError('{{ read_csv("data/x.csv") }}').message).toMatch(/outside the project/)
      // a symlink inside the project is fine
      p.write({ 'shared/ok.sql': 'OK' })
      symlinkSync(p.path('shared/ok.sql'), p.path('components/ok.sql'))
      expect(render('{% include "ok.sql" %}')).toBe('OK')
    } finally {
      outside.cleanup()
    }
  })
})

describe('helpers', () => {
  it('uuid_v4 and uuid_v7', () => {
    const [a, b] = render('{{ uuid_v4() }} {{ uuid_v7() }}').split(' ')
    expect(a).toMatch(/^'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'$/)
    expect(b).toMatch(/^'[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'$/)
    const ms = Number.parseInt(b!.slice(1, 9) + b!.slice(10, 14), 16)
    expect(Math.abs(ms - Date.now())).toBeLessThan(10_000)
  })

  it('reads files under the project: text, JSON, TOML, YAML and CSV rows for loops', () => {
    p.write({
      'data/note.txt': "it's",
      'data/c.json': '{"k": [1, 2]}',
      'data/c.toml': 'name = "t"\n[db]\nport = 5432\n',
      'data/c.yaml': 'list:\n  - x\n  - y\n',
      'data/rows.csv': 'code,name\nFR,"France, the"\n"DE","Ger""many"\n',
    })
    expect(render('{{ read_file("data/note.txt") }} {{ read_file("data/note.txt") | raw }}')).toBe("'it''s' it's")
    expect(render('{{ read_json("data/c.json").k }} {{ read_toml("data/c.toml").db.port }} {{ read_yaml("data/c.yaml").list[1] }}')).toBe(
      "ARRAY[1, 2] 5432 'y'",
    )
    const sql = render('{% for r in read_csv("data/rows.csv") %}INSERT INTO c VALUES ({{ r.code }}, {{ r.name }});\n{% endfor %}', { dialect: sqliteDialect })
    expect(sql).toBe("INSERT INTO c VALUES ('FR', 'France, the');\nINSERT INTO c VALUES ('DE', 'Ger\"many');\n")
    expect(render('{% for r in read_csv("data/rows.csv", header=false) %}{{ r[0] | raw }};{% endfor %}')).toBe('code;FR;DE;')
    expect(renderError('{{ read_json("data/note.txt") }}').message).toMatch(/read_json\("data\/note.txt"\)/)
    expect(renderError('{{ read_file("data/none.txt") }}').message).toMatch(/not found/)
  })

  it('secret() reads the environment and can be masked everywhere', () => {
    const r = renderer({ environment: { DB_PASSWORD: "p'w\\d" } })
    const sql = r.renderSource("ALTER ROLE app PASSWORD {{ secret('DB_PASSWORD') }};", 'x.sql.njk')
    expect(sql).toBe("ALTER ROLE app PASSWORD E'p''w\\\\d';")
    expect(r.maskSecrets(sql)).toBe("ALTER ROLE app PASSWORD E'***';")
    expect(r.maskSecrets("error near p'w\\d")).toBe('error near ***')
    expect(() => r.renderSource('{{ secret("NOPE_NOT_SET") }}', 'x.sql.njk')).toThrow(/NOPE_NOT_SET is not set/)
  })
})

describe('variables', () => {
  it('loads JSON, TOML and YAML files and merges --var assignments', async () => {
    p.write({ 'vars/a.toml': 'schema = "app"\n[db]\nhost = "h"\nport = 1\n', 'vars/b.yaml': 'db:\n  port: 2\nflag: true\n', 'vars/c.json': '{"list": [1]}' })
    const vars = await loadVars({
      files: [p.path('vars/a.toml'), p.path('vars/b.yaml'), p.path('vars/c.json')],
      assignments: ['schema=other', 'db.user=u', 'n:=5'],
    })
    expect(vars).toEqual({ schema: 'other', db: { host: 'h', port: 2, user: 'u' }, flag: true, list: [1], n: 5 })
    expect(parseVarAssignments(['a=b=c'])).toEqual({ a: 'b=c' })
    expect(() => parseVarAssignments(['novalue'])).toThrow(/key=value/)
    await expect(loadVars({ files: [p.path('vars/none.toml')] })).rejects.toThrow(/cannot read variables file/)
    p.write({ 'vars/bad.ini': 'x' })
    await expect(loadVars({ files: [p.path('vars/bad.ini')] })).rejects.toThrow(/unknown variables format/)
  })
})

describe('a migration run with core', () => {
  it('renders templates in up, stores the SQL with secrets masked', async () => {
    const { sqlite } = await import('@mig/driver-sqlite')
    const { createMigrator } = await import('@mig/core')
    p.write({
      'components/table.sql.njk': 'CREATE TABLE {{ name | ident }} (id integer primary key, note text DEFAULT {{ vars.note }});',
      'migrations/20240101000000_t/up.sql.njk':
        '{% set name = vars.table %}{% include "table.sql" %}\nINSERT INTO {{ vars.table | ident }} (note) VALUES ({{ secret("TOKEN") }});',
    })
    const r = renderer({ dialect: sqliteDialect, vars: { table: 'my "t"', note: "n'1" }, environment: { TOKEN: 'tok-123' } })
    const migrator = createMigrator({
      driver: sqlite({ url: `sqlite:${p.path('db.sqlite')}` }),
      sources: [directory(p.path('migrations'))],
      render: r.render,
      redact: (t) => r.maskSecrets(t),
    })
    try {
      const result = await migrator.up()
      expect(result.ok).toBe(true)
      const rows = await migrator.driver.query('SELECT note FROM "my ""t"""')
      expect(rows).toEqual([{ note: 'tok-123' }])
      const log = await migrator.driver.query('SELECT sql_text FROM schema_migrations_log')
      expect(String(log[0]!.sql_text)).toContain("VALUES ('***')")
      expect(String(log[0]!.sql_text)).not.toContain('tok-123')
    } finally {
      await migrator.close()
    }
  })
})

export type { Migration }
void tmpdir
