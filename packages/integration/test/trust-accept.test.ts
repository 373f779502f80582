import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig } from './cli.js'

interface LoggedEntry {
  action: string
  version: string
  checksum: string | null
  note: string | null
  error: string | null
}

/**
 * Edits: a harmless edit to an applied migration (a comment) is accepted on purpose with
 * `mig resolve <V> --accept-checksum --reason TEXT`, logged with the old and new checksums; `up`
 * and `validate` are clean afterwards. Without it the edit keeps blocking `up`.
 */
for (const dialect of testDialects()) {
  describe(`${dialect.name}: resolve --accept-checksum`, () => {
    it('accepts an edited applied migration, logs both checksums and the reason, and unblocks up and validate', async () => {
      const p = tempProject({
        'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n',
        'migrations/002_orders.sql': 'CREATE TABLE orders (id INTEGER PRIMARY KEY);\n',
      })
      const url = await dialect.createDatabase()
      try {
        expect((await runMig(['up', '--database', url], p.dir)).code).toBe(0)
        const before = JSON.parse((await runMig(['log', '--json', '--database', url], p.dir)).stdout) as { entries: LoggedEntry[] }
        const oldSum = before.entries.find((e) => e.version === '001' && e.action === 'apply')!.checksum!
        writeFileSync(join(p.dir, 'migrations/001_users.sql'), '-- the users of the shop\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n')
        writeFileSync(join(p.dir, 'migrations/003_items.sql'), 'CREATE TABLE items (id INTEGER PRIMARY KEY);\n')

        const blocked = await runMig(['up', '--database', url], p.dir)
        expect(blocked.code).toBe(1)
        expect(blocked.stderr).toMatch(/001/)
        expect(blocked.stderr).toMatch(/--accept-checksum/)
        expect((await runMig(['validate', '--database', url], p.dir)).code).toBe(1)

        const noReason = await runMig(['resolve', '001', '--accept-checksum', '--database', url], p.dir)
        expect(noReason.code).toBe(2)
        expect(noReason.stderr).toMatch(/--reason/)

        const accepted = await runMig(['resolve', '001', '--accept-checksum', '--reason', 'comment only', '--database', url], p.dir)
        expect(accepted.code, accepted.stderr).toBe(0)
        expect(accepted.stdout).toMatch(/001_users/)

        const validate = await runMig(['validate', '--database', url], p.dir)
        expect(validate.code, `${validate.stdout}\n${validate.stderr}`).toBe(0)
        const up = await runMig(['up', '--database', url], p.dir)
        expect(up.code, up.stderr).toBe(0)
        expect(up.stdout).toMatch(/Applying 003_items/)
        expect(up.stdout).not.toMatch(/Applying 001/)

        const after = JSON.parse((await runMig(['log', '--json', '--database', url], p.dir)).stdout) as { entries: LoggedEntry[] }
        const entry = after.entries.find((e) => e.version === '001' && e.action === 'accept-checksum')
        expect(entry, JSON.stringify(after.entries)).toBeDefined()
        expect(entry!.checksum).not.toBe(oldSum)
        expect(entry!.note).toContain(oldSum)
        expect(entry!.note).toContain(entry!.checksum!)
        expect(entry!.note).toContain('comment only')
        expect((await runMig(['status', '--database', url], p.dir)).stdout).toMatch(/001\s+users\s+applied/)
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })

    it('refuses a migration that is not modified, or not applied', async () => {
      const p = tempProject({ 'migrations/001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n', 'migrations/002_x.sql': 'SELECT 1;\n' })
      const url = await dialect.createDatabase()
      try {
        expect((await runMig(['up', '1', '--database', url], p.dir)).code).toBe(0)
        const unchanged = await runMig(['resolve', '001', '--accept-checksum', '--reason', 'x', '--database', url], p.dir)
        expect(unchanged.code).toBe(2)
        expect(unchanged.stderr).toMatch(/not modified|unchanged/)
        const pending = await runMig(['resolve', '002', '--accept-checksum', '--reason', 'x', '--database', url], p.dir)
        expect(pending.code).toBe(2)
        expect(pending.stderr).toMatch(/not applied|no history row/)
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
      }
    })
  })
}
