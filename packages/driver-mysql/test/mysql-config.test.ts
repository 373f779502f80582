import { ConnectionError } from '@mig/core'
import { describe, expect, it } from 'vitest'
import { createDriver, lockName, mysqlConfig } from '../src/index.js'

describe('mysqlConfig', () => {
  it('accepts mysql:// and mariadb://, in UTC with dates as strings', () => {
    for (const url of ['mysql://root@127.0.0.1:3306/app', 'mariadb://root@127.0.0.1:3306/app']) {
      const c = mysqlConfig(url)
      expect(c.uri).toBe('mysql://root@127.0.0.1:3306/app')
      expect(c.timezone).toBe('Z')
      expect(c.dateStrings).toBe(true)
    }
  })

  it('needs a database, and never shows the password', () => {
    const err = (() => {
      try {
        createDriver('mysql://root:hunter2@127.0.0.1:3306/')
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ConnectionError)
    expect((err as Error).message).toContain('root:***@')
    expect((err as Error).message).not.toContain('hunter2')
  })
})

describe('lockName', () => {
  it('fits GET_LOCK (64 characters) and differs per database and key', () => {
    const a = lockName('app', 'mig:schema_migrations')
    expect(a.length).toBeLessThanOrEqual(64)
    expect(a).not.toBe(lockName('other', 'mig:schema_migrations'))
    expect(a).not.toBe(lockName('app', 'mig:history'))
  })
})
