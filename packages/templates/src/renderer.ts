import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import {
  type Escaper,
  type ExternalSources,
  MigError,
  type Migration,
  type MigrationBody,
  type RenderContext,
  type Renderer,
  type S3Settings,
  type SqlDialect,
  SqlEscaper,
  type StreamedSql,
} from '@mig/core'
import { parse as parseToml } from 'smol-toml'
import { parse as parseYaml } from 'yaml'
import { compileTemplate, installRenderStack, toRenderError } from './compiler.js'
import { createEscaper } from './create-escaper.js'
import { type CsvInsert, csvInsertMarker, csvInsertOptions, streamedRender } from './csv-stream.js'
import { type CsvOptions, parseCsv } from './data-formats.js'
import { PinError, TemplatePathError, TemplateRenderError } from './errors.js'
import { commandKey, ExternalData, urlKey } from './external-data.js'
import { existingLockFile, type Lock, lockPathFor, readLock } from './lock-file.js'
import { type NjkEnvironment, nunjucks } from './nunjucks-internals.js'
import { getObject, objectPath } from './object-store.js'
import {
  checkRealPath,
  isFile,
  type ProjectOptions,
  type ProjectPaths,
  projectPaths,
  projectRelative,
  resolveComponent,
  resolveDataPath,
} from './project-paths.js'
import { SecretMask } from './secret-mask.js'
import { uuidV4, uuidV7 } from './uuid.js'

/**
 * When templates render from pinned components: `auto` (default) when the migration has a lock,
 * `always` (a migration without a lock is an error), `never` (always the working tree).
 */
export type PinMode = 'auto' | 'always' | 'never'

/** A template filter or function given by a plugin. */
export type TemplateFunction = (...args: never[]) => unknown

/** Options of {@link createRenderer}. */
export interface RendererOptions extends ProjectOptions {
  /**
   * The driver's dialect object (`driver.dialect`): values and names are written as it spells them.
   * Or an {@link Escaper} of your own.
   */
  dialect: SqlDialect | Escaper
  /**
   * The connection reads a backslash in a string literal as an escape: the driver's
   * `capabilities.backslashEscapes` (MySQL follows the server's `sql_mode`, known once connected).
   * A function is asked at each render (`() => driver.capabilities.backslashEscapes`); undefined
   * means the dialect's default (MySQL: on).
   */
  backslashEscapes?: boolean | (() => boolean | undefined)
  /** `vars` in templates (see {@link loadVars}). Default `{}`. */
  vars?: Record<string, unknown>
  /** `env` in templates: the target's env (`dev`, `production`). */
  env?: string
  /** `target` in templates: the target's name. */
  target?: string
  /** When to render from pinned components. Default `auto`. */
  pinned?: PinMode
  /** Where `secret("NAME")` reads. Default `process.env`. */
  environment?: Record<string, string | undefined>
  /** Extra filters (plugins). A filter returning a string is escaped as a literal unless marked with {@link raw}. */
  filters?: Record<string, TemplateFunction>
  /** Extra global functions and values (plugins). */
  globals?: Record<string, unknown>
  /** `[sources]` of mig.toml: what `read_url` and `read_command` may read. Default: nothing. */
  external?: ExternalSources
  /** `[s3]` of mig.toml: how `csv_insert("s3://…")` reaches the store. */
  s3?: S3Settings
}

/** Options of one render. */
export interface RenderOptions {
  /** The migration rendered (for `migration` in templates and its lock). */
  migration?: Migration
  direction?: RenderContext['direction']
  /** The tenant a tenant part renders for: `tenant.name` and `tenant.schema` in templates. */
  tenant?: RenderContext['tenant']
  /** `vars` of this render instead of the renderer's (a tenant's variables merged over the target's). */
  vars?: Record<string, unknown>
  /** Override the renderer's {@link PinMode} for this render. */
  pinned?: PinMode
  /** 1-based line of the file where `source` starts (sections of single-file migrations). */
  line?: number
  /** Receives every component and data file loaded from the working tree: project-relative path → bytes. */
  record?: Map<string, Buffer>
  /** Functions and values for this render only, over the built-in ones (SQL tests' seeded `uuid_v4`). */
  globals?: Record<string, unknown>
}

/** What a render used. */
interface Source {
  lock?: { file: string; lock: Lock; migration: string }
  record?: Map<string, Buffer>
  /** `csv_insert` calls of the render, in order (their markers are in the output). */
  inserts?: CsvInsert[]
}

