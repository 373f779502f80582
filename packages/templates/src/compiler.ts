/**
 * mig's nunjucks compiler: the stock compiler with three changes.
 * - Every `{{ value }}` goes through `env.migOutput`, which escapes it as a SQL literal for the dialect
 *   (unless it is marked safe by `| raw`, `| ident`, a macro or a block capture) and refuses `undefined`,
 *   naming the expression.
 * - Line and column are tracked 1-based at outputs, filters, calls and includes, so a runtime error
 *   points at the right place.
 * - Errors crossing an include record the including template and line (`migSites`), to report the chain.
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
      if (v?.typename === 'Literal' && typeof v.value === 'string') return /^[A-Za-z_$][\w$]*$/.test(v.value) ? `${target}.${v.value}` : `${target}[${JSON.stringify(v.value)}]`
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

const pos = (node: NjkNode) => `lineno = ${node.lineno + 1}, colno = ${node.colno + 1}`

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
      this._emit(`${this.buffer} += (${pos(start(child))}, env.migOutput(`)
      this.compile(child, frame)
      this._emitLine(`, ${JSON.stringify(describeNode(child))}, ${JSON.stringify(child.typename)}));`)
    }
  },
  compileFilter(this: NjkCompiler, node: NjkNode, frame: unknown) {
    const name = node.name!
    this._emit(`(${pos(node)}, env.getFilter(${JSON.stringify(String(name.value))}).call(context, `)
    this._compileAggregate(node.args!, frame)
    this._emit('))')
  },
  compileFunCall(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emit(`(${pos(node)}, runtime.callWrap(`)
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
    this._emitLine(`${pos(node)};`)
    this.parent(node, frame)
  },
  compileImport(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${pos(node)};`)
    this.parent(node, frame)
  },
  compileFromImport(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${pos(node)};`)
    this.parent(node, frame)
  },
  compileExtends(this: NjkCompiler, node: NjkNode, frame: unknown) {
    this._emitLine(`${pos(node)};`)
    this.parent(node, frame)
  },
  _makeCallback(this: NjkCompiler, res?: string) {
    const err = this._tmpid()
    return `function(${err}${res ? `,${res}` : ''}) {\nif(${err}) { cb(env.migSite(${err}, ${this._templateName()}, lineno, colno)); return; }`
  },
})

/** Make sure an error is a nunjucks TemplateError (stable identity through nunjucks' `dev` mode). */
export function asTemplateError(err: unknown, lineno?: number, colno?: number): NjkTemplateError {
  const e = err as NjkTemplateError
  if (e && typeof e === 'object' && typeof e.Update === 'function') return e
  return new TemplateError(err instanceof Error ? err : new Error(String(err)), lineno, colno)
}

/** Record, on an error leaving `template` through a callback, where it was included. Installed as `env.migSite`. */
export function recordSite(err: unknown, template: string, line?: number, column?: number): NjkTemplateError {
  const e = asTemplateError(err, line, column)
  if (!e.migTemplate) {
    e.migTemplate = template
    return e
  }
  if (e.migTemplate === template) return e
  const sites = (e.migSites ??= [])
  if (sites.at(-1)?.template !== template) sites.push({ template, line, column })
  return e
}

/** Compiled template functions, in the form nunjucks' `Template` accepts as `{ type: 'code', obj }`. */
export type CompiledTemplate = { root: (...args: unknown[]) => void; [block: string]: unknown }

/**
 * Compile template source with mig's compiler. A syntax error is thrown as a
 * {@link TemplateRenderError} naming `path`, line and column.
 */
export function compileTemplate(src: string, path: string, env: NjkEnvironment): CompiledTemplate {
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
  props.root = (env, context, frame, runtime, cb) =>
    root(env, context, frame, runtime, (err: unknown, res: unknown) => {
      if (err) return (cb as (e: unknown) => void)(recordSite(err, path))
      ;(cb as (e: unknown, r: unknown) => void)(null, res)
    })
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
export function toRenderError(err: unknown, rootPath: string, hint?: string): Error {
  if (err instanceof TemplateRenderError) return err
  const e = err as NjkTemplateError
  if (!e || typeof e !== 'object') return new TemplateRenderError({ template: rootPath, reason: String(err), hint })
  const sites: TemplateFrame[] = [...(e.migSites ?? [])]
  const cause = e.cause
  let template = e.migTemplate ?? rootPath
  let line = e.lineno || undefined
  let column = e.colno || undefined
  let reason = cause instanceof Error ? cause.message : stripPrefixes(e.message ?? String(err))
  let innerChain: TemplateFrame[] = []
  if (cause instanceof TemplateRenderError) {
    // A syntax error (or an already located error) in an included template: the place in the
    // including template becomes the innermost include site.
    sites.unshift({ template, line, column })
    template = cause.template
    line = cause.line
    column = cause.column
    reason = cause.reason
    innerChain = cause.chain
  }
  const chain = [...sites.reverse(), ...innerChain]
  const h = hint ?? (cause as { hint?: string } | undefined)?.hint
  return new TemplateRenderError({ template, line, column, chain, reason, cause: cause ?? err, hint: h })
}
