import { describe, expect, it } from 'vitest'
import { ConfigError, LockTimeoutError, MigError, MigrationError, StatementFailure } from '../src/index.js'

/** A second copy of a module, as a driver package with its own @mig/core would load. */
async function secondCopy<T>(path: string): Promise<T> {
  return (await import(/* @vite-ignore */ `${path}?second-copy`)) as T
}

describe('error classes across copies of @mig/core', () => {
  it('instanceof recognises an error made by another copy, by its class and its ancestors only', async () => {
    const other = await secondCopy<typeof import('../src/errors.js')>('../src/errors.js')
    expect(other.LockTimeoutError).not.toBe(LockTimeoutError)
    const e = new other.LockTimeoutError(100)
    expect(e instanceof LockTimeoutError).toBe(true)
    expect(e instanceof MigError).toBe(true)
    expect(e instanceof Error).toBe(true)
    expect(e instanceof ConfigError).toBe(false)
    expect(e instanceof MigrationError).toBe(false)
    expect(new other.MigError('x') instanceof LockTimeoutError).toBe(false)
    expect(new LockTimeoutError(1) instanceof other.LockTimeoutError).toBe(true)
  })
  it('a subclass without a brand of its own matches only its own instances', async () => {
    const other = await secondCopy<typeof import('../src/errors.js')>('../src/errors.js')
    class Mine extends MigError {}
    expect(new Mine('x') instanceof MigError).toBe(true)
    expect(new Mine('x') instanceof other.MigError).toBe(true)
    expect(new MigError('x') instanceof Mine).toBe(false)
    expect(new other.MigError('x') instanceof Mine).toBe(false)
    expect({ name: 'MigError' } instanceof MigError).toBe(false)
    expect((null as unknown as object) instanceof MigError).toBe(false)
  })
  it('StatementFailure from another copy is a StatementFailure', async () => {
    const other = await secondCopy<typeof import('../src/driver.js')>('../src/driver.js')
    const f = new other.StatementFailure(1, { sql: 'SELECT 1', line: 3 }, new Error('boom'))
    expect(other.StatementFailure).not.toBe(StatementFailure)
    expect(f instanceof StatementFailure).toBe(true)
    expect(new Error('x') instanceof StatementFailure).toBe(false)
  })
})
