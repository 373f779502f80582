import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { tempProject } from '@mig/test-utils'
import { createMessageConnection, type MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, mig } from './helpers.js'

const TRACE = fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url))

interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } }
  message: string
  severity: number
}

const GOOD = 'CREATE TABLE {{ vars.table | ident }} (id integer, region text DEFAULT {{ vars.region }});\n{% include "audit.sql" %}\n'
const FILES = {
  'mig.toml': '[targets.dev]\nurl = "sqlite:./dev.db"\nvars = "vars.toml"\n',
  'vars.toml': 'table = "orders"\nregion = "eu"\n',
  'components/audit.sql.njk': 'CREATE TABLE {{ (vars.table ~ "_audit") | ident }} (id integer);\n',
  'migrations/20240101000000_init.sql.njk': GOOD,
  'components/broken.sql.njk': 'SELECT 1;\nSELECT {{ vars.nope }};\n',
}

describe('mig lsp over stdio, with a JSON-RPC client', () => {
  const p = tempProject(FILES)
  // the server starts elsewhere, as editors may start it: the project is the client's rootUri
  const elsewhere = tempProject({ 'README.md': 'not a project' })
  let child: ChildProcess
  let client: MessageConnection
  let stderr = ''
  const shown: string[] = []
  const diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }[]>()
  const waiters: (() => void)[] = []
  const uri = (rel: string) => pathToFileURL(join(p.dir, rel)).href

  /** The next diagnostics published for `u` (after `count` earlier ones). */
  const diagnosticsFor = async (u: string, count = 1) => {
    const deadline = Date.now() + 10_000
    while ((diagnostics.get(u)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${u}; stderr: ${stderr}`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
    return diagnostics.get(u)![count - 1]!
  }
  const open = (rel: string, text: string, u = uri(rel)) =>
    client.sendNotification('textDocument/didOpen', { textDocument: { uri: u, languageId: 'sql', version: 1, text } })

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', TRACE, BIN, 'lsp'], { cwd: elsewhere.dir, env: { ...process.env, CI: 'true' }, stdio: 'pipe' })
    child.stderr!.on('data', (d) => {
      stderr += d.toString()
    })
    client = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!))
    client.onNotification('textDocument/publishDiagnostics', (params: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      diagnostics.set(params.uri, [...(diagnostics.get(params.uri) ?? []), params])
      for (const w of waiters.splice(0)) w()
    })
    client.onRequest('window/showDocument', (params: { uri: string }) => {
      shown.push(params.uri)
      return { success: true }
    })
    client.listen()
  })
  afterAll(() => {
    client?.dispose()
    child?.kill()
    p.cleanup()
    elsewhere.cleanup()
  })

  it('initializes, naming its preview command; only mig lsp loads vscode-languageserver', async () => {
    const init = await client.sendRequest<{ capabilities: { executeCommandProvider: { commands: string[] }; textDocumentSync: number } }>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(p.dir).href,
      capabilities: { window: { showDocument: { support: true } } },
    })
    expect(init.capabilities.executeCommandProvider.commands).toEqual(['mig.preview'])
    expect(init.capabilities.textDocumentSync).toBe(2)
    await client.sendNotification('initialized', {})
    expect(stderr).toContain('LOADED vscode-languageserver')
  })

  it('a good template has no diagnostics; its preview is what mig build prints, pinned or not', async () => {
    const rel = 'migrations/20240101000000_init.sql.njk'
    await open(rel, GOOD)
    expect((await diagnosticsFor(uri(rel))).diagnostics).toEqual([])
    const built = mig(p.dir, ['build', '20240101000000'])
    expect(built.code, built.stderr).toBe(0)
    expect(built.stdout).toBe('CREATE TABLE "orders" (id integer, region text DEFAULT \'eu\');\nCREATE TABLE "orders_audit" (id integer);\n')
    const rendered = await client.sendRequest<{ sql: string; migration: string; pinned: string }>('mig/render', { uri: uri(rel) })
    expect(rendered).toEqual({ uri: uri(rel), sql: built.stdout, migration: '20240101000000_init', pinned: 'auto' })
    const command = await client.sendRequest<{ sql: string; pinned: string }>('workspace/executeCommand', {
      command: 'mig.preview',
      arguments: [{ uri: uri(rel), pinned: false }],
    })
    expect(command.sql).toBe(built.stdout)
    expect(command.pinned).toBe('never')
    // --pinned without a lock is an error, as for mig build
    await expect(client.sendRequest('mig/render', { uri: uri(rel), pinned: true })).rejects.toThrow(/is not pinned/)
  })

  it('the preview follows unsaved edits', async () => {
    const rel = 'migrations/20240101000000_init.sql.njk'
    await client.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(rel), version: 2 },
      contentChanges: [{ text: 'SELECT {{ vars.region }};\n' }],
    })
    expect((await client.sendRequest<{ sql: string }>('mig/render', { uri: uri(rel) })).sql).toBe("SELECT 'eu';\n")
  })

  it('mig.preview without arguments renders the document last edited and asks the client to show it', async () => {
    const result = await client.sendRequest<{ sql: string }>('workspace/executeCommand', { command: 'mig.preview' })
    expect(result.sql).toBe("SELECT 'eu';\n")
    expect(shown).toHaveLength(1)
    expect(shown[0]).toMatch(/\/20240101000000_init\.sql$/)
    expect(readFileSync(fileURLToPath(shown[0]!), 'utf8')).toBe("SELECT 'eu';\n")
  })

  it('a single-file migration previews its up section, then -- mig:down and its down section; an error in the down section is placed on its line', async () => {
    const rel = 'migrations/20240102000000_two.sql.njk'
    const text = '-- mig:up\nCREATE TABLE {{ (vars.table ~ "_2") | ident }} (id integer);\n-- mig:down\nDROP TABLE {{ (vars.table ~ "_2") | ident }};\n'
    writeFileSync(join(p.dir, rel), text)
    await open(rel, text)
    expect((await diagnosticsFor(uri(rel))).diagnostics).toEqual([])
    const up = mig(p.dir, ['build', '20240102000000'])
    const down = mig(p.dir, ['build', '20240102000000', '--direction', 'down'])
    expect(up.code, up.stderr).toBe(0)
    const rendered = await client.sendRequest<{ sql: string }>('mig/render', { uri: uri(rel) })
    expect(rendered.sql).toBe(`${up.stdout}-- mig:down\n${down.stdout}`)
    await client.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(rel), version: 2 },
      contentChanges: [{ text: text.replace('DROP TABLE {{ (vars.table ~ "_2") | ident }}', 'DROP TABLE {{ vars.nope }}') }],
    })
    const [d] = (await diagnosticsFor(uri(rel), 2)).diagnostics
    expect(d!.message).toContain('undefined variable vars.nope')
    expect(d!.range.start.line).toBe(3)
  })

  const broken: [string, string, string, { line: number; character: number; length: number }][] = [
    ['an undefined variable', 'SELECT 1;\nSELECT {{ vars.missing }};\n', 'undefined variable vars.missing', { line: 1, character: 10, length: 12 }],
    ['a syntax error', 'SELECT 1;\n\n{% if %}\n', 'unexpected', { line: 2, character: 6, length: 1 }],
    ['an unknown filter', 'SELECT {{ vars.table | nope }};\n', 'nope', { line: 0, character: 23, length: 4 }],
    ['a failing helper', 'SELECT {{ secret("MIG_LSP_TEST_UNSET") }};\n', 'MIG_LSP_TEST_UNSET is not set', { line: 0, character: 10, length: 6 }],
    [
      'an error in an included component',
      'SELECT 1;\n{% include "broken.sql" %}\n',
      'components/broken.sql.njk:2:11: undefined variable vars.nope',
      { line: 1, character: 3, length: 7 },
    ],
    ['an include leaving components/', 'SELECT 1;\n{% include "../secret.sql" %}\n', 'leaves components/', { line: 1, character: 3, length: 7 }],
  ]
  for (const [what, text, message, at] of broken) {
    it(`a template with ${what} gets one diagnostic at its place`, async () => {
      const rel = `scripts/${what.replace(/\W+/g, '_')}.sql.njk`
      await open(rel, text)
      const [d, ...rest] = (await diagnosticsFor(uri(rel))).diagnostics
      expect(rest).toEqual([])
      expect(d!.message).toContain(message)
      expect(d!.severity).toBe(1)
      if (at.length)
        expect(d!.range).toEqual({ start: { line: at.line, character: at.character }, end: { line: at.line, character: at.character + at.length } })
    })
  }

  it('a fixed template clears its diagnostic', async () => {
    const rel = 'scripts/an_undefined_variable.sql.njk'
    await client.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(rel), version: 2 },
      contentChanges: [{ text: 'SELECT {{ vars.table }};\n' }],
    })
    const second = await diagnosticsFor(uri(rel), 2)
    expect(second).toMatchObject({ version: 2, diagnostics: [] })
  })

  it('a document outside the project is refused, never rendered', async () => {
    const outside = pathToFileURL(join(p.dir, '..', 'elsewhere', 'x.sql.njk')).href
    await open('', '{{ vars.missing }}', outside)
    const [d] = (await diagnosticsFor(outside)).diagnostics
    expect(d!.message).toContain('is outside the project')
    await expect(client.sendRequest('mig/render', { uri: outside })).rejects.toThrow(/is outside the project/)
    await expect(client.sendRequest('mig/render', { uri: 'untitled:Untitled-1' })).rejects.toThrow(/is not a file of the project/)
  })

  it('shuts down and exits 0 on exit', async () => {
    await client.sendRequest('shutdown')
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    await client.sendNotification('exit')
    expect(await exited).toBe(0)
    // the previews' folder goes with the session
    expect(existsSync(fileURLToPath(shown[0]!))).toBe(false)
  })
})
