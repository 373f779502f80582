import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, redactUrl, resolveTarget } from '../src/index.js'

function problems(text: string): string[] {
  try {
    parseConfig(text, '/p/mig.toml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).message.split('\n')
  }
  return []
}

describe('config', () => {
  it('parses targets and defaults', () => {
    const c = parseConfig(
      'migrations = ["db/migrations"]\nhistory_table = "audit.migs"\n[targets.dev]\nurl = "sqlite:./dev.db"\nenv = "dev"\npins = "required"\n',
      '/p/mig.toml',
    )
    expect(c.migrations).toEqual(['db/migrations'])
    expect(c.historyTable).toBe('audit.migs')
    expect(c.targets.dev).toEqual({ name: 'dev', url: 'sqlite:./dev.db', env: 'dev', pins: 'required' })
  })
  it('reads plugins: a list of module names or paths (none by default)', () => {
    expect(parseConfig('plugins = ["mig-plugin-x", "./tools/p.js"]\n', '/p/mig.toml').plugins).toEqual(['mig-plugin-x', './tools/p.js'])
    expect(parseConfig('plugins = "mig-plugin-x"\n', '/p/mig.toml').plugins).toEqual(['mig-plugin-x'])
    expect(parseConfig('', '/p/mig.toml').plugins).toBeUndefined()
    expect(problems('plugins = [1]\n')).toEqual(['/p/mig.toml:1: plugins: must be a string or a list of strings'])
    expect(problems('plugins = [""]\n')).toEqual(['/p/mig.toml:1: plugins: must not name an empty plugin'])
  })
  it('reads [s3] and [sources]; refuses bad values and unknown keys', () => {
    const c = parseConfig(
      '[s3]\nendpoint = "http://127.0.0.1:9000"\nforce_path_style = true\n[sources]\nallow_urls = ["https://data.example.com/v1/"]\nallow_commands = ["gen"]\n',
      '/p/mig.toml',
    )
    expect(c.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })
    expect(c.sources).toEqual({ allowUrls: ['https://data.example.com/v1/'], allowCommands: ['gen'] })
    expect(parseConfig('', '/p/mig.toml').sources).toBeUndefined()
    expect(problems('[s3]\nendpoint = "127.0.0.1"\nforce_path_style = "yes"\n[sources]\nallow_urls = ["https://example.com"]\nallow_command = []\n')).toEqual([
      '/p/mig.toml:2: s3.endpoint: must be an http:// or https:// URL',
      '/p/mig.toml:3: s3.force_path_style: must be true or false',
      '/p/mig.toml:5: sources.allow_urls: "https://example.com" must be a URL prefix with a path: http(s)://host/ (a prefix without "/" after the host would also allow other hosts)',
      '/p/mig.toml:6: sources.allow_command: unknown key (known: allow_urls, allow_commands); did you mean "allow_commands"?',
    ])
  })
  it('names every unknown key with file and line', () => {
    expect(problems('migrations = "m"\ncolour = 1\n[targets.dev]\nurll = "x"\npins = "sometimes"\n')).toEqual([
      '/p/mig.toml:2: colour: unknown key (known: migrations, ignore, history_table, default_target, targets, components, lock_timeout, hooks, plugins, tenants, flatten, s3, sources)',
      '/p/mig.toml:4: targets.dev.urll: unknown key (known: url, env, vars, pins, shadow_url); did you mean "url"?',
      '/p/mig.toml:5: targets.dev.pins: must be "none", "prompt" or "required"',
    ])
  })
  it('suggests the known key a typo was meant to be (edit distance, or a key it starts)', () => {
    expect(problems('histroy_table = "x"\nlock = "3s"\n[hooks]\nbefore_upp = "true"\n[targets.dev]\nshadowUrl = "x"\n')).toEqual([
      expect.stringMatching(/:1: histroy_table: unknown key \(known: .*\); did you mean "history_table"\?$/),
      expect.stringMatching(/:2: lock: unknown key \(known: .*\); did you mean "lock_timeout"\?$/),
      expect.stringMatching(/:4: hooks\.before_upp: unknown key \(known: .*\); did you mean "before_up"\?$/),
      expect.stringMatching(/:6: targets\.dev\.shadowUrl: unknown key \(known: .*\); did you mean "shadow_url"\?$/),
    ])
    expect(problems('zebra = 1\n')[0]).not.toContain('did you mean')
  })
  it('reports invalid TOML with its line', () => {
    expect(problems('migrations = [\n"a"\nhistory_table = \n')[0]).toMatch(/^\/p\/mig\.toml:\d+:\d+: invalid TOML/)
  })
  it('picks the URL: --database, DATABASE_URL, target, default (as written: drivers resolve relative paths)', () => {
    const c = parseConfig('[targets.dev]\nurl = "${DEV_URL}"\nenv = "dev"\n[targets.prod]\nurl = "postgres://u:p@h/db"\nenv = "production"\n', '/p/mig.toml')
    expect(resolveTarget(c, { database: 'sqlite::memory:', env: { DATABASE_URL: 'x:' } }).url).toBe('sqlite::memory:')
    expect(resolveTarget(c, { env: { DATABASE_URL: 'mysql://h/db' } }).urlSource).toBe('DATABASE_URL')
    expect(resolveTarget(c, { env: { DEV_URL: 'sqlite:./a.db' } }).url).toBe('sqlite:./a.db')
    expect(resolveTarget(c, { target: 'prod', env: {} })).toMatchObject({ url: 'postgres://u:p@h/db', env: 'production' })
    expect(() => resolveTarget(c, { env: {} })).toThrow(/targets\.dev\.url: uses \$\{DEV_URL\}, which is not set/)
    expect(() => resolveTarget(c, { target: 'staging', env: {} })).toThrow(/targets\.staging: no such target/)
    expect(resolveTarget(parseConfig('', '/p/mig.toml'), { env: {} })).toMatchObject({ url: 'sqlite:./dev.db', urlSource: 'default', env: 'dev' })
  })
})

describe('redactUrl', () => {
  it('masks the password after user: and in a password= query parameter', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app')
    expect(redactUrl('error at postgres://db/app?sslmode=require&password=s3cret&x=1 now')).toBe(
      'error at postgres://db/app?sslmode=require&password=***&x=1 now',
    )
    expect(redactUrl('mysql://root@db/app')).toBe('mysql://root@db/app')
  })
})

describe('[tenants]', () => {
  it('reads schema and vars (resolved against the project) and names every problem', () => {
    const cfg = parseConfig('[tenants]\nschema = "tenant_{name}"\nvars = "vars/tenants/{name}.toml"\n', '/p/mig.toml')
    expect(cfg.tenants).toEqual({ schema: 'tenant_{name}', vars: '/p/vars/tenants/{name}.toml' })
    expect(parseConfig('migrations = "m"\n', '/p/mig.toml').tenants).toBeUndefined()
    let err: ConfigError | undefined
    try {
      parseConfig('[tenants]\nschema = "tenants"\nvars = 3\nshards = 2\n', '/p/mig.toml')
    } catch (e) {
      err = e as ConfigError
    }
    expect(err?.problems.map((p) => `${p.key}: ${p.message}`).sort()).toEqual([
      'tenants.schema: must be a string containing {name}, e.g. "tenant_{name}"',
      'tenants.shards: unknown key (known: schema, vars)',
      'tenants.vars: must be a string containing {name}, e.g. "tenant_{name}"',
    ])
  })
})
