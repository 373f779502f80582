import { describe, expect, it } from 'vitest'
import { directory, discover } from '../src/index.js'
import { problemsOf, project } from './temp-project.js'

describe('discovery of shared and tenant parts', () => {
  it('reads the tenant part of every form', async () => {
    const dir = project({
      '1_flat.up.sql': 'CREATE TABLE shared_a (id int);',
      '1_flat.down.sql': 'DROP TABLE shared_a;',
      '1_flat.tenant.up.sql': 'CREATE TABLE a (id int);',
      '1_flat.tenant.down.sql': 'DROP TABLE a;',
      '2_only_tenant.tenant.up.sql.njk': 'CREATE TABLE b (id int); -- {{ tenant.name }}',
      '3_folder/up.sql': 'CREATE TABLE shared_c (id int);',
      '3_folder/tenant.up.sql.njk': 'CREATE TABLE c (id int);',
      '3_folder/tenant.down.sql': 'DROP TABLE c;',
      '4_folder_tenant_only/tenant.up.sql': 'CREATE TABLE d (id int);',
      '5_single.sql':
        '-- mig:up\nCREATE TABLE shared_e (id int);\n-- mig:down\nDROP TABLE shared_e;\n-- mig:tenant-up\nCREATE TABLE e (id int);\n-- mig:tenant-down\nDROP TABLE e;\n',
      '6_scope.sql': '-- mig:scope tenant\nCREATE TABLE f (id int);\n',
      '7_scope_sections.sql': '-- mig:scope tenant\n-- mig:up\nCREATE TABLE g (id int);\n-- mig:down\nDROP TABLE g;\n',
      '8_shared.sql': 'CREATE TABLE shared_h (id int);',
    })
    const ms = await discover([directory(dir)])
    const by = new Map(ms.map((m) => [m.version, m]))
    const text = async (v: string, part: 'up' | 'down' | 'tenantUp' | 'tenantDown') => (await by.get(v)![part]?.read())?.trim()
    expect(await text('1', 'up')).toBe('CREATE TABLE shared_a (id int);')
    expect(await text('1', 'down')).toBe('DROP TABLE shared_a;')
    expect(await text('1', 'tenantUp')).toBe('CREATE TABLE a (id int);')
    expect(await text('1', 'tenantDown')).toBe('DROP TABLE a;')
    expect(by.get('2')!.id).toBe('2_only_tenant')
    expect(await text('2', 'up')).toBe('')
    expect(by.get('2')!.tenantUp!.template).toBe(true)
    expect(await text('3', 'up')).toBe('CREATE TABLE shared_c (id int);')
    expect(by.get('3')!.tenantUp!.template).toBe(true)
    expect(await text('3', 'tenantDown')).toBe('DROP TABLE c;')
    expect(await text('4', 'up')).toBe('')
    expect(await text('4', 'tenantUp')).toBe('CREATE TABLE d (id int);')
    expect(await text('5', 'up')).toContain('CREATE TABLE shared_e')
    expect(await text('5', 'up')).not.toContain('CREATE TABLE e ')
    expect(await text('5', 'down')).toBe('DROP TABLE shared_e;')
    expect(await text('5', 'tenantUp')).toBe('CREATE TABLE e (id int);')
    expect(by.get('5')!.tenantUp!.line).toBe(6)
    expect(await text('5', 'tenantDown')).toBe('DROP TABLE e;')
    expect(await text('6', 'up')).toBe('')
    expect(await text('6', 'tenantUp')).toContain('CREATE TABLE f (id int);')
    expect(by.get('6')!.scope).toBe('tenant')
    expect(await text('7', 'tenantUp')).toContain('CREATE TABLE g (id int);')
    expect(await text('7', 'tenantDown')).toBe('DROP TABLE g;')
    expect(by.get('7')!.down).toBeNull()
    expect(by.get('8')!.tenantUp).toBeNull()
  })

  it('refuses a tenant down without its tenant up', async () => {
    const dir = project({
      '1_a.up.sql': 'SELECT 1;',
      '1_a.tenant.down.sql': 'SELECT 2;',
      '2_b/up.sql': 'SELECT 1;',
      '2_b/tenant.down.sql': 'SELECT 2;',
      '3_c.sql': '-- mig:up\nSELECT 1;\n-- mig:tenant-down\nSELECT 2;\n',
    })
    const problems = (await problemsOf(dir)).sort()
    expect(problems).toEqual([
      expect.stringMatching(/^1_a\.tenant\.down\.sql: tenant down migration without its tenant up/),
      expect.stringMatching(/^2_b\/tenant\.down\.sql: tenant\.down\.sql without tenant\.up\.sql/),
      expect.stringMatching(/^3_c\.sql: line 3: -- mig:tenant-down without -- mig:tenant-up/),
    ])
  })

  it('refuses a tenant part given twice', async () => {
    const dir = project({
      '1_a.sql': '-- mig:up\nSELECT 1;\n-- mig:tenant-up\nSELECT 2;\n',
      '1_a.tenant.up.sql': 'SELECT 3;',
      '2_b.sql': '-- mig:scope tenant\n-- mig:tenant-up\nSELECT 2;\n',
      '3_c.sql': '-- mig:tenant-up\nSELECT 1;\n-- mig:tenant-up\nSELECT 2;\n',
    })
    const problems = (await problemsOf(dir)).sort()
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/1_a\.tenant\.up\.sql: .*already has a -- mig:tenant-up section/)
    expect(problems[1]).toMatch(/^2_b\.sql: scope tenant makes the whole file a tenant part/)
    expect(problems[2]).toMatch(/^3_c\.sql: line 3: unexpected "-- mig:tenant-up" marker/)
  })
})
