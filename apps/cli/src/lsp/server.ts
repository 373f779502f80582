// The language server of `mig lsp`: diagnostics for templated SQL and a rendered preview. Only this
// module (imported by `commands/lsp.ts` when `mig lsp` runs) loads vscode-languageserver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { discover, type Migration, type SqlDialect, splitSections } from '@mig/core'
import { type PinMode, TemplateRenderError, type TemplateRenderer } from '@mig/templates'
import { TextDocument } from 'vscode-languageserver-textdocument'
import {
  createConnection,
  type Diagnostic,
  DiagnosticSeverity,
  ErrorCodes,
  type InitializeError,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node'
import { type CommandContext, createContext } from '../context.js'
import { templateRenderer } from '../templates.js'

/** The custom request that returns the rendered SQL of an open document. */
export const RENDER_REQUEST = 'mig/render'
/**
 * The `workspace/executeCommand` command that does the same (`arguments: [{ uri, pinned? }]` or
 * `[uri, pinned?]`). Without arguments (run from an editor's command list) it renders the document
 * last opened or edited and, when the client supports `window/showDocument`, shows the SQL as a file.
 */
export const PREVIEW_COMMAND = 'mig.preview'

/** Parameters of {@link RENDER_REQUEST} and {@link PREVIEW_COMMAND}. */
export interface RenderParams {
  /** The document (`file:` URI), open in the editor: its text as the editor has it is rendered. */
  uri: string
  /** `true`: only from pinned components (an error without a lock); `false`: the working tree; unset: pinned when a lock exists (as `mig build`). */
  pinned?: boolean
}

/** What {@link RENDER_REQUEST} returns. */
export interface RenderResult {
  uri: string
  /** The rendered SQL (secrets as `***`). A single-file migration's down section follows `-- mig:down`. */
  sql: string
  /** The migration the document belongs to, when it is one of its scripts. */
  migration?: string
  pinned: PinMode
}

/** Where a render failed, in the document: a template error's own place, else the include that led to it. */
function diagnosticOf(err: unknown, name: string, doc: TextDocument): Diagnostic {
  let line = 0
  let column = 0
  if (err instanceof TemplateRenderError) {
    const frame = [{ template: err.template, line: err.line, column: err.column }, ...[...err.chain].reverse()].find((f) => f.template === name && f.line)
    if (frame) {
      line = frame.line! - 1
      column = Math.max(0, (frame.column ?? 1) - 1)
    }
  }
  const text = doc.getText({ start: { line, character: column }, end: { line: line + 1, character: 0 } })
  // an unknown filter is reported at the value it filters: underline the filter's name instead
  const filter = /filter not found: (\w+)/.exec((err as Error).message)?.[1]
  const at = filter ? new RegExp(`\\|\\s*(${filter})\\b`).exec(text) : null
  if (at) column += at.index + at[0].length - filter!.length
  const word = at ? filter!.length : (/^[\w.]+/.exec(text)?.[0].length ?? 1)
  const hint = (err as { hint?: string }).hint
  return {
    range: { start: { line, character: column }, end: { line, character: column + word } },
    severity: DiagnosticSeverity.Error,
    source: 'mig',
    message: `${(err as Error).message}${hint ? `\n${hint}` : ''}`,
  }
}

/**
 * Serve the Language Server Protocol on stdin/stdout until the client exits, for the project of the
 * client's first workspace folder or `rootUri` (its `mig.toml`), else of `started` (`--config`, the
 * working directory):
 * diagnostics on open and change of `.sql.njk` documents (template syntax, undefined
 * variables, includes leaving components/, unknown filters), rendered with the target's variables
 * from the working tree; `mig/render` and `mig.preview` return the rendered SQL. Documents outside
 * the project are refused (a diagnostic, an error response) and never rendered.
 */
export function serveLanguageServer(started: CommandContext): Promise<void> {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)
  const documents = new TextDocuments(TextDocument)
  let ctx = started
  let root = ctx.config.root
  let dialect: SqlDialect | undefined

  /** A renderer per render, so variables files are read as they are now (the dialect is loaded once). */
  const renderer = async (pinned: PinMode): Promise<TemplateRenderer> => {
    const made = await templateRenderer(ctx, { pinned, dialect })
    dialect ??= made.options.dialect as SqlDialect
    return made
  }

  /** The document's path and project-relative name, or why it is refused. */
  const locate = (uri: string): { path: string; name: string } | { refused: string } => {
    if (!uri.startsWith('file:')) return { refused: `${uri} is not a file of the project (${root})` }
    const path = fileURLToPath(uri)
    const rel = relative(root, path)
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      return { refused: `${path} is outside the project (${root}); mig renders only the project's files` }
    return { path, name: rel.split(sep).join('/') }
  }

  const migrationOf = async (path: string): Promise<Migration | undefined> =>
    (await discover(ctx.sources())).find((m) => m.up?.file === path || m.down?.file === path || m.verify?.file === path)

  /** Render the document's text as it is in the editor: each section of a migration with its direction. */
  const render = async (doc: TextDocument, path: string, pinned: PinMode): Promise<{ sql: string; migration?: Migration }> => {
    const text = doc.getText()
    if (!path.endsWith('.njk')) return { sql: text }
    const r = await renderer(pinned)
    const migration = await migrationOf(path)
    if (!migration) return { sql: r.maskSecrets(r.renderSource(text, path, { pinned })) }
    const direction = migration.up?.file === path ? 'up' : migration.down?.file === path ? 'down' : 'verify'
    const sections = migration.up?.file === path && migration.down?.file === path ? splitSections(text) : undefined
    const one = (source: string, dir: 'up' | 'down' | 'verify', line = 1) => r.renderSource(source, path, { migration, direction: dir, pinned, line })
    // as mig build prints a section: ending with a newline
    const line = (sql: string) => (sql === '' || sql.endsWith('\n') ? sql : `${sql}\n`)
    const sql = sections
      ? `${line(one(sections.up.text, 'up'))}${sections.down ? `-- mig:down\n${one(sections.down.text, 'down', sections.down.line)}` : ''}`
      : one(text, direction)
    return { sql: r.maskSecrets(sql), migration }
  }

  const validate = async (doc: TextDocument) => {
    const where = locate(doc.uri)
    let diagnostics: Diagnostic[] = []
    if ('refused' in where)
      diagnostics = [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: DiagnosticSeverity.Error,
          source: 'mig',
          message: where.refused,
        },
      ]
    else {
      try {
        await render(doc, where.path, 'never')
      } catch (err) {
        diagnostics = [diagnosticOf(err, where.name, doc)]
      }
    }
    // the document may have changed while it rendered: only its latest version's result counts
    if (documents.get(doc.uri)?.version === doc.version) await connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics })
  }

  const preview = async (params: RenderParams | undefined): Promise<RenderResult | ResponseError<void>> => {
    if (!params || typeof params.uri !== 'string') return new ResponseError(ErrorCodes.InvalidParams, 'expected { uri, pinned? }')
    const where = locate(params.uri)
    if ('refused' in where) return new ResponseError(ErrorCodes.InvalidParams, where.refused)
    const doc = documents.get(params.uri)
    if (!doc) return new ResponseError(ErrorCodes.InvalidParams, `${where.name} is not open: open it first (didOpen)`)
    const pinned: PinMode = params.pinned === true ? 'always' : params.pinned === false ? 'never' : 'auto'
    try {
      const { sql, migration } = await render(doc, where.path, pinned)
      return { uri: params.uri, sql, pinned, ...(migration ? { migration: migration.id } : {}) }
    } catch (err) {
      return new ResponseError(ErrorCodes.InvalidRequest, (err as Error).message)
    }
  }

  let lastActive: string | undefined
  let showDocument = false
  let previews: string | undefined
  /** Write the preview to a file of this session's own temporary folder and ask the client to show it. */
  const showPreview = async (result: RenderResult) => {
    previews ??= mkdtempSync(join(tmpdir(), 'mig-preview-'))
    const file = join(previews, basename(fileURLToPath(result.uri)).replace(/\.njk$/, ''))
    writeFileSync(file, result.sql)
    await connection.window.showDocument({ uri: pathToFileURL(file).href, takeFocus: false })
  }

  connection.onInitialize(async (params) => {
    showDocument = params.capabilities.window?.showDocument?.support === true
    // the client's project folder (its mig.toml), unless --config named one
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri
    if (folder?.startsWith('file:') && !ctx.options.config) {
      try {
        ctx = await createContext(ctx.options, ctx.out, fileURLToPath(folder))
      } catch (err) {
        return new ResponseError<InitializeError>(ErrorCodes.InvalidParams, (err as Error).message, { retry: false })
      }
      root = ctx.config.root
    }
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        executeCommandProvider: { commands: [PREVIEW_COMMAND] },
      },
      serverInfo: { name: 'mig' },
    }
  })
  documents.onDidChangeContent((e) => {
    lastActive = e.document.uri
    void validate(e.document)
  })
  documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }))
  connection.onRequest(RENDER_REQUEST, (params: RenderParams) => preview(params))
  connection.onExecuteCommand(async (params) => {
    if (params.command !== PREVIEW_COMMAND) return new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command} (known: ${PREVIEW_COMMAND})`)
    const [first, pinned] = params.arguments ?? []
    if (first !== undefined) return preview(typeof first === 'string' ? { uri: first, pinned } : first)
    // Without arguments (a command palette): the document last opened or edited, shown by the client
    if (!lastActive) return new ResponseError(ErrorCodes.InvalidRequest, `open a .sql.njk file of the project first, or pass [{ uri }]`)
    const result = await preview({ uri: lastActive })
    if (!(result instanceof ResponseError) && showDocument) await showPreview(result)
    return result
  })
  documents.listen(connection)
  const done = new Promise<void>((resolve) =>
    connection.onExit(() => {
      if (previews) rmSync(previews, { recursive: true, force: true })
      resolve()
    }),
  )
  connection.listen()
  return done
}
