#!/usr/bin/env node
// Benchmark (not a test): dump and diff of a generated 1,000-table schema. Target <= 3 s each.
// Usage: pnpm build && node bench/schema.mjs [sqlite] [postgres] [mysql]   (default: all three)
// PG_URL / MYSQL_URL point at the servers (defaults: the local test servers).
import { createRequire } from 'node:module'
import { diffSchemas, dumpSchema, renderMigration, splitStatements } from '../packages/core/dist/index.js'

const requirePg = createRequire(new URL('../packages/driver-postgres/package.json', import.meta.url))
const requireMysql = createRequire(new URL('../packages/driver-mysql/package.json', import.meta.url))
const TABLES = Number(process.env.BENCH_TABLES ?? 1000)
const which = process.argv.slice(2).length ? process.argv.slice(2) : ['sqlite', 'postgres', 'mysql']

/** 1,000 tables: 6 columns, a primary key, a unique, an index, a foreign key to the previous table; 50 views. */
function schemaSql(dialect, variant) {
  const out = []
  for (let i = 0; i < TABLES; i++) {
    const id = dialect === 'mysql' ? 'id int NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'id integer NOT NULL PRIMARY KEY'
    const extra = variant && i % 10 === 0 ? ', phone varchar(20)' : ''
    const fk = i > 0 ? `, CONSTRAINT t${i}_parent_fk FOREIGN KEY (parent_id) REFERENCES t${i - 1} (id)` : ''
    out.push(
      `CREATE TABLE t${i} (${id}, parent_id integer, name varchar(${variant && i % 7 === 0 ? 200 : 100}) NOT NULL, email varchar(200), ` +
        `score integer DEFAULT 0, created_at varchar(30)${extra}, CONSTRAINT t${i}_email_key UNIQUE (email)${fk});`,
    )
    out.push(`CREATE INDEX t${i}_name_idx ON t${i} (name);`)
  }
  for (let i = 0; i < 50; i++) out.push(`CREATE VIEW v${i} AS SELECT id, name FROM t${i * 20} WHERE score > ${variant ? 1 : 0};`)
  return out.join('\n')
}

async function time(label, fn) {
  const t0 = performance.now()
  const r = await fn()
  const ms = performance.now() - t0
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2)} s${ms > 3000 ? '  (over the 3 s target)' : ''}`)
  return r
}

async function bench(name, open) {
  const a = await open()
  const b = await open()
  try {
    await a.apply(schemaSql(name, false))
    await b.apply(schemaSql(name, true))
    const sql = await time(`${name}: dump (introspect + SQL)`, async () => dumpSchema(await a.introspect(), a.ddl))
    await time(`${name}: diff (2 introspections + diff)`, async () => {
      const d = diffSchemas(await a.introspect(), await b.introspect())
      return renderMigration(d, a.ddl).sql
    })
    console.log(`${name}: ${TABLES} tables, dump ${sql.length} bytes`)
  } finally {
    await a.close()
    await b.close()
  }
}

if (which.includes('sqlite')) {
  const { createDriver } = await import('../packages/driver-sqlite/dist/index.js')
  await bench('sqlite', async () => {
    const d = createDriver('sqlite::memory:')
    await d.connect()
    return { apply: async (s) => d.client.exec(s), introspect: () => d.introspect(), ddl: d.ddl, close: () => d.close() }
  })
}

if (which.includes('postgres')) {
  const pg = requirePg('pg')
  const { introspectPostgres, postgresDdl } = await import('../packages/driver-postgres/dist/index.js')
  const base = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await bench('postgres', async () => {
    const name = `mig_bench_${Math.random().toString(36).slice(2, 8)}`
    await admin.query(`CREATE DATABASE ${name}`)
    const u = new URL(base)
    u.pathname = `/${name}`
    const c = new pg.Client({ connectionString: u.toString() })
    await c.connect()
    const exec = {
      query: async (sql, params) =>
        (
          await c.query(
            sql.replace(
              /\?/g,
              (
                (i) => () =>
                  `$${++i}`
              )(0),
            ),
            params,
          )
        ).rows,
    }
    return {
      apply: async (s) => c.query(s),
      introspect: () => introspectPostgres(exec),
      ddl: postgresDdl,
      close: async () => {
        await c.end()
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
      },
    }
  })
  await admin.end()
}

if (which.includes('mysql')) {
  const mysql = requireMysql('mysql2/promise')
  const { introspectMysql, mysqlDdl } = await import('../packages/driver-mysql/dist/index.js')
  const base = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql'
  const admin = await mysql.createConnection({ uri: base })
  await bench('mysql', async () => {
    const name = `mig_bench_${Math.random().toString(36).slice(2, 8)}`
    await admin.query(`CREATE DATABASE ${name}`)
    const u = new URL(base)
    u.pathname = `/${name}`
    const c = await mysql.createConnection({ uri: u.toString() })
    const exec = { query: async (sql, params) => (await c.query(sql, params))[0] }
    return {
      apply: async (s) => {
        for (const st of splitStatements(s, { backslashEscapes: true })) await c.query(st.sql)
      },
      introspect: () => introspectMysql(exec),
      ddl: mysqlDdl,
      close: async () => {
        await c.end()
        await admin.query(`DROP DATABASE ${name}`)
      },
    }
  })
  await admin.end()
}
