/**
 * Importers for the history tables other migration tools leave behind. Each reads the table
 * exactly as that tool creates it.
 */
import { quoteQualified } from '../driver.js'
import type { Importer, ImportTool } from './importer.js'
import { readTable, truthy } from './importer.js'

/** dbmate: `schema_migrations(version varchar(128) primary key)`, one row per applied migration. */
export const dbmate: Importer = {
  tool: 'dbmate',
  defaultTable: 'schema_migrations',
  async read(exec, dialect, table) {
    const rows = await readTable(exec, 'dbmate', table, `SELECT version FROM ${quoteQualified(dialect, table)} ORDER BY version`)
    return rows.map((r) => ({ ref: String(r.version), version: String(r.version) }))
  },
}

/**
 * golang-migrate: `schema_migrations(version bigint, dirty boolean)` holds one row, the current
 * version; every migration up to it is applied. A dirty version is reported, not adopted.
 */
export const golangMigrate: Importer = {
  tool: 'golang-migrate',
  defaultTable: 'schema_migrations',
  async read(exec, dialect, table) {
    const rows = await readTable(exec, 'golang-migrate', table, `SELECT version, dirty FROM ${quoteQualified(dialect, table)}`)
    return rows.map((r) => {
      const version = String(r.version)
      if (truthy(r.dirty))
        return { ref: version, version, problem: `golang-migrate left version ${version} dirty (a failed migration); fix it with migrate force first` }
      return { ref: version, version, upTo: true }
    })
  },
}

/**
 * Flyway: `flyway_schema_history(installed_rank, version, description, type, script, checksum,
 * installed_by, installed_on, execution_time, success)`. Versioned rows match by version or by
 * description; a BASELINE (or a baseline migration's SQL_BASELINE) row adopts everything up to it;
 * repeatables (no version) match a Flyway folder's repeatable with the same CRC32, else are left to
 * `mig up`, which re-applies them; failed rows are reported.
 */
export const flyway: Importer = {
  tool: 'flyway',
  defaultTable: 'flyway_schema_history',
  async read(exec, dialect, table) {
    const q = (n: string) => dialect.quoteIdent(n)
    const rows = await readTable(
      exec,
      'flyway',
      table,
      `SELECT ${q('version')}, ${q('description')}, ${q('type')}, ${q('script')}, ${q('checksum')}, ${q('success')} FROM ${quoteQualified(dialect, table)} ORDER BY ${q('installed_rank')}`,
    )
    // a repeatable gets a row at each run: its newest row says what is applied
    const newest = new Map<string, number>()
    rows.forEach((r, i) => {
      if (r.version === null || r.version === undefined) newest.set(String(r.script ?? ''), i)
    })
    return rows.flatMap((r, i) => {
      const version = r.version === null || r.version === undefined ? undefined : String(r.version)
      const script = String(r.script ?? '')
      const type = String(r.type ?? '')
      const ref = script || `${version ?? ''} ${String(r.description ?? '')}`.trim()
      if (type === 'SCHEMA' || type === 'DELETE' || type === 'UNDO_SQL' || type === 'UNDO_JDBC') return { ref, skip: `flyway ${type} entry` }
      if (!version) {
        if (newest.get(script) !== i) return []
        const again = 'repeatable: mig up applies it again'
        // matched against a repeatable of a Flyway folder with the same CRC32 (format = "flyway"); else mig up applies it
        return truthy(r.success) ? { ref, toolId: script, toolChecksum: String(r.checksum), otherwise: again } : { ref, skip: again }
      }
      if (!truthy(r.success)) return { ref, version, problem: 'failed in flyway' }
      const name = String(r.description ?? '')
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
      if (type === 'BASELINE' || type === 'SQL_BASELINE') return { ref: `${version} (baseline)`, version, upTo: true }
      return { ref, version: version.replace(/^0+(?=\d)/, ''), name }
    })
  },
}

/**
 * sqitch: the registry's `changes` table (schema `sqitch` on PostgreSQL, database `sqitch` on
 * MySQL) lists the deployed changes by name; they match mig migrations of the same name.
 */
