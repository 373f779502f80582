#!/usr/bin/env node
// pnpm bench: mig against the database clients on 1,000 generated migrations.
// Each migration creates one table and inserts 10 rows. Prints medians of several runs, ratios and
// peak RSS (from /usr/bin/time). Servers: MIG_BENCH_PG_URL, MIG_BENCH_MYSQL_URL (defaults: local).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const MIG = join(root, 'apps/cli/dist/bin.js')
const COUNT = Number(process.env.MIG_BENCH_COUNT ?? 1000)
const RUNS = Number(process.env.MIG_BENCH_RUNS ?? 5)
const PG = new URL(process.env.MIG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const MY = new URL(process.env.MIG_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql')
const ONLY = (process.env.MIG_BENCH_ONLY ?? 'postgres,mysql,cli').split(',')
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

if (!existsSync(MIG)) {
  console.error(`${MIG} is missing: run pnpm build first`)
  process.exit(2)
}

// ---------- the project ----------
const dir = mkdtempSync(join(tmpdir(), 'mig-bench-'))
mkdirSync(join(dir, 'migrations'))
let all = ''
for (let i = 1; i <= COUNT; i++) {
  const version = String(20240101000000 + i)
  const rows = Array.from({ length: 10 }, (_, k) => `(${k + 1}, 'row ${k + 1} of table ${i}')`).join(', ')
  const sql = `CREATE TABLE bench_${i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\nINSERT INTO bench_${i} (id, name) VALUES ${rows};\n`
  writeFileSync(join(dir, 'migrations', `${version}_create_bench_${i}.sql`), sql)
  all += sql
}
const allFile = join(dir, 'all.sql')
writeFileSync(allFile, all)

// ---------- measuring ----------
/** Run a command; returns wall ms and peak RSS in MB (via /usr/bin/time -f %M). */
function measure(cmd, args, { input, env } = {}) {
  const statsFile = join(dir, 'time.txt')
  const full = TIME ? [TIME, ['-f', '%M', '-o', statsFile, cmd, ...args]] : [cmd, args]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(full[0], full[1], { cwd: dir, input, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
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

/** Run `setup` then `fn` RUNS times; median wall time and max peak RSS. */
function bench(label, setup, fn) {
  const times = []
  let rss = 0
  for (let k = 0; k < RUNS; k++) {
    setup?.()
    const r = fn()
    times.push(r.ms)
    rss = Math.max(rss, r.rssMb ?? 0)
  }
  const out = { label, ms: median(times), rssMb: rss, times }
  console.log(`  ${label.padEnd(44)} ${out.ms.toFixed(0).padStart(7)} ms   peak RSS ${rss ? `${rss.toFixed(0)} MB` : 'n/a'}   (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`)
  return out
}

const results = []
function ratio(name, a, b, target) {
  const r = a.ms / b.ms
  const ok = r <= target
  results.push({ name, ratio: r, target, ok, a, b })
  console.log(`  => ${name}: ${r.toFixed(2)}x (target <= ${target}x) ${ok ? 'MET' : 'NOT MET'}\n`)
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

console.log(`mig bench: ${COUNT} migrations (CREATE TABLE + INSERT of 10 rows each), median of ${RUNS} runs`)
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}\n`)

const node0 = () => bench('node -e 0', null, () => measure(process.execPath, ['-e', '0']))

try {
  if (ONLY.includes('postgres')) {
    console.log('PostgreSQL')
    const db = 'mig_bench_pg'
    const reset = () => {
      pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
      pgAdmin(`CREATE DATABASE ${db}`)
    }
    const psql = bench('psql -1 -f all.sql', reset, () => measure('psql', [...psqlArgs(db), '-1', '-f', allFile]))
    const up = bench('mig up', reset, () => measure(...mig(['up', '--quiet', '--database', pgUrl(db)])))
    ratio('PostgreSQL mig up / psql -1 -f', up, psql, 1.1)
    const n0 = node0()
    const status = bench('mig status (1,000 applied)', null, () => measure(...mig(['status', '--database', pgUrl(db)])))
    ratio('PostgreSQL mig status / node -e 0', status, n0, 2)
    const noop = bench('mig up (nothing pending)', null, () => measure(...mig(['up', '--database', pgUrl(db)])))
    ratio('PostgreSQL no-op mig up / node -e 0', noop, n0, 2)
    pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  }
  if (ONLY.includes('mysql')) {
    console.log('MariaDB / MySQL')
    const db = 'mig_bench_my'
    const reset = () => myAdmin(`DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}`)
    const client = bench('mariadb < all.sql', reset, () => measure('mariadb', mariadbArgs(db), { input: all }))
    const up = bench('mig up', reset, () => measure(...mig(['up', '--quiet', '--database', myUrl(db)])))
    ratio('MariaDB mig up / mariadb client', up, client, 1.0)
    const n0 = node0()
    const status = bench('mig status (1,000 applied)', null, () => measure(...mig(['status', '--database', myUrl(db)])))
    ratio('MariaDB mig status / node -e 0', status, n0, 2)
    const noop = bench('mig up (nothing pending)', null, () => measure(...mig(['up', '--database', myUrl(db)])))
    ratio('MariaDB no-op mig up / node -e 0', noop, n0, 2)
    myAdmin(`DROP DATABASE IF EXISTS ${db}`)
  }
  if (ONLY.includes('cli')) {
    console.log('CLI start')
    const n0 = node0()
    const version = bench('mig --version', null, () => measure(...mig(['--version'])))
    ratio('mig --version / node -e 0', version, n0, 1.5)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

console.log('Summary')
for (const r of results) console.log(`  ${r.ok ? 'MET    ' : 'NOT MET'} ${r.name}: ${r.ratio.toFixed(2)}x (target <= ${r.target}x; ${r.a.ms.toFixed(0)} ms vs ${r.b.ms.toFixed(0)} ms, peak RSS ${r.a.rssMb?.toFixed(0) ?? '?'} MB vs ${r.b.rssMb?.toFixed(0) ?? '?'} MB)`)