/** Mark a string as SQL that must not be escaped (what `| raw` does), for plugin filters. */
export function raw(sql: string): unknown {
  return new nunjucks.runtime.SafeString(sql)
}

const isSafe = (v: unknown) => v instanceof nunjucks.runtime.SafeString
const RELATIVE = '\0rel\0'

/**
 * Renders `.njk` migrations, scripts and tests with nunjucks: components from `components/`
 * (or from the pin store when pinned), every `{{ value }}` escaped as a SQL literal for the dialect.
 * Create one per run with {@link createRenderer}; pass {@link TemplateRenderer.render} to
 * `createMigrator({ render })`.
 */
export class TemplateRenderer {
  readonly paths: ProjectPaths
  private currentEscaper: Escaper
  readonly secrets = new SecretMask()
  /** The Renderer function core expects (`createMigrator({ render: renderer.render })`). */
  readonly render: Renderer
  private readonly external: ExternalData
  /** Names the `csv_insert` markers of this renderer's output. */
  private readonly nonce = randomBytes(6).toString('hex')
  /** The `csv_insert` calls of the last {@link renderSource}. */
  private lastInserts: CsvInsert[] = []

  constructor(readonly options: RendererOptions) {
    this.paths = projectPaths(options)
    this.external = new ExternalData(options.external, this.paths.root)
    const mode = options.backslashEscapes
    this.currentEscaper = createEscaper(options.dialect, { backslashEscapes: typeof mode === 'function' ? mode() : mode })
    this.render = (body, context) => this.renderBody(body, context)
  }

  /** How values are written as SQL for this dialect. */
  get escaper(): Escaper {
    const mode = this.options.backslashEscapes
    if (typeof mode === 'function') {
      const on = mode()
      if (on !== undefined) this.setBackslashEscapes(on)
    }
    return this.currentEscaper
  }

  /**
   * Tell the renderer how the connection reads backslashes once it is known (MySQL, after
   * connecting: `@@sql_mode` without `NO_BACKSLASH_ESCAPES` is on). Later renders escape for that
   * mode. No effect with an {@link Escaper} of your own.
   */
  setBackslashEscapes(on: boolean): void {
    const e = this.currentEscaper
    if (e instanceof SqlEscaper && e.backslashEscapes !== on) this.currentEscaper = new SqlEscaper(e.sqlDialect, { backslashEscapes: on })
  }

  /** Mask every secret read so far (`***`). Pass to core as `redact` and apply to anything printed. */
  maskSecrets(text: string): string {
    return this.secrets.mask(text)
  }

  /** Render a migration body (what core calls). */
  async renderBody(body: MigrationBody, context: RenderContext): Promise<string | StreamedSql> {
    const src = await body.read()
    const pinned: PinMode | undefined = context.pinned === false ? 'never' : undefined
    const options = { migration: context.migration, direction: context.direction, tenant: context.tenant, vars: context.vars, pinned, line: body.line }
    const { out, inserts } = await this.renderResolved(src, body.file, options)
    return inserts.length ? streamedRender(out, inserts, this.nonce, this.escaper) : out
  }

  /** {@link renderSource} with what its `read_url` / `read_command` calls read fetched, and its `csv_insert` calls. */
  private async renderResolved(source: string, file: string, options: RenderOptions): Promise<{ out: string; inserts: CsvInsert[] }> {
    let inserts: CsvInsert[] = []
    const out = await this.external.resolving(() => {
      const text = this.renderSource(source, file, options)
      inserts = this.lastInserts
      return text
    })
    return { out, inserts }
  }

  /** The whole text of a render (its `csv_insert` statements written out), for build output and scripts. */
  private async whole(source: string, file: string, options: RenderOptions): Promise<string> {
    const { out, inserts } = await this.renderResolved(source, file, options)
    if (!inserts.length) return out
    let text = ''
    for await (const c of streamedRender(out, inserts, this.nonce, this.escaper).stream()) text += c
    return text
  }

  /**
   * Render one body of a migration (`mig build`). `pinned` overrides the renderer's mode.
   * Throws when the migration has no such body; a plain `.sql` body is returned as it is.
   */
  async renderMigration(
    migration: Migration,
    options: { direction?: 'up' | 'down' | 'verify'; pinned?: PinMode; tenant?: RenderContext['tenant'] } = {},
  ): Promise<string> {
    const direction = options.direction ?? 'up'
    const body = migration[direction]
    if (!body) throw new MigError(`${migration.id} has no ${direction} script`)
    if (!body.template) return body.read()
    const src = await body.read()
    return this.whole(src, body.file, { migration, direction, pinned: options.pinned, tenant: options.tenant, line: body.line })
  }

