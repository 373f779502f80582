// A sample mig plugin (docs/plugins.md). List it in mig.toml, `plugins = ["mig-plugin-sample"]`,
// and templates can use:
//   {{ "Hello, World!" | slug }}     -> 'hello_world'          (a string: escaped as a SQL literal)
//   {{ cents(12.5) }}                -> 1250                   (a number)
//   {{ now_utc() }}                  -> CURRENT_TIMESTAMP      (SQL, marked with mig.raw)
// and `memo:./file.db` URLs open a SQLite database through this plugin's driver.
import { createDriver as createSqliteDriver } from '@mig/driver-sqlite'

/** @param {{ raw(sql: string): unknown, version: string }} mig */
export default function samplePlugin(mig) {
  return {
    filters: {
      /** Lower-case words joined by underscores. */
      slug: (value) =>
        String(value)
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_+|_+$/g, ''),
    },
    functions: {
      /** An amount of money as whole cents. */
      cents: (amount) => Math.round(Number(amount) * 100),
      /** The database's current time, as SQL every dialect understands. */
      now_utc: () => mig.raw('CURRENT_TIMESTAMP'),
    },
    drivers: {
      /** `memo:<path>`: SQLite at <path>, named for the example. */
      memo: (url, options) => createSqliteDriver(url.replace(/^memo:/, 'sqlite:'), options),
    },
  }
}
