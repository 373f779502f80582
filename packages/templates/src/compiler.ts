/**
 * mig's nunjucks compiler: the stock compiler with three changes.
 * - Every `{{ value }}` goes through `env.migOutput`, which escapes it as a SQL literal for the dialect
 *   (unless it is marked safe by `| raw`, `| ident`, a macro or a block capture) and refuses `undefined`,
 *   naming the expression.
 * - Line and column are tracked 1-based at outputs, filters, calls and includes, so a runtime error
 *   points at the right place.
 * - A render stack (see {@link RenderStack}) tracks which template and line is running, to report
 *   the template, line, column and including chain of an error.
 */
import { TemplateRenderError, type TemplateFrame } from './errors.js'
import { type NjkCompiler, type NjkEnvironment, type NjkNode, type NjkTemplateError, nunjucks, transformer } from './nunjucks-internals.js'

const { Compiler } = nunjucks.compiler
const { TemplateError } = nunjucks.lib

/** A readable name for an expression node, for "undefined variable" messages. */
export function describeNode(node: NjkNode | undefined): string {
  if (!node) return 'expression'
  switch (node.typename) {
    case 'Symbol':
      return String(node.value)
    case 'Literal':
      return JSON.stringify(node.value)
    case 'LookupVal': {
      const target = describeNode(node.target)
      const v = node.val
      if (v?.typename === 'Literal' && typeof v.value === 'string')
        return /^[A-Za-z_$][\w$]*$/.test(v.value) ? `${target}.${v.value}` : `${target}[${JSON.stringify(v.value)}]`
      if (v?.typename === 'Literal') return `${target}[${String(v.value)}]`
      return `${target}[${describeNode(v)}]`
    }
    case 'FunCall':
      return `${describeNode(node.name)}(...)`
    case 'Filter':
      return `${describeNode(node.args?.children?.[0])} | ${describeNode(node.name)}`
    default:
      return 'expression'
  }
}

/** The leftmost node of an expression (`vars` in `vars.a.b | f`), where a reader looks for it. */
function start(node: NjkNode): NjkNode {
  if (node.typename === 'LookupVal' && node.target) return start(node.target)
  if (node.typename === 'Filter' && node.args?.children?.[0]) return start(node.args.children[0])
  if (node.typename === 'FunCall' && node.name) return start(node.name)
  return node
}

/** Emitted before anything that can fail: keeps `lineno`/`colno` (1-based) and mig's render stack current. */
function at(c: NjkCompiler, node: NjkNode): string {
  const line = node.lineno + 1
  const col = node.colno + 1
  return `lineno = ${line}, colno = ${col}, env.migAt(${line}, ${col}, ${c._templateName()})`
}

const MigCompiler = Compiler.extend('MigCompiler', {
  compileOutput(this: NjkCompiler, node: NjkNode, frame: unknown) {
    for (const child of node.children ?? []) {
      if (child.typename === 'TemplateData') {
        if (child.value) {
          this._emit(`${this.buffer} += `)
          this.compileLiteral(child, frame)
          this._emitLine(';')
        }
        continue
      }
      this._emit(`${this.buffer} += (${at(this, start(child))}, env.migOutput(`)
      this.compile(child, frame)
      this._emitLine(`, ${JSON.stringify(describeNode(child))}, ${JSON.stringify(child.typename)}));`)
    }
  },
  compileFilter(this: NjkCompiler, node: NjkNode, frame: unknown) {
    const name = node.name!
    const subject = JSON.stringify(describeNode(node.args?.children?.[0]))
    this._emit(`(${at(this, start(node))}, env.migFilter(${JSON.stringify(String(name.value))}, ${subject}).call(context, `)
    this._compileAggregate(node.args!, frame)
    this._emit('))')
  },
  compileFunCall(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emit(`(${at(this, start(node))}, runtime.callWrap(`)
    this._compileExpression(node.name!, frame)
    this._emit(`, ${JSON.stringify(this._getNodeName(node.name!))}, context, `)
    this._compileAggregate(node.args!, frame, '[', '])')
    this._emit(')')
  },
  compileCapture(this: NjkCompiler, node: NjkNode, frame: unknown) {
    // {% set x %}...{% endset %} captures SQL text: keep it raw when output later.
    this._emit('runtime.markSafe(')
    this.parent(node, frame)
    this._emit(')')
  },
  compileInclude(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${at(this, node)};`)
    this.parent(node, frame)
  },
  compileImport(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${at(this, node)};`)
    this.parent(node, frame)
  },
  compileFromImport(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${at(this, node)};`)
    this.parent(node, frame)
  },
  compileExtends(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${at(this, node)};`)
    this.parent(node, frame)
  },
})

/**
 * One template being rendered, and where it is: its own position, or (`foreign`) the position in
 * another template whose code it runs (a macro imported from a component, a block of a child).
 */
interface StackEntry {
  template: string
  line?: number
  column?: number
  foreign?: TemplateFrame
}

/**
 * mig's render stack, kept on the nunjucks Environment (one per render). nunjucks renders in
 * continuation-passing style: the rest of an including template runs inside the included
 * template's JavaScript frames, so its errors surface in the wrong `catch`. The stack follows the
 * logical position instead: a template is pushed when its render starts and popped when it calls
 * back; outputs, filters, calls and includes record their position on the top entry.
 */
export interface RenderStack {
  migStack: StackEntry[]
  migAt(line: number, column: number, template: string): void
}

