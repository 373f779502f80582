import { describe, expect, it } from 'vitest'
import {
  DecryptionError,
  decryptVars,
  ENCRYPTED_PREFIX,
  encryptVars,
  hasRunLines,
  matchImported,
  type Migration,
  readLoggedVars,
  splitRunSegments,
  varsForLog,
} from '../src/index.js'

describe('variables in the log', () => {
  it('without a key only names are stored', () => {
    expect(varsForLog({ password: 's3cret', n: 1 }, undefined)).toBe('{"names":["password","n"]}')
    expect(varsForLog({}, 'k')).toBeNull()
  })
  it('with a key the values are AES-256-GCM encrypted and decrypt with the same key only', () => {
    const col = varsForLog({ password: 's3cret', n: 1 }, 'right key')!
    expect(col).not.toContain('s3cret')
    const parsed = JSON.parse(col) as { names: string[]; values: string }
    expect(parsed.names).toEqual(['password', 'n'])
    expect(parsed.values.startsWith(ENCRYPTED_PREFIX)).toBe(true)
    expect(decryptVars(parsed.values, 'right key')).toEqual({ password: 's3cret', n: 1 })
    expect(() => decryptVars(parsed.values, 'wrong key', 7)).toThrow(DecryptionError)
    expect(() => decryptVars(parsed.values, 'wrong key', 7)).toThrow(/wrong MIG_ENCRYPTION_KEY: cannot decrypt the variables of log entry 7/)
    expect(readLoggedVars(col, { decrypt: true, secret: 'right key' })).toEqual({
      names: ['password', 'n'],
      encrypted: true,
      values: { password: 's3cret', n: 1 },
    })
    expect(readLoggedVars(col)).toEqual({ names: ['password', 'n'], encrypted: true })
    expect(() => readLoggedVars(col, { decrypt: true })).toThrow(/--decrypt needs MIG_ENCRYPTION_KEY/)
  })
  it('two encryptions of the same values differ (random iv)', () => {
    expect(encryptVars({ a: 1 }, 'k')).not.toBe(encryptVars({ a: 1 }, 'k'))
  })
})

describe('-- mig:run segments', () => {
  it('splits a body at its run lines, keeping file lines', () => {
    const body = '-- mig:no-transaction\nCREATE TABLE t (x int);\n-- mig:run ./export.sh t\nINSERT INTO t VALUES (1);\n'
    expect(hasRunLines(body)).toBe(true)
    expect(hasRunLines('SELECT 1; -- mig:run no')).toBe(false)
    expect(splitRunSegments(body, 3)).toEqual([
      { kind: 'sql', text: '-- mig:no-transaction\nCREATE TABLE t (x int);', line: 3 },
      { kind: 'run', command: './export.sh t', line: 5 },
      { kind: 'sql', text: 'INSERT INTO t VALUES (1);\n', line: 6 },
    ])
  })
})

describe('matching another tool’s history', () => {
  const m = (version: string, name: string): Migration => ({
    id: `${version}_${name}`,
    version,
    name,
    kind: 'versioned',
    source: 'migrations',
    path: '',
    up: null,
    down: null,
    verify: null,
    transaction: true,
    depends: [],
    draft: false,
    scope: 'shared',
  })
  const ms = [m('1', 'create_users'), m('2', 'add_email'), m('3', 'orders'), m('4', 'dup'), m('5', 'dup')]
  it('matches by version, by name, and everything up to an upTo version', () => {
    const r = matchImported(
      [
        { ref: '0002', version: '0002' },
        { ref: 'create_users', name: 'create_users' },
        { ref: '9', version: '9' },
        { ref: 'dup', name: 'dup' },
        { ref: 'R__v.sql', skip: 'repeatable' },
        { ref: '3', version: '3', problem: 'dirty' },
      ],
      ms,
    )
    expect(r.migrations.map((x) => x.version)).toEqual(['1', '2'])
    expect(r.unmatched).toEqual([
      { ref: '9', reason: 'no migration has version 9' },
      { ref: 'dup', reason: 'several migrations are named dup: 4_dup, 5_dup' },
      { ref: '3', reason: 'dirty' },
    ])
    expect(r.skipped).toEqual([{ ref: 'R__v.sql', reason: 'repeatable' }])
    expect(matchImported([{ ref: '3', version: '3', upTo: true }], ms).migrations.map((x) => x.version)).toEqual(['1', '2', '3'])
  })
})
