/**
 * The parts of nunjucks mig builds on, typed as far as mig uses them. nunjucks ships no types
 * for its compiler; these are the CommonJS modules it exposes (`nunjucks.compiler`, `.parser`...).
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** A node of the nunjucks AST (only the fields mig reads). */
export interface NjkNode {
  typename: string
  lineno: number
  colno: number
  value?: unknown
  name?: NjkNode
  target?: NjkNode
  val?: NjkNode
  args?: NjkNode & { children: NjkNode[] }
  children?: NjkNode[]
}

/** The compiler instance methods mig overrides or calls. */
export interface NjkCompiler {
  templateName: string | null
  buffer: string
  parent(...args: unknown[]): unknown
  compile(node: NjkNode, frame: unknown): void
  compileLiteral(node: NjkNode, frame: unknown): void
  _compileExpression(node: NjkNode, frame: unknown): void
  _compileAggregate(node: NjkNode, frame: unknown, open?: string, close?: string): void
  _getNodeName(node: NjkNode): string
  _emit(code: string): void
  _emitLine(code: string): void
  _tmpid(): string
  _templateName(): string
  getCode(): string
}

/** A nunjucks TemplateError (an Error with position fields and `Update`). */
export interface NjkTemplateError extends Error {
  lineno?: number
  colno?: number
  cause?: unknown
  Update?: (path: string) => NjkTemplateError
  /** Set by mig: the render stack when the error happened, outermost first. */
  migStack?: { template: string; line?: number; column?: number; foreign?: { template: string; line?: number; column?: number } }[]
}

interface NjkModule {
  Environment: new (loaders: unknown[], opts: Record<string, unknown>) => NjkEnvironment
  Template: new (src: unknown, env: NjkEnvironment, path: string, eagerCompile?: boolean) => NjkTemplate
  compiler: {
    Compiler: {
      extend(
        name: string,
        props: Record<string, (this: NjkCompiler, ...args: never[]) => unknown>,
      ): new (
        name: string,
        throwOnUndefined: boolean,
      ) => NjkCompiler
    }
  }
  parser: { parse(src: string, extensions: unknown[], opts: Record<string, unknown>): NjkNode }
  runtime: { Frame: new () => unknown; SafeString: new (value: string) => { toString(): string; val: string }; markSafe(value: unknown): unknown }
  lib: { TemplateError: new (message: unknown, lineno?: number, colno?: number) => NjkTemplateError }
  nodes: Record<string, new (...args: unknown[]) => NjkNode>
}

/** A nunjucks Environment (the members mig uses). */
export interface NjkEnvironment {
  opts: Record<string, unknown>
  extensionsList: unknown[]
  asyncFilters: string[]
  addFilter(name: string, fn: (...args: never[]) => unknown): void
  getFilter(name: string): unknown
  addGlobal(name: string, value: unknown): void
  [key: string]: unknown
}

/** A nunjucks Template. */
export interface NjkTemplate {
  render(ctx: Record<string, unknown>, frame: unknown, cb: (err: unknown, res?: string) => void): void
}

/** The nunjucks module (CommonJS). */
export const nunjucks = require('nunjucks') as NjkModule

/** nunjucks' AST transformer (not re-exported by the package index). */
export const transformer = require('nunjucks/src/transformer') as { transform(ast: NjkNode, asyncFilters: string[], name: string): NjkNode }