  /** Render a template file that is not a migration (`mig run` scripts, tests). */
  async renderFile(file: string, options: RenderOptions = {}): Promise<string> {
    const src = await readFile(file, 'utf8')
    return this.whole(src, file, options)
  }

  /**
   * Render template text. `file` names it in errors (absolute, or relative to the project root).
   * Synchronous: a template calling `read_url` / `read_command` renders through the async methods
   * ({@link renderBody}, {@link renderMigration}, {@link renderFile}), which fetch what it reads.
   */
  renderSource(source: string, file: string, options: RenderOptions = {}): string {
    const name = projectRelative(this.paths, resolveFrom(this.paths.root, file))
    const src = this.source(options)
    src.inserts = []
    this.lastInserts = src.inserts
    const env = this.environment(src)
    const context = {
      ...(this.options.globals ?? {}),
      ...(options.globals ?? {}),
      vars: options.vars ?? this.options.vars ?? {},
      env: this.options.env,
      target: this.options.target,
      dialect: this.escaper.dialect,
      migration: options.migration
        ? { id: options.migration.id, version: options.migration.version, name: options.migration.name, kind: options.migration.kind }
        : undefined,
      direction: options.direction,
      tenant: options.tenant,
    }
    const hint = src.lock
      ? `rendered from pinned components (${projectRelative(this.paths, src.lock.file)}); build with --no-pinned to use the working tree`
      : undefined
    try {
      const tmpl = new nunjucks.Template({ type: 'code', obj: compileTemplate(source, name, env) }, env, name)
      // With a callback nunjucks does not rethrow from inside nested templates' callbacks (which
      // would re-enter their catch blocks and report the error twice).
      let failure: unknown
      let output: string | undefined
      tmpl.render(context, new nunjucks.runtime.Frame(), (err, res) => {
        if (err) failure ??= err
        else output ??= res
      })
      if (failure !== undefined) throw failure
      if (output === undefined) throw new MigError(`${name}: the template did not finish rendering (an asynchronous filter?)`)
      return output
    } catch (err) {
      const notFound = (n: string) =>
        src.lock
          ? `component "${n}" is not pinned in ${projectRelative(this.paths, src.lock.file)}`
          : `component "${n}" not found in ${projectRelative(this.paths, this.paths.components)}/`
      const e = toRenderError(err, name, { hint, notFound })
      if (e instanceof TemplateRenderError && (options.line ?? 1) > 1) throw shiftLines(e, name, (options.line ?? 1) - 1)
      throw e
    }
  }

  /**
   * The components and data files the migration's templates load from the working tree
   * (project-relative path → bytes), rendering every template body with the current variables.
   */
  async loadedFiles(migration: Migration): Promise<Map<string, Buffer>> {
    const record = new Map<string, Buffer>()
    const bodies = (['up', 'down', 'verify'] as const).filter((d) => migration[d]?.template)
    if (!bodies.length) throw new PinError(`${migration.id} has no template (.njk) body: there is nothing to pin`, { migration: migration.id })
    for (const d of bodies) {
      const body = migration[d]!
      const src = await body.read()
      await this.renderResolved(src, body.file, { migration, direction: d, pinned: 'never', record, line: body.line })
    }
    return record
  }

  private source(options: RenderOptions): Source {
    const mode = options.pinned ?? this.options.pinned ?? 'auto'
    const m = options.migration
    if (mode === 'never' || !m) {
      if (mode === 'always' && !m) throw new PinError('a pinned render needs a migration')
      return { record: options.record }
    }
    const file = existingLockFile(m)
    if (!file) {
      if (mode === 'always') {
        throw new PinError(`${m.id} is not pinned (no ${projectRelative(this.paths, lockPathFor(m))})`, {
          migration: m.id,
          hint: `run mig pin ${m.version}, or build with --no-pinned`,
        })
      }
      return { record: options.record }
    }
    return { lock: { file, lock: readLock(file), migration: m.id } }
  }