/** Install the render stack on an Environment. */
export function installRenderStack(env: NjkEnvironment): void {
  const stack: StackEntry[] = []
  env.migStack = stack
  env.migAt = (line: number, column: number, template: string) => {
    const top = stack.at(-1)
    if (!top) return
    if (top.template === template) {
      top.line = line
      top.column = column
      top.foreign = undefined
    } else top.foreign = { template, line, column }
  }
}

function snapshot(stack: StackEntry[]): StackEntry[] {
  return stack.map((e) => ({ ...e, ...(e.foreign ? { foreign: { ...e.foreign } } : {}) }))
}

/** Make sure an error is a nunjucks TemplateError (stable identity through nunjucks' `dev` mode). */
export function asTemplateError(err: unknown): NjkTemplateError {
  const e = err as NjkTemplateError
  if (e && typeof e === 'object' && typeof e.Update === 'function') return e
  return new TemplateError(err instanceof Error ? err : new Error(String(err)))
}

/** Compiled template functions, in the form nunjucks' `Template` accepts as `{ type: 'code', obj }`. */
export type CompiledTemplate = { root: (...args: unknown[]) => void; [block: string]: unknown }

/**
 * Compile template source with mig's compiler. A syntax error is thrown as a
 * {@link TemplateRenderError} naming `path`, line and column.
 */
export function compileTemplate(src: string, path: string, env: NjkEnvironment): CompiledTemplate {
  // Compiled code depends only on the source and its name (env is a parameter at render time),
  // so it is shared between renders: core renders every migration for checksums on each run.
  const key = `${path}\0${src}`
  const cached = compiled.get(key)
  if (cached) return cached
  const props = compileUncached(src, path, env)
  if (compiled.size >= COMPILE_CACHE_SIZE) compiled.clear()
  compiled.set(key, props)
  return props
}

const COMPILE_CACHE_SIZE = 2000
const compiled = new Map<string, CompiledTemplate>()

function compileUncached(src: string, path: string, env: NjkEnvironment): CompiledTemplate {
  let code: string
  try {
    const c = new MigCompiler(path, false)
    c.compile(transformer.transform(nunjucks.parser.parse(src, env.extensionsList, env.opts), env.asyncFilters, path), undefined)
    code = c.getCode()
  } catch (err) {
    const e = err as NjkTemplateError
    throw new TemplateRenderError({ template: path, line: e.lineno || undefined, column: e.colno || undefined, reason: stripPrefixes(e.message), cause: err })
  }
  const props = new Function(code)() as CompiledTemplate
  const root = props.root
  props.root = (env, context, frame, runtime, cb) => {
    const stack = (env as RenderStack).migStack
    stack.push({ template: path })
    let done = false
    const callback = cb as (err: unknown, res?: unknown) => void
    root(env, context, frame, runtime, (err: unknown, res: unknown) => {
      if (err) {
        const e = asTemplateError(err)
        // The first place an error is seen is where it happened, logically.
        e.migStack ??= snapshot(stack)
        err = e
      }
      if (!done) {
        done = true
        stack.pop()
      }
      callback(err ?? null, res)
    })
  }
  return props
}

/** Remove nunjucks' `(path) [Line x, Column y]` prefixes and an `Error: ` tag from a message. */
export function stripPrefixes(message: string): string {
  const lines = message.split('\n')
  while (lines.length > 1 && /^\s*\(.*\)(?: \[Line \d+(?:, Column \d+)?\])?\s*$/.test(lines[0]!)) lines.shift()
  return lines
    .join('\n')
    .trim()
    .replace(/^(?:Template render error: )?(?:Error: )?/, '')
}

/** Turn whatever a render threw into a {@link TemplateRenderError} with template, line, column and chain. */
export function toRenderError(err: unknown, rootPath: string, options: { hint?: string; notFound?: (name: string) => string } = {}): Error {
  if (err instanceof TemplateRenderError) return err
  const e = err as NjkTemplateError
  if (!e || typeof e !== 'object') return new TemplateRenderError({ template: rootPath, reason: String(err), hint: options.hint })
  const cause = e.cause
  let reason = cause instanceof Error ? cause.message : stripPrefixes(e.message ?? String(err))
  const missing = /^template not found: (.*)$/.exec(reason)
  if (missing && options.notFound) reason = options.notFound(missing[1]!)
  const hint = options.hint ?? (cause as { hint?: string } | undefined)?.hint
  const stack = e.migStack ?? []
  const frames: TemplateFrame[] = stack.map((f) => ({ template: f.template, line: f.line, column: f.column }))
  if (cause instanceof TemplateRenderError) {
    // A syntax error in an included template: every template on the stack includes it.
    return new TemplateRenderError({
      template: cause.template,
      line: cause.line,
      column: cause.column,
      chain: [...frames, ...cause.chain],
      reason: cause.reason,
      cause,
      hint,
    })
  }
  const top = stack.at(-1)
  if (!top) return new TemplateRenderError({ template: rootPath, line: e.lineno || undefined, column: e.colno || undefined, reason, cause: cause ?? err, hint })
  if (top.foreign) return new TemplateRenderError({ ...top.foreign, chain: frames, reason, cause: cause ?? err, hint })
  return new TemplateRenderError({ template: top.template, line: top.line, column: top.column, chain: frames.slice(0, -1), reason, cause: cause ?? err, hint })
}
