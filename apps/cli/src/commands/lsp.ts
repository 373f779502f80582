import type { CommandContext } from '../context.js'
import { EXIT } from '../exit.js'

/**
 * `mig lsp`: a language server on stdin/stdout for the project's `.sql.njk` files (diagnostics and
 * a rendered preview, see `lsp/server.ts`), until the client sends `exit`. Started by an editor.
 */
export async function lspCommand(ctx: CommandContext): Promise<number> {
  // vscode-languageserver is loaded here, when `mig lsp` runs, and by no other command
  const { serveLanguageServer } = await import('../lsp/server.js')
  await serveLanguageServer(ctx)
  return EXIT.ok
}