  private environment(src: Source): NjkEnvironment {
    const self = this
    const loader = {
      async: false,
      cache: {},
      isRelative: (f: string) => f.startsWith('./') || f.startsWith('../'),
      resolve: (parent: string, f: string) => `${RELATIVE}${parent}\0${f}`,
      getSource(name: string) {
        let parent: string | undefined
        let written = name
        if (name.startsWith(RELATIVE)) [parent, written] = name.slice(RELATIVE.length).split('\0') as [string, string]
        const found = self.loadComponent(src, written, parent)
        if (!found) return null
        return { src: { type: 'code', obj: compileTemplate(found.bytes.toString('utf8'), found.rel, env) }, path: found.rel, noCache: true }
      },
    }
    const env = new nunjucks.Environment([loader], {
      autoescape: false,
      throwOnUndefined: false,
      dev: true,
      trimBlocks: true,
      lstripBlocks: true,
    }) as NjkEnvironment
    const escaper = this.escaper
    installRenderStack(env)
    // `{{ tenant }}` where `--var tenant=...` was given: the value is there, under vars.
    const vars = this.options.vars ?? {}
    const varsHint = (name: string) => (Object.hasOwn(vars, name) ? { hint: `variables live under vars.: write {{ vars.${name} }}` } : undefined)
    env.migOutput = (value: unknown, desc: string, type: string) => {
      if (value === undefined)
        throw new MigError(type === 'Symbol' || type === 'LookupVal' ? `undefined variable ${desc}` : `${desc} is undefined`, varsHint(desc))
      if (isSafe(value)) return String(value)
      return escaper.literal(value)
    }
    // The expression a filter is applied to, for "undefined variable" messages (set at each call).
    let subject = 'value'
    env.migFilter = (name: string, desc: string) => {
      const f = env.getFilter(name) as (...args: unknown[]) => unknown
      return {
        call(context: unknown, ...args: unknown[]) {
          subject = desc
          return f.apply(context, args)
        },
      }
    }
    const need = (filter: string, v: unknown) => {
      if (v === undefined) throw new MigError(`undefined variable ${subject} (in | ${filter})`, varsHint(subject))
      return isSafe(v) ? String(v) : v
    }
    env.addFilter('ident', ((v: unknown) => raw(escaper.identifier(need('ident', v) as string | string[]))) as never)
    env.addFilter('literal', ((v: unknown) => raw(escaper.literal(need('literal', v)))) as never)
    env.addFilter('raw', ((v: unknown) => raw(String(need('raw', v)))) as never)
    env.addFilter('json', ((v: unknown) => raw(escaper.string(JSON.stringify(need('json', v))))) as never)
    for (const [k, f] of Object.entries(this.options.filters ?? {})) env.addFilter(k, f)
    const text = (p: string) => this.readData(src, p).toString('utf8')
    const parseWith = (kind: string, p: string, parse: (t: string) => unknown) => {
      const t = text(p)
      try {
        return parse(t)
      } catch (err) {
        throw new MigError(`${kind}("${p}"): ${(err as Error).message.split('\n')[0]}`)
      }
    }
    env.addGlobal('uuid_v4', uuidV4)
    env.addGlobal('uuid_v7', () => uuidV7())
    env.addGlobal('read_file', (p: string) => text(p))
    env.addGlobal('read_json', (p: string) => parseWith('read_json', p, JSON.parse))
    env.addGlobal('read_toml', (p: string) => parseWith('read_toml', p, parseToml))
    env.addGlobal('read_yaml', (p: string) => parseWith('read_yaml', p, parseYaml))
    env.addGlobal('read_csv', (p: string, opts?: CsvOptions) => parseWith('read_csv', p, (t) => parseCsv(t, opts ?? {})))
    env.addGlobal('secret', (name: string) => this.secret(name))
    env.addGlobal('csv_insert', (p: string, table: unknown, options?: unknown) => {
      const file = typeof p === 'string' && p.startsWith('s3://') ? p : this.dataFile(src, p)
      const insert: CsvInsert = { file, s3: this.options.s3, written: p, table: String(table), options: csvInsertOptions(table, options) }
      src.inserts!.push(insert)
      return raw(csvInsertMarker(src.inserts!.length - 1, this.nonce))
    })
    // external data: pinned like a data file, under a key naming what was read
    const external = (key: string, read: () => Buffer) => {
      if (src.lock) return this.pinnedBytes(src.lock, key, 'external data').toString('utf8')
      const bytes = read()
      src.record?.set(key, bytes)
      return bytes.toString('utf8')
    }
    env.addGlobal('read_url', (url: string) => external(urlKey(String(url)), () => this.external.url(url)))
    env.addGlobal('read_command', (name: string, args?: unknown) =>
      external(commandKey(String(name), Array.isArray(args) ? args.map(String) : []), () => this.external.command(name, args)),
    )
    return env
  }

