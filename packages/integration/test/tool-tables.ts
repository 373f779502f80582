import { type DialectName, randomName } from '@mig/test-utils'
import { withDriver } from './cli.js'

/**
 * The history tables other migration tools create, exactly as each tool does, by dialect (`{s}`
 * stands for sqitch's registry schema or database).
 */
export const TOOL_TABLES: Record<string, Record<string, string[]>> = {
  dbmate: {
    sqlite: ['CREATE TABLE IF NOT EXISTS "schema_migrations" (version varchar(128) primary key)'],
    postgres: ['create table if not exists public.schema_migrations (version varchar(128) primary key)'],
    mysql: ['create table if not exists schema_migrations (version varchar(128) primary key)'],
  },
  'golang-migrate': {
    sqlite: [
      'CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool)',
      'CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)',
    ],
    postgres: ['CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint not null primary key, dirty boolean not null)'],
    mysql: ['CREATE TABLE IF NOT EXISTS `schema_migrations` (version bigint not null primary key, dirty boolean not null)'],
  },
  flyway: {
    sqlite: [
      `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)`,
    ],
    postgres: [
      `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`,
    ],
    mysql: [
      'CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`))',
    ],
  },
  sqitch: {
    sqlite: [
      "CREATE TABLE projects (project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE, created_at DATETIME NOT NULL DEFAULT(strftime('%Y-%m-%d %H:%M:%f')), creator_name TEXT NOT NULL, creator_email TEXT NOT NULL)",
      "CREATE TABLE changes (change_id TEXT PRIMARY KEY, script_hash TEXT NULL UNIQUE, change TEXT NOT NULL, project TEXT NOT NULL REFERENCES projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '', committed_at DATETIME NOT NULL DEFAULT(strftime('%Y-%m-%d %H:%M:%f')), committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at DATETIME NOT NULL, planner_name TEXT NOT NULL, planner_email TEXT NOT NULL)",
    ],
    postgres: [
      'CREATE SCHEMA {s}',
      'CREATE TABLE {s}.projects (project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), creator_name TEXT NOT NULL, creator_email TEXT NOT NULL)',
      "CREATE TABLE {s}.changes (change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL, project TEXT NOT NULL REFERENCES {s}.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL, planner_email TEXT NOT NULL, UNIQUE(project, script_hash))",
    ],
    mysql: [
      'CREATE DATABASE {s}',
      'CREATE TABLE {s}.projects (project VARCHAR(255) PRIMARY KEY, uri VARCHAR(255) NULL UNIQUE, created_at DATETIME(6) NOT NULL, creator_name VARCHAR(255) NOT NULL, creator_email VARCHAR(255) NOT NULL) ENGINE InnoDB',
      'CREATE TABLE {s}.changes (change_id VARCHAR(40) PRIMARY KEY, script_hash VARCHAR(40) NULL, `change` VARCHAR(255) NOT NULL, project VARCHAR(255) NOT NULL REFERENCES {s}.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL, committed_at DATETIME(6) NOT NULL, committer_name VARCHAR(255) NOT NULL, committer_email VARCHAR(255) NOT NULL, planned_at DATETIME(6) NOT NULL, planner_name VARCHAR(255) NOT NULL, planner_email VARCHAR(255) NOT NULL, UNIQUE(project, script_hash)) ENGINE InnoDB',
    ],
  },
  knex: {
    sqlite: [
      'create table `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)',
      'create table `knex_migrations_lock` (`index` integer not null primary key autoincrement, `is_locked` integer)',
    ],
    postgres: [
      'create table "knex_migrations" ("id" serial primary key, "name" varchar(255), "batch" integer, "migration_time" timestamptz)',
      'create table "knex_migrations_lock" ("index" serial primary key, "is_locked" integer)',
    ],
    mysql: [
      'create table `knex_migrations` (`id` int unsigned not null auto_increment primary key, `name` varchar(255), `batch` int, `migration_time` timestamp)',
      'create table `knex_migrations_lock` (`index` int unsigned not null auto_increment primary key, `is_locked` int)',
    ],
  },
}

/**
 * Write a tool's history (its `tables` for the dialect, then `rows`) where the tool keeps it, run
 * `fn` with the flags `mig adopt --from` then needs, and clean up. sqitch's registry is schema
 * `sqitch` on PostgreSQL, a database of its own on MySQL (unique here, since the server is shared)
 * and a separate file next to the database on SQLite. `{s}` in the SQL is the registry, `{change}`
 * sqitch's `change` column as the dialect quotes it.
 */
export async function withToolHistory(
  tool: string,
  dialect: DialectName,
  target: { url: string; path: (rel: string) => string },
  sql: { tables: string[]; rows: string[]; adapt?: (sql: string) => string },
  fn: (adoptFlags: string[]) => Promise<void>,
): Promise<void> {
  let url = target.url
  const flags: string[] = []
  let registry = 'sqitch'
  if (tool === 'sqitch' && dialect === 'sqlite') {
    url = `sqlite:${target.path('sqitch.db')}`
    registry = 'main'
    flags.push('--history-url', url, '--table', 'changes')
  } else if (tool === 'sqitch' && dialect === 'mysql') {
    registry = randomName('sqitch')
    flags.push('--table', `${registry}.changes`)
  }
  const fill = (text: string) =>
    (sql.adapt ?? ((s: string) => s))(text.replaceAll('{s}', registry).replaceAll('{change}', dialect === 'mysql' ? '`change`' : 'change'))
  try {
    await withDriver(dialect, url, async (d) => {
      for (const text of [...sql.tables, ...sql.rows]) await d.query(fill(text))
    })
    await fn(flags)
  } finally {
    if (registry !== 'sqitch' && registry !== 'main') await withDriver(dialect, target.url, (d) => d.query(`DROP DATABASE IF EXISTS ${registry}`))
  }
}
