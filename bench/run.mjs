#!/usr/bin/env node
// pnpm bench: mig against the database clients on 1,000 generated migrations.
// Each migration creates one table and inserts 10 rows. Prints medians of several runs, ratios and
// peak RSS (from /usr/bin/time). Servers: MIG_BENCH_PG_URL, MIG_BENCH_MYSQL_URL (defaults: local).
// MIG_BENCH_ONLY=csv: a generated CSV of MIG_BENCH_CSV_MIB MiB (default 100) loaded by a template
// with csv_insert, against psql \copy of the same file (MIG_BENCH_CSV_RUNS runs, default 1).
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, hostname, loadavg, tmpdir, totalmem, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchTenants, tenantDialects } from './tenants.mjs'
// the CSV the template tests load (built: pnpm build)
import { writeCsv } from '../packages/test-utils/dist/csv-data.js'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const MIG = join(root, 'apps/cli/dist/bin.cjs')
const COUNT = Number(process.env.MIG_BENCH_COUNT ?? 1000)
const N = COUNT.toLocaleString('en')
const RUNS = Number(process.env.MIG_BENCH_RUNS ?? 5)
const WARMUP = Number(process.env.MIG_BENCH_WARMUP ?? 1)
const PG = new URL(process.env.MIG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const MY = new URL(process.env.MIG_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql')
const ONLY = (process.env.MIG_BENCH_ONLY ?? 'postgres,mysql,cli,tenants,sqltests').split(',')
const SQL_TESTS = Number(process.env.MIG_BENCH_SQL_TESTS ?? 100)
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

if (!existsSync(MIG)) {
  console.error(`${MIG} is missing: run pnpm build first`)
  process.exit(2)
}

// ---------- the project ----------
const dir = mkdtempSync(join(tmpdir(), 'mig-bench-'))
mkdirSync(join(dir, 'migrations'))
const migrations = []
for (let i = 1; i <= COUNT; i++) {
  const version = String(20240101000000 + i)
  const rows = Array.from({ length: 10 }, (_, k) => `(${k + 1}, 'row ${k + 1} of table ${i}')`).join(', ')
  const statements = [`CREATE TABLE bench_${i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)`, `INSERT INTO bench_${i} (id, name) VALUES ${rows}`]
  const m = { version, name: `create_bench_${i}`, statements, sql: statements.map((s) => `${s};\n`).join('') }
  writeFileSync(join(dir, 'migrations', `${version}_${m.name}.sql`), m.sql)
  migrations.push(m)
}
const all = migrations.map((m) => m.sql).join('')
const allFile = join(dir, 'all.sql')
writeFileSync(allFile, all)

// ---------- the environment ----------
// Node reads the certificates named by NODE_EXTRA_CA_CERTS at every start. Some sandboxes and CI
// images set it to the system's bundle (~140 certificates): that makes `node -e 0` three times as
// slow (31 ms -> 93 ms on the machine in docs/benchmarks.md) and every ratio against it look
// better than it is. A usual workstation does not set it, so neither side of any pair gets it,
// unless MIG_BENCH_KEEP_ENV=1. mig's compile cache lives in the run's own directory: the first
// run of each command is a cold start, the median is not.
const ENV = { ...process.env, MIG_COMPILE_CACHE: join(dir, 'compile-cache') }
if (!process.env.MIG_BENCH_KEEP_ENV) delete ENV.NODE_EXTRA_CA_CERTS

// ---------- measuring ----------
/** Run a command; returns wall ms and peak RSS in MB (via /usr/bin/time -f %M). */
function measure(cmd, args, { input, env, cwd = dir } = {}) {
  const statsFile = join(dir, 'time.txt')
  const full = TIME ? [TIME, ['-f', '%M', '-o', statsFile, cmd, ...args]] : [cmd, args]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(full[0], full[1], { cwd, input, env: { ...ENV, ...env }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(0, 2000)}`)
  let rssMb
  if (TIME) {
    try {
      rssMb = Number(execFileSync('tail', ['-n1', statsFile]).toString().trim()) / 1024
    } catch {}
  }
  return { ms, rssMb }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Run the baseline and mig alternately, RUNS times each (`setup` before every run): the machine's
 * load changes over a run, so pairs measured back to back compare better than two series. WARMUP
 * pairs come first and are printed but not counted: mig's first run of a command is a cold start
 * (no compile cache yet), and the first apply on a fresh server runs faster than the ones after it
 * for both sides. Prints medians, the median of the pairwise ratios, and the largest peak RSS (of
 * every run, warm-up included). `target` undefined: a reference measure, printed without a verdict.
 */
const results = []
function compare(name, target, base, subject, { runs = RUNS, warmup = WARMUP } = {}) {
  const a = { times: [], rss: 0 }
  const b = { times: [], rss: 0 }
  const ratios = []
  const warm = []
  for (let k = -warmup; k < runs; k++) {
    base.setup?.()
    const rb = base.run()
    subject.setup?.()
    const ra = subject.run()
    b.rss = Math.max(b.rss, rb.rssMb ?? 0)
    a.rss = Math.max(a.rss, ra.rssMb ?? 0)
    if (k < 0) {
      warm.push(`${ra.ms.toFixed(0)} / ${rb.ms.toFixed(0)} ms`)
      continue
    }
    b.times.push(rb.ms)
    a.times.push(ra.ms)
    ratios.push(ra.ms / rb.ms)
  }
  const line = (label, x) =>
    console.log(
      `  ${label.padEnd(34)} median ${median(x.times).toFixed(0).padStart(6)} ms   peak RSS ${x.rss ? `${x.rss.toFixed(0)} MB` : 'n/a'}   (runs: ${x.times.map((t) => t.toFixed(0)).join(', ')})`,
    )
  line(subject.label, a)
  line(base.label, b)
  if (warm.length) console.log(`  (warm-up, not counted: ${warm.join(', ')})`)
  const r = median(ratios)
  const ok = target === undefined ? undefined : r <= target
  results.push({ name, ratio: r, target, ok, a: { ms: median(a.times), rssMb: a.rss }, b: { ms: median(b.times), rssMb: b.rss } })
  const verdict = target === undefined ? 'reference, no target)' : `target <= ${target}x) ${ok ? 'MET' : 'NOT MET'}`
  console.log(`  => ${name}: ${r.toFixed(2)}x (median of pairwise ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}; ${verdict}\n`)
}

const HISTORY_TABLES = ['schema_migrations', 'schema_migrations_log']

/**
 * all.sql with the record mig keeps on MySQL (docs/drivers.md), as the client would send it: each
 * migration's `running` row committed before its DDL; its data change, progress, `applied` row
 * and log entry (with its SQL) committed together with the next migration's `running` row, as
 * mig's batches do, but one statement per round trip. `ddl`: the tables of HISTORY_TABLES.
 */
function withMysqlHistory(ddl) {
  const lit = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\n/g, '\\n')}'`
  const by = lit(userInfo().username)
  const out = ddl.map((d) => `${d};\n`)
  migrations.forEach((m, i) => {
    const checksum = lit(createHash('sha256').update(m.sql).digest('hex'))
    const where = `WHERE version = '${m.version}' AND scope = 'shared'`
    out.push(
      i === 0 ? 'START TRANSACTION;\n' : '',
      `INSERT INTO schema_migrations (name, kind, checksum, applied_at, duration_ms, applied_by, status, version, scope) VALUES ('${m.name}', 'versioned', ${checksum}, NOW(3), 0, ${by}, 'running', '${m.version}', 'shared');\nCOMMIT;\n`,
      `${m.statements[0]};\nSTART TRANSACTION;\n${m.statements[1]};\n`,
      `UPDATE schema_migrations SET statement_index = 2, statement_line = 2 ${where};\n`,
      `UPDATE schema_migrations SET name = '${m.name}', kind = 'versioned', checksum = ${checksum}, applied_at = NOW(3), duration_ms = 5, applied_by = ${by}, status = 'applied', error = NULL, statement_index = NULL, statement_line = NULL ${where};\n`,
      `INSERT INTO schema_migrations_log (version, name, action, status, scope, checksum, sql_text, applied_by, host, at, duration_ms) VALUES ('${m.version}', '${m.name}', 'apply', 'ok', 'shared', ${checksum}, ${lit(m.sql)}, ${by}, ${lit(hostname())}, NOW(3), 5);\n`,
    )
  })
  out.push('COMMIT;\n')
  return out.join('')
}

const pgUrl = (db) => {
  const u = new URL(PG)
  u.pathname = `/${db}`
  return u.toString()
}
const myUrl = (db) => {
  const u = new URL(MY)
  u.pathname = `/${db}`
  return u.toString()
}
const psqlArgs = (db) => ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl(db)]
const mariadbArgs = (db) => {
  const a = ['-h', MY.hostname, '-P', MY.port || '3306', '-u', decodeURIComponent(MY.username || 'root')]
  if (MY.password) a.push(`-p${decodeURIComponent(MY.password)}`)
  return [...a, db]
}
const pgAdmin = (sql) => execFileSync('psql', [...psqlArgs(PG.pathname.slice(1)), '-c', sql], { stdio: 'pipe' })
const myAdmin = (sql) => execFileSync('mariadb', [...mariadbArgs(''), '-e', sql], { stdio: 'pipe' })
const mig = (args) => [process.execPath, [MIG, ...args]]
/**
 * MIG_BENCH_BEFORE: the bin.cjs of another build (a checkout of an earlier commit, built): the apply
 * and status measures are then also taken for it, paired with this build's, as reference ratios.
 */
const BEFORE = process.env.MIG_BENCH_BEFORE
const before = (args) => [process.execPath, [BEFORE, ...args]]
/** This build against MIG_BENCH_BEFORE on the same command (`setup` before each run). */
function compareBefore(name, args, setup) {
  if (!BEFORE) return
  compare(name, undefined, { label: 'before', setup, run: () => measure(...before(args)) }, { label: 'this build', setup, run: () => measure(...mig(args)) })
}
/** Drop and create a PostgreSQL database. */
function pgReset(db) {
  pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  pgAdmin(`CREATE DATABASE ${db}`)
  // a dropped database's tables leave files to unlink and buffers to write at the next
  // checkpoint: taken here, so that work does not land in the middle of the next measured run
  pgAdmin('CHECKPOINT')
}
// random database names: two people (or a CI run) benchmarking on one server must not drop each other's
const RUN_ID = randomBytes(4).toString('hex')
const cleanups = []

console.log(`mig bench: ${COUNT} migrations (CREATE TABLE + INSERT of 10 rows each), median of ${RUNS} runs after ${WARMUP} warm-up`)
console.log(
  `environment: NODE_EXTRA_CA_CERTS ${ENV.NODE_EXTRA_CA_CERTS ? `kept (${ENV.NODE_EXTRA_CA_CERTS})` : process.env.NODE_EXTRA_CA_CERTS ? 'removed (MIG_BENCH_KEEP_ENV=1 keeps it)' : 'not set'}`,
)
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
)