export const sqitch: Importer = {
  tool: 'sqitch',
  defaultTable: 'sqitch.changes',
  async read(exec, dialect, table) {
    const rows = await readTable(
      exec,
      'sqitch',
      table,
      `SELECT ${dialect.quoteIdent('change')} AS change_name FROM ${quoteQualified(dialect, table)} ORDER BY committed_at`,
    )
    return rows.map((r) => ({ ref: String(r.change_name), name: String(r.change_name), toolId: String(r.change_name) }))
  },
}

/** knex: `knex_migrations(id, name, batch, migration_time)`; `name` is the file name (`20240115100000_create_users.js`). */
export const knex: Importer = {
  tool: 'knex',
  defaultTable: 'knex_migrations',
  async read(exec, dialect, table) {
    const rows = await readTable(exec, 'knex', table, `SELECT ${dialect.quoteIdent('name')} AS name FROM ${quoteQualified(dialect, table)} ORDER BY id`)
    return rows.map((r) => {
      const file = String(r.name)
      const base = file.replace(/\.(c|m)?(js|ts)$/, '')
      const v = /^(\d+)[_-](.+)$/.exec(base)
      return v ? { ref: file, version: v[1]!, name: v[2]! } : { ref: file, name: base }
    })
  },
}

/**
 * goose: `goose_db_version(id, version_id, is_applied, tstamp)` gains a row at every up
 * (`is_applied` true) and every down (false); a version is applied when its newest row says so.
 * Version 0 is the row goose writes when it creates the table.
 */
export const goose: Importer = {
  tool: 'goose',
  defaultTable: 'goose_db_version',
  async read(exec, dialect, table) {
    const rows = await readTable(exec, 'goose', table, `SELECT version_id, is_applied FROM ${quoteQualified(dialect, table)} ORDER BY id`)
    const state = new Map<string, boolean>()
    for (const r of rows) {
      const version = String(r.version_id)
      state.delete(version)
      state.set(version, truthy(r.is_applied))
    }
    return [...state].filter(([version, applied]) => applied && version !== '0').map(([version]) => ({ ref: version, version }))
  },
}

/**
 * Liquibase: `databasechangelog(id, author, filename, dateexecuted, orderexecuted, exectype, md5sum, …)`
 * (upper case on MySQL and SQLite, lower case on PostgreSQL); a changeset is `author:id`. EXECUTED,
 * RERAN and MARK_RAN rows are applied; FAILED is reported; SKIPPED is left aside.
 */
export const liquibase: Importer = {
  tool: 'liquibase',
  defaultTable: 'databasechangelog',
  async read(exec, dialect, table) {
    const select = (t: string) =>
      readTable(exec, 'liquibase', t, `SELECT id, author, filename, exectype FROM ${quoteQualified(dialect, t)} ORDER BY orderexecuted, dateexecuted`)
    let rows: Awaited<ReturnType<typeof select>>
    try {
      rows = await select(table)
    } catch (err) {
      // Liquibase writes DATABASECHANGELOG in upper case where identifiers are not folded (MySQL on Linux)
      if (table !== 'databasechangelog') throw err
      rows = await select('DATABASECHANGELOG').catch(() => Promise.reject(err))
    }
    return rows.map((r) => {
      const toolId = `${String(r.author ?? r.AUTHOR)}:${String(r.id ?? r.ID)}`
      const ref = `${toolId} (${String(r.filename ?? r.FILENAME)})`
      const type = String(r.exectype ?? r.EXECTYPE ?? '').toUpperCase()
      if (type === 'FAILED') return { ref, toolId, problem: 'failed in Liquibase' }
      if (type === 'SKIPPED') return { ref, skip: 'skipped by Liquibase' }
      return { ref, toolId }
    })
  },
}

/** Every importer, by tool name. */
export const IMPORTERS: Record<ImportTool, Importer> = { dbmate, goose, 'golang-migrate': golangMigrate, flyway, sqitch, liquibase, knex }
