import { sqlite } from '@mig/driver-sqlite'

/** Hold the migration lock of a SQLite file from this process, as another runner would. */
export async function acquireSqliteLockForTest(file: string): Promise<() => Promise<void>> {
  const driver = sqlite({ url: `sqlite:${file}` })
  const lock = await driver.acquireLock({ key: 'mig:schema_migrations' })
  return () => lock.release()
}
