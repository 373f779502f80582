import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadModule, parseSync } from 'libpg-query'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitStatements } from '../src/splitter.js'

/**
 * The splitter must cut a script where PostgreSQL's own parser (libpg_query, the server's grammar
 * compiled to WebAssembly) does: same number of statements, and each piece parses to the same tree.
 */
const dir = join(import.meta.dirname, 'fixtures', 'pg')

type Parsed = { stmts: { stmt: unknown; stmt_location?: number; stmt_len?: number }[] }

/** Drop `location` fields: they are relative to the text parsed. */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip)
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) if (!/^(location|stmt_location|stmt_len|list_start|list_end)$/.test(k)) out[k] = strip(v)
    return out
  }
  return node
}

describe('splitter against PostgreSQL’s parser', () => {
  beforeAll(async () => {
    await loadModule()
  })

  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'))

  it('has fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(4)
  })

  for (const file of files) {
    it(file, () => {
      const sql = readFileSync(join(dir, file), 'utf8')
      const server = (parseSync(sql) as Parsed).stmts
      const ours = splitStatements(sql)
      expect(ours.length, 'statement count').toBe(server.length)
      const bytes = Buffer.from(sql)
      for (let k = 0; k < ours.length; k++) {
        const piece = ours[k]!
        const mine = (parseSync(piece.sql) as Parsed).stmts
        expect(mine, `statement ${k + 1} (line ${piece.line}) is one statement`).toHaveLength(1)
        expect(strip(mine[0]!.stmt), `statement ${k + 1} (line ${piece.line})`).toEqual(strip(server[k]!.stmt))
        // and it starts where the server's statement starts (locations are in bytes)
        const loc = server[k]!.stmt_location ?? 0
        const serverText = bytes.subarray(loc, server[k]!.stmt_len ? loc + server[k]!.stmt_len! : undefined).toString()
        expect(serverText.trim()).toContain(piece.sql.split('\n')[0]!.trim().slice(0, 20))
      }
    })
  }
})
