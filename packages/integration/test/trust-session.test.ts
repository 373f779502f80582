import type { Driver } from '@mig/core'
import { type DialectName, tempProject, testDialects } from '@mig/test-utils'
import { describe, expect, it } from 'vitest'
import { runMig, withDriver } from './cli.js'

/** What pg_dump 15 writes for a table and a function (with its psql `\restrict` guard lines). */
const PG_DUMP = `--
-- PostgreSQL database dump
--

\\restrict n78bpOP7OkEuWhBfKphQrgk3j7Xm8tHGncWi1nQOqGOr4B84QPhGXKnaFpuJlNI

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: customer_names(); Type: FUNCTION; Schema: public; Owner: postgres
--

CREATE FUNCTION public.customer_names() RETURNS SETOF text
    LANGUAGE sql
    AS $$SELECT name FROM customer$$;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: customer; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.customer (
    id integer NOT NULL,
    name text NOT NULL
);

--
-- Name: customer customer_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.customer
    ADD CONSTRAINT customer_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\\unrestrict n78bpOP7OkEuWhBfKphQrgk3j7Xm8tHGncWi1nQOqGOr4B84QPhGXKnaFpuJlNI
`

/** Per dialect: a migration that changes the session, and a query of the settings it changed. */
interface SessionCase {
  /** Changes settings (and, where the engine has one, the current schema or database). */
  change: string
  /** A SELECT of the settings, one row; compared with a fresh session's. */
  settings: string
}

const CASES: Record<DialectName, SessionCase> = {
  postgres: {
    change:
      "SET work_mem = '77MB';\nSET statement_timeout = 123456;\nSELECT pg_catalog.set_config('search_path', '', false);\nSET client_min_messages = error;\n",
    settings:
      "SELECT current_setting('work_mem') AS work_mem, current_setting('statement_timeout') AS statement_timeout, current_setting('search_path') AS search_path, current_setting('client_min_messages') AS client_min_messages",
  },
  mysql: {
    change:
      "SET SESSION sql_mode = 'ANSI_QUOTES';\nSET foreign_key_checks = 0;\nSET unique_checks = 0;\nSET SESSION time_zone = '+05:00';\nUSE information_schema;\n",
    settings:
      'SELECT @@SESSION.sql_mode AS sql_mode, @@SESSION.foreign_key_checks AS foreign_key_checks, @@SESSION.unique_checks AS unique_checks, @@SESSION.time_zone AS time_zone, DATABASE() AS db',
  },
  sqlite: {
    // -- mig:no-transaction: PRAGMA foreign_keys is a no-op inside a transaction
    change: '-- mig:no-transaction\nPRAGMA foreign_keys = OFF;\nPRAGMA recursive_triggers = ON;\nPRAGMA case_sensitive_like = ON;\n',
    settings:
      "SELECT (SELECT foreign_keys FROM pragma_foreign_keys) AS foreign_keys, (SELECT recursive_triggers FROM pragma_recursive_triggers) AS recursive_triggers, 'a' LIKE 'A' AS like_ignores_case",
  },
}

/** Rows as text, the target database's name (which differs between the two databases compared) as `<target>`. */
function rowText(rows: Record<string, unknown>[], url: string): string {
  const database = decodeURIComponent(new URL(url).pathname.slice(1))
  return JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v) === database ? '<target>' : String(v)]))))
}

/**
 * Session isolation: each migration starts with the session as the target configures it, so a
 * batch behaves as the same migrations run one at a time, and mig's own history writes never
 * depend on what a migration did to the session.
 */
for (const dialect of testDialects()) {
  const c = CASES[dialect.name]
  describe(`${dialect.name}: session isolation`, () => {
    const files = {
      'migrations/001_change.sql': c.change,
      'migrations/002_observe.sql': `CREATE TABLE observed AS ${c.settings};\n`,
      'migrations/003_more.sql': 'CREATE TABLE later (id INTEGER);\n',
    }

    it('settings one migration changes do not reach the next one, nor the history writes', async () => {
      const p = tempProject(files)
      const url = await dialect.createDatabase()
      const oneByOne = await dialect.createDatabase()
      try {
        const run = await runMig(['up', '--database', url], p.dir)
        expect(run.code, run.stderr).toBe(0)
        expect(run.stdout).toMatch(/Applied 3 migrations/)
        // one at a time: the reference a batch must match
        for (let i = 0; i < 3; i++) {
          const step = await runMig(['up', '1', '--database', oneByOne], p.dir)
          expect(step.code, step.stderr).toBe(0)
        }
        const read = (d: Driver) => d.query('SELECT * FROM observed')
        const fresh = await withDriver(dialect.name, url, (d) => d.query(c.settings))
        const batch = await withDriver(dialect.name, url, read)
        const single = await withDriver(dialect.name, oneByOne, read)
        expect(rowText(batch, url), 'a batch sees the session a fresh connection has').toBe(rowText(fresh, url))
        expect(rowText(batch, url), 'a batch behaves as one-at-a-time runs').toBe(rowText(single, oneByOne))
        const history = await withDriver(dialect.name, url, (d) => d.query('SELECT version, status FROM schema_migrations ORDER BY version'))
        expect(history.map((r) => `${r.version}:${r.status}`)).toEqual(['001:applied', '002:applied', '003:applied'])
      } finally {
        p.cleanup()
        await dialect.dropDatabase(url)
        await dialect.dropDatabase(oneByOne)
      }
    })

    if (dialect.name === 'postgres') {
      it('a pg_dump file applies as a migration, and the next migration runs with the target search_path', async () => {
        const p = tempProject({
          'migrations/001_dump.sql': PG_DUMP,
          'migrations/002_orders.sql': 'CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customer (id));\n',
        })
        const url = await dialect.createDatabase()
        try {
          const run = await runMig(['up', '--database', url], p.dir)
          expect(run.code, run.stderr).toBe(0)
          const tables = await withDriver(dialect.name, url, (d) =>
            d.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`),
          )
          expect(tables.map((r) => r.t)).toEqual([
            'public.customer',
            'public.orders',
            'public.schema_migrations',
            'public.schema_migrations_log',
            'public.schema_migrations_meta',
          ])
          const status = await runMig(['status', '--database', url], p.dir)
          expect(status.stdout).toMatch(/001\s+dump\s+applied/)
          expect(status.stdout).toMatch(/002\s+orders\s+applied/)
        } finally {
          p.cleanup()
          await dialect.dropDatabase(url)
        }
      })

      it("the URL's search_path comes back after a migration changes it", async () => {
        const p = tempProject({
          'migrations/001_schema.sql': 'CREATE SCHEMA IF NOT EXISTS other;\nSET search_path = other;\nCREATE TABLE in_other (id integer);\n',
          'migrations/002_app.sql': 'CREATE TABLE in_app (id integer);\n',
        })
        const base = await dialect.createDatabase()
        try {
          await withDriver(dialect.name, base, (d) => d.query('CREATE SCHEMA app'))
          const url = `${base}?search_path=app`
          const run = await runMig(['up', '--database', url], p.dir)
          expect(run.code, run.stderr).toBe(0)
          const tables = await withDriver(dialect.name, base, (d) =>
            d.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('app', 'other') ORDER BY 1`),
          )
          expect(tables.map((r) => r.t)).toEqual([
            'app.in_app',
            'app.schema_migrations',
            'app.schema_migrations_log',
            'app.schema_migrations_meta',
            'other.in_other',
          ])
        } finally {
          p.cleanup()
          await dialect.dropDatabase(base)
        }
      })
    }
  })
}