  private secret(name: string): string {
    if (typeof name !== 'string' || !name) throw new MigError('secret() takes the name of an environment variable')
    const value = (this.options.environment ?? process.env)[name]
    if (value === undefined) throw new MigError(`secret("${name}"): the environment variable ${name} is not set`, { hint: `export ${name}=...` })
    const lit = this.escaper.string(value)
    const inner = /^E?'([\s\S]*)'$/.exec(lit)?.[1]
    this.secrets.add(value, ...(inner && inner !== value ? [inner] : []))
    return value
  }

  /** A component's bytes, or null when it does not exist (nunjucks then honours `ignore missing`). */
  private loadComponent(src: Source, written: string, parent: string | undefined): { rel: string; bytes: Buffer } | null {
    if (src.lock) {
      const { lock, migration } = src.lock
      const r = resolveComponent(this.paths, written, parent, (rel) => rel in lock.components)
      return r && { rel: r.rel, bytes: getObject(this.paths.pinned, lock.components[r.rel]!, r.rel, migration) }
    }
    const r = resolveComponent(this.paths, written, parent, (_rel, f) => isFile(f))
    if (!r) return null
    checkRealPath(this.paths, r.file, written, 'include')
    const bytes = readFileSync(r.file)
    src.record?.set(r.rel, bytes)
    return { rel: r.rel, bytes }
  }

  /** Bytes of a data file or external read (`key` in the lock) from the pin store. */
  private pinnedBytes(pinned: NonNullable<Source['lock']>, key: string, what: string): Buffer {
    return getObject(this.paths.pinned, this.pinnedHash(pinned, key, what), key, pinned.migration)
  }

  /**
   * A data file to stream (`csv_insert`): its path in the working tree, or its pinned object's.
   * Recorded for `mig pin` like any data file.
   */
  private dataFile(src: Source, written: string): string {
    if (typeof written !== 'string') throw new MigError('csv_insert takes a path relative to the project root')
    const r = resolveDataPath(this.paths, written)
    if (src.lock) {
      const hash = this.pinnedHash(src.lock, r.rel, 'data file')
      const file = objectPath(this.paths.pinned, hash)
      if (!existsSync(file)) getObject(this.paths.pinned, hash, r.rel, src.lock.migration)
      return file
    }
    if (!isFile(r.file)) throw new TemplatePathError(written, `file "${written}" not found in the project folder`)
    checkRealPath(this.paths, r.file, written, 'file')
    src.record?.set(r.rel, readFileSync(r.file))
    return r.file
  }

  private pinnedHash(pinned: NonNullable<Source['lock']>, key: string, what: string): string {
    const { lock, file, migration } = pinned
    const hash = lock.components[key]
    if (!hash) {
      throw new PinError(`${what} "${key}" is not pinned in ${projectRelative(this.paths, file)}`, {
        migration,
        component: key,
        hint: `re-run mig pin ${migration} if the migration really changed`,
      })
    }
    return hash
  }

  private readData(src: Source, written: string): Buffer {
    if (typeof written !== 'string') throw new MigError('file helpers take a path relative to the project root')
    const r = resolveDataPath(this.paths, written)
    if (src.lock) return this.pinnedBytes(src.lock, r.rel, 'data file')
    if (!isFile(r.file)) throw new TemplatePathError(written, `file "${written}" not found in the project folder`)
    checkRealPath(this.paths, r.file, written, 'file')
    const bytes = readFileSync(r.file)
    src.record?.set(r.rel, bytes)
    return bytes
  }
}

function resolveFrom(root: string, file: string): string {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) ? file : `${root}/${file}`
}

/** Shift lines of frames in `name` (a section that starts further down its file). */
function shiftLines(e: TemplateRenderError, name: string, by: number): TemplateRenderError {
  const shift = <T extends { template: string; line?: number }>(f: T): T => (f.template === name && f.line ? { ...f, line: f.line + by } : f)
  const at = shift({ template: e.template, line: e.line, column: e.column })
  return new TemplateRenderError({ ...at, chain: e.chain.map(shift), reason: e.reason, cause: e.cause, hint: e.hint })
}

/**
 * Create a renderer for a run.
 *
 * @example
 * const renderer = createRenderer({ root: config.root, dialect: driver.dialect, backslashEscapes: () => driver.capabilities.backslashEscapes, vars })
 * const migrator = createMigrator({ driver, sources, render: renderer.render, redact: (t) => renderer.maskSecrets(t) })
 */
export function createRenderer(options: RendererOptions): TemplateRenderer {
  return new TemplateRenderer(options)
}