const node0 = { label: 'node -e 0', run: () => measure(process.execPath, ['-e', '0']) }

try {
  if (ONLY.includes('postgres')) {
    console.log('PostgreSQL')
    const db = `mig_bench_pg_${RUN_ID}`
    cleanups.push(() => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
    const reset = () => pgReset(db)
    compare(
      'PostgreSQL mig up / psql -1 -f',
      1.1,
      { label: 'psql -1 -f all.sql', setup: reset, run: () => measure('psql', [...psqlArgs(db), '-1', '-f', allFile]) },
      { label: 'mig up', setup: reset, run: () => measure(...mig(['up', '--quiet', '--database', pgUrl(db)])) },
    )
    compare('PostgreSQL mig status / node -e 0', 2, node0, {
      label: `mig status (${N} applied)`,
      run: () => measure(...mig(['status', '--database', pgUrl(db)])),
    })
    compare('PostgreSQL no-op mig up / node -e 0', 2, node0, { label: 'mig up (nothing pending)', run: () => measure(...mig(['up', '--database', pgUrl(db)])) })
    compareBefore('PostgreSQL mig status: this build / before', ['status', '--database', pgUrl(db)])
    compareBefore('PostgreSQL mig up: this build / before', ['up', '--quiet', '--database', pgUrl(db)], reset)
    pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  }
  if (ONLY.includes('mysql')) {
    console.log('MariaDB / MySQL')
    const db = `mig_bench_my_${RUN_ID}`
    cleanups.push(() => myAdmin(`DROP DATABASE IF EXISTS ${db}`))
    const reset = () => myAdmin(`DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}`)
    compare(
      'MariaDB mig up / mariadb client',
      1.0,
      { label: 'mariadb < all.sql', setup: reset, run: () => measure('mariadb', mariadbArgs(db), { input: all }) },
      { label: 'mig up', setup: reset, run: () => measure(...mig(['up', '--quiet', '--database', myUrl(db)])) },
    )
    compareBefore('MariaDB mig up: this build / before', ['up', '--quiet', '--database', myUrl(db)], reset)
    // The same comparison with the client keeping the record mig keeps: what of the ratio above is
    // that record (which the contract asks for), and what is mig's own. The tables as mig created
    // them in the last run above.
    const ddl = HISTORY_TABLES.map((t) => {
      const out = execFileSync('mariadb', [...mariadbArgs(db), '-N', '-B', '-r', '-e', `SHOW CREATE TABLE ${t}`]).toString()
      return out
        .slice(out.indexOf('\t') + 1)
        .trim()
        .replace(/ AUTO_INCREMENT=\d+/, '')
    })
    const allWithHistory = withMysqlHistory(ddl)
    compare(
      'MariaDB mig up / client writing the same history',
      undefined,
      { label: 'mariadb < all-with-history.sql', setup: reset, run: () => measure('mariadb', mariadbArgs(db), { input: allWithHistory }) },
      { label: 'mig up', setup: reset, run: () => measure(...mig(['up', '--quiet', '--database', myUrl(db)])) },
    )
    compare('MariaDB mig status / node -e 0', 2, node0, { label: `mig status (${N} applied)`, run: () => measure(...mig(['status', '--database', myUrl(db)])) })
    compare('MariaDB no-op mig up / node -e 0', 2, node0, { label: 'mig up (nothing pending)', run: () => measure(...mig(['up', '--database', myUrl(db)])) })
    myAdmin(`DROP DATABASE IF EXISTS ${db}`)
  }
  if (tenantDialects(ONLY).length) {
    /** A ratio measured outside `compare` (one subject, one baseline), in the summary like the others. */
    const record = (name, target, aMs, bMs, rssMb) => {
      const ratio = aMs / bMs
      const ok = ratio <= target
      results.push({ name, ratio, target, ok, a: { ms: aMs, rssMb }, b: { ms: bMs } })
      console.log(`  => ${name}: ${ratio.toFixed(2)}x (target <= ${target}x) ${ok ? 'MET' : 'NOT MET'}`)
    }
    benchTenants({ measure, median, record, pgAdmin, pgUrl, psqlArgs, myAdmin, myUrl, mariadbArgs, mig, dir, runId: RUN_ID, cleanups }, tenantDialects(ONLY))
  }
  if (ONLY.includes('sqltests')) {
    console.log(`SQL tests (PostgreSQL): ${SQL_TESTS} tests of 5 statements, each in a copy of the target`)
    const db = `mig_bench_sqlt_${RUN_ID}`
    cleanups.push(() => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
    pgAdmin(`CREATE DATABASE ${db}`)
    const project = join(dir, 'sqltests')
    mkdirSync(join(project, 'migrations'), { recursive: true })
    writeFileSync(join(project, 'mig.toml'), `[targets.dev]\nurl = "${pgUrl(db)}"\n`)
    writeFileSync(
      join(project, 'migrations', '20240101000000_items.sql'),
      "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2));\nINSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 100) g;\n",
    )
    for (let i = 1; i <= SQL_TESTS; i++) {
      const t = join(project, 'tests', `t${String(i).padStart(3, '0')}`)
      mkdirSync(t, { recursive: true })
      writeFileSync(
        join(t, 'test.sql'),
        `SELECT count(*) AS n FROM items;\nINSERT INTO items VALUES (${1000 + i}, 'new ${i}', ${i}.25);\nUPDATE items SET price = price * 2 WHERE id <= ${i % 10};\nSELECT id, name, price FROM items WHERE id <= 3 OR id = ${1000 + i} ORDER BY id;\nSELECT sum(price) AS total FROM items;\n`,
      )
    }
    const tests = readdirSync(join(project, 'tests')).sort()
    const inProject = (cmd, args) => execFileSync(cmd, args, { cwd: project, env: ENV, stdio: 'pipe' })
    inProject(process.execPath, [MIG, 'up', '--quiet'])
    inProject(process.execPath, [MIG, 'test', 'expect', '--quiet'])
    // The loop a shell user writes: copy the database, run the script with psql as pg_regress does
    // (echo, quiet), diff with the recorded output, drop the copy. Its expected files are recorded first.
    const loop = (record) =>
      [
        'set -e',
        `for t in ${tests.join(' ')}; do`,
        `  createdb -h ${PG.hostname} -p ${PG.port || 5432} -U ${decodeURIComponent(PG.username || 'postgres')} -T ${db} ${db}_$t`,
        `  psql -X -a -q -d "${pgUrl(`${db}_$t`)}" -f tests/$t/test.sql > tests/$t/${record ? 'psql-expected.out' : 'psql-actual.out'} 2>&1`,
        record ? '' : `  diff -u tests/$t/psql-expected.out tests/$t/psql-actual.out`,
        `  dropdb -h ${PG.hostname} -p ${PG.port || 5432} -U ${decodeURIComponent(PG.username || 'postgres')} ${db}_$t`,
        'done',
      ].join('\n')
    execFileSync('bash', ['-c', loop(true)], { cwd: project, env: ENV, stdio: 'pipe' })
    const loopScript = join(project, 'loop.sh')
    writeFileSync(loopScript, loop(false))
    const runIn = (cmd, args) => {
      const r = spawnSync(TIME ? TIME : cmd, TIME ? ['-f', '%M', '-o', join(dir, 'time.txt'), cmd, ...args] : args, { cwd: project, env: ENV, stdio: 'pipe' })
      return r
    }
    const timed = (cmd, args) => () => {
      const t0 = process.hrtime.bigint()
      const r = runIn(cmd, args)
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(0, 2000)}${String(r.stdout).slice(0, 2000)}`)
      let rssMb
      if (TIME)
        rssMb =
          Number(
            execFileSync('tail', ['-n1', join(dir, 'time.txt')])
              .toString()
              .trim(),
          ) / 1024
      return { ms, rssMb }
    }
    compare(
      `PostgreSQL mig test compare / createdb+psql+diff+dropdb loop (${SQL_TESTS} tests)`,
      0.8,
      { label: `shell loop (${SQL_TESTS} tests)`, run: timed('bash', [loopScript]) },
      { label: `mig test compare (${SQL_TESTS} tests)`, run: timed(process.execPath, [MIG, 'test', 'compare', '--quiet']) },
    )
    const last = results.at(-1)
    console.log(
      `  per test: mig ${(last.a.ms / SQL_TESTS).toFixed(1)} ms, loop ${(last.b.ms / SQL_TESTS).toFixed(1)} ms; mig's overhead over the loop ${((last.a.ms - last.b.ms) / SQL_TESTS).toFixed(1)} ms per test\n`,
    )
  }
  if (ONLY.includes('csv')) {
    const mib = Number(process.env.MIG_BENCH_CSV_MIB ?? 100)
    const project = join(dir, 'csv')
    mkdirSync(join(project, 'migrations'), { recursive: true })
    mkdirSync(join(project, 'data'))
    const csvFile = join(project, 'data', 'big.csv')
    const rows = writeCsv(csvFile, mib * 2 ** 20)
    const table = 'CREATE TABLE big (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, note VARCHAR(40))'
    writeFileSync(join(project, 'migrations', '001_load.sql.njk'), `${table};\n{{ csv_insert("data/big.csv", "big", batch=1000, null_as="") }}\n`)
    console.log(`PostgreSQL, a ${mib} MiB CSV (${rows.toLocaleString('en')} rows) through a template`)
    const db = `mig_bench_csv_${RUN_ID}`
    cleanups.push(() => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
    const reset = () => pgReset(db)
    compare(
      `PostgreSQL csv_insert of ${mib} MiB / psql \\copy`,
      1.5,
      {
        label: 'psql \\copy big FROM big.csv',
        setup: () => {
          reset()
          execFileSync('psql', [...psqlArgs(db), '-c', table], { stdio: 'pipe' })
        },
        run: () => measure('psql', [...psqlArgs(db), '-c', `\\copy big FROM '${csvFile}' WITH (FORMAT csv, HEADER true)`]),
      },
      {
        label: 'mig up (csv_insert)',
        setup: reset,
        run: () => {
          const r = measure(...mig(['up', '--quiet', '--database', pgUrl(db)]), { cwd: project })
          // every row arrived (checked after the measured run)
          const n = Number(execFileSync('psql', [...psqlArgs(db), '-tAc', 'SELECT count(*) FROM big'], { encoding: 'utf8' }).trim())
          if (n !== rows) throw new Error(`mig up loaded ${n} rows of ${rows}`)
          return r
        },
      },
      { runs: Number(process.env.MIG_BENCH_CSV_RUNS ?? 1), warmup: 0 },
    )
    const peak = results.at(-1).a.rssMb
    console.log(`  => mig peak RSS ${peak?.toFixed(0) ?? '?'} MB (target <= 200 MB) ${peak === undefined ? '' : peak <= 200 ? 'MET' : 'NOT MET'}\n`)
    pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  }
  if (ONLY.includes('cli')) {
    console.log('CLI start, and the floor under status')
    compare('mig --version / node -e 0', 1.5, node0, { label: 'mig --version', run: () => measure(...mig(['--version'])) })
    // No database: the floor under the status ratios above, whatever the tool.
    compare('files read, hashed and listed / node -e 0', undefined, node0, {
      label: `status-floor.cjs (${N} files)`,
      run: () => measure(process.execPath, [join(root, 'bench/status-floor.cjs'), join(dir, 'migrations')]),
    })
  }
} finally {
  for (const c of cleanups) {
    try {
      c()
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true })
}

console.log(
  `Summary (load average at the end ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')})`,
)
for (const r of results)
  console.log(
    `  ${r.ok === undefined ? 'REF    ' : r.ok ? 'MET    ' : 'NOT MET'} ${r.name}: ${r.ratio.toFixed(2)}x (${r.ok === undefined ? 'no target' : `target <= ${r.target}x`}; ${r.a.ms.toFixed(0)} ms vs ${r.b.ms.toFixed(0)} ms, peak RSS ${r.a.rssMb?.toFixed(0) ?? '?'} MB vs ${r.b.rssMb?.toFixed(0) ?? '?'} MB)`,
  )
