// pnpm bench, tenants part: schema per tenant, one function over two dialects.
//   PostgreSQL: MIG_BENCH_TENANTS tenants (default 1,000), a tenant is a schema;
//   MariaDB: MIG_BENCH_MY_TENANTS tenants (default 200), a tenant is a database;
// each with 20 tenant migrations (each a table + a 10-row insert):
//   (a) mig up --all-tenants --concurrency 4
//   (b) a loop of one `mig up --tenant T` process per tenant
//   (c) the floor: each tenant's 20 migrations concatenated, run by the engine's client per tenant
//       over 4 parallel connections (xargs -P4): `psql -1 -f` (one transaction per tenant), `mariadb`
//       (autocommit: MariaDB's DDL commits anyway)
// and a no-op mig up over the up-to-date fleet against mig status of one schema with 20 migrations
// (medians of 5 runs each, after a warm-up).
// Runs MIG_BENCH_TENANT_RUNS times (default 1): (b) alone starts one process per tenant
// (MIG_BENCH_TENANT_LOOP=K measures (b) over the first K tenants and scales it to all, printed as such).
// MIG_BENCH_ONLY: `tenants` runs both, `tenants-pg` or `tenants-mysql` one of them.
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PARTS = 20
/** Runs of the no-op `up` and of `status` of one schema (each after a warm-up run). */
const NOOP_RUNS = 5

/** Which dialects MIG_BENCH_ONLY's list selects (`tenants`: both). */
export function tenantDialects(only) {
  const all = only.includes('tenants')
  return [...(all || only.includes('tenants-pg') ? ['pg'] : []), ...(all || only.includes('tenants-mysql') ? ['mysql'] : [])]
}

/**
 * Run the tenants benchmark on each of `dialects` ('pg', 'mysql'); `kit` is run.mjs's measuring
 * kit. Each dialect's part is the same function over what differs (see {@link postgres}, {@link mariadb}).
 */
export function benchTenants(kit, dialects) {
  for (const d of dialects) benchFleet(kit, d === 'pg' ? postgres(kit) : mariadb(kit))
}

/** Schema per tenant on PostgreSQL: one database, a schema per tenant. */
function postgres({ pgAdmin, pgUrl, psqlArgs, runId }) {
  const db = `mig_bench_tenants_${runId}`
  const drop = () => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  return {
    label: 'PostgreSQL',
    tenants: Number(process.env.MIG_BENCH_TENANTS ?? 1000),
    schema: 'tenant_{name}',
    url: pgUrl(db),
    drop,
    reset: () => {
      drop()
      pgAdmin(`CREATE DATABASE ${db}`)
    },
    // a dropped database's files are unlinked at the next checkpoint: taken before a measured run
    settle: () => pgAdmin('CHECKPOINT'),
    scalar: (sql) =>
      execFileSync('psql', [...psqlArgs(db), '-At', '-c', sql])
        .toString()
        .trim(),
    floorFile: (schema, body) => `CREATE SCHEMA ${schema};\nSET search_path TO ${schema};\n${body}`,
    floorLabel: 'psql -1 -f per tenant, xargs -P4',
    floorCommand: (list) => `xargs -P4 -I{} psql ${psqlArgs(db).join(' ')} -1 -f {} < ${list}`,
  }
}

/**
 * Schema per tenant on MariaDB: a shared database, a database per tenant. The tenants' databases
 * carry the run's id (they live beside everyone else's on the server).
 */
function mariadb({ myAdmin, myUrl, mariadbArgs, runId }) {
  const db = `mig_bench_tenants_my_${runId}`
  const prefix = `tenant_${runId}_`
  let names = []
  const drop = () => myAdmin([db, ...names.map((t) => `${prefix}${t}`)].map((d) => `DROP DATABASE IF EXISTS ${d};`).join('\n'))
  return {
    label: 'MariaDB',
    tenants: Number(process.env.MIG_BENCH_MY_TENANTS ?? 200),
    schema: `${prefix}{name}`,
    url: myUrl(db),
    names: (n) => {
      names = n
    },
    drop,
    reset: () => {
      drop()
      myAdmin(`CREATE DATABASE ${db}`)
    },
    settle: () => {},
    scalar: (sql) =>
      execFileSync('mariadb', [...mariadbArgs(db), '-N', '-B', '-e', sql])
        .toString()
        .trim(),
    floorFile: (schema, body) => `CREATE DATABASE ${schema};\nUSE ${schema};\n${body}`,
    floorLabel: 'mariadb per tenant, xargs -P4',
    floorCommand: (list) => `xargs -P4 -I{} mariadb ${mariadbArgs('').join(' ')} -e 'source {}' < ${list}`,
  }
}

/** (a), (b), (c), the no-op and peak RSS on one dialect `d` (see {@link postgres}). */
function benchFleet(kit, d) {
  const { measure, median, record, mig, dir, cleanups } = kit
  const tenants = d.tenants
  const runs = Number(process.env.MIG_BENCH_TENANT_RUNS ?? 1)
  // (b) over the first MIG_BENCH_TENANT_LOOP tenants only, scaled to all (each process does the same work)
  const loop = Math.min(tenants, Number(process.env.MIG_BENCH_TENANT_LOOP ?? tenants))
  const names = Array.from({ length: tenants }, (_, i) => `t${String(i).padStart(5, '0')}`)
  d.names?.(names)
  console.log(`Schema per tenant (${d.label}): ${tenants.toLocaleString('en')} tenants x ${PARTS} tenant migrations, ${runs} run(s)`)

  // the project: tenant parts only, and a copy without migrations to register the tenants with
  const base = join(dir, `tenants-${d.label}`)
  const project = join(base, 'project')
  const empty = join(base, 'empty')
  const floor = join(base, 'floor')
  for (const p of [project, empty]) mkdirSync(join(p, 'migrations'), { recursive: true })
  mkdirSync(floor)
  const toml = `[tenants]\nschema = "${d.schema}"\n`
  writeFileSync(join(project, 'mig.toml'), toml)
  writeFileSync(join(empty, 'mig.toml'), toml)
  const bodies = []
  for (let i = 1; i <= PARTS; i++) {
    const rows = Array.from({ length: 10 }, (_, k) => `(${k + 1}, 'row ${k + 1} of table ${i}')`).join(', ')
    const sql = `CREATE TABLE bench_${i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\nINSERT INTO bench_${i} (id, name) VALUES ${rows};\n`
    bodies.push(sql)
    writeFileSync(join(project, 'migrations', `${20240101000000 + i}_bench_${i}.tenant.up.sql`), sql)
  }
  const files = names.map((t) => {
    const f = join(floor, `${t}.sql`)
    writeFileSync(f, d.floorFile(d.schema.replace('{name}', t), bodies.join('')))
    return f
  })
  const list = join(base, 'floor-list.txt')
  writeFileSync(list, `${files.join('\n')}\n`)

  cleanups.push(d.drop)
  const run = (args, cwd) => {
    const [node, a] = mig([...args, '--database', d.url])
    execFileSync(node, a, { cwd, stdio: 'pipe', maxBuffer: 1 << 26 })
  }
  /** A fresh database with the tenants registered and their schemas created, nothing applied. */
  const registered = () => {
    d.reset()
    run(['tenant', 'create', ...names, '--quiet'], empty)
    // the applied shared parts (empty: these migrations have tenant parts only)
    run(['up', '--shared-only', '--quiet'], project)
    d.settle()
  }
  const a = []
  const b = []
  const c = []
  let rss = 0
  let noop
  /** A short command measured NOOP_RUNS times after a warm-up: the median (and its peak RSS), the runs. */
  const repeat = (once) => {
    once()
    const all = Array.from({ length: NOOP_RUNS }, once)
    const ms = median(all.map((r) => r.ms))
    return { ms, rssMb: Math.max(...all.map((r) => r.rssMb ?? 0)), runs: all.map((r) => r.ms) }
  }
  for (let k = 0; k < runs; k++) {
    registered()
    const ra = measure(...mig(['up', '--all-tenants', '--concurrency', '4', '--quiet', '--database', d.url]), { cwd: project })
    a.push(ra.ms)
    console.log(`  (a) run ${k + 1}: ${ra.ms.toFixed(0)} ms`)
    // (a) did the whole work: every tenant part recorded
    const recorded = Number(d.scalar(`SELECT count(*) FROM schema_migrations WHERE scope LIKE 'tenant:%' AND status = 'applied'`))
    if (recorded !== tenants * PARTS) throw new Error(`(a) recorded ${recorded} tenant parts, expected ${tenants * PARTS}`)
    // no-op: the fleet (a) brought up to date
    if (k === runs - 1) noop = repeat(() => measure(...mig(['up', '--all-tenants', '--quiet', '--database', d.url]), { cwd: project }))
    rss = Math.max(rss, ra.rssMb ?? 0)
    registered()
    const t0 = process.hrtime.bigint()
    for (const t of names.slice(0, loop)) measure(...mig(['up', '--tenant', t, '--quiet', '--database', d.url]), { cwd: project })
    b.push(((Number(process.hrtime.bigint() - t0) / 1e6) * tenants) / loop)
    console.log(`  (b) run ${k + 1}: ${b.at(-1).toFixed(0)} ms${loop < tenants ? ` (${loop} processes measured, scaled to ${tenants})` : ''}`)
    d.reset()
    d.settle()
    c.push(measure('sh', ['-c', d.floorCommand(list)]).ms)
    console.log(`  (c) run ${k + 1}: ${c.at(-1).toFixed(0)} ms`)
  }
  // the no-op (measured after the last (a)) against status of one schema with 20 migrations
  const one = join(base, 'one-schema')
  mkdirSync(join(one, 'migrations'), { recursive: true })
  for (const [i, sql] of bodies.entries()) writeFileSync(join(one, 'migrations', `${20240101000001 + i}_bench_${i + 1}.sql`), sql)
  d.reset()
  run(['up', '--quiet'], one)
  const status = repeat(() => measure(...mig(['status', '--database', d.url]), { cwd: one }))
  d.drop()
  rmSync(base, { recursive: true, force: true })

  const ms = (x) => `${median(x).toFixed(0)} ms`
  const runsOf = (x) => `(runs: ${x.map((v) => v.toFixed(0)).join(', ')})`
  console.log(`  (a) mig up --all-tenants --concurrency 4     ${ms(a)}   peak RSS ${rss ? `${rss.toFixed(0)} MB` : 'n/a'}   ${runsOf(a)}`)
  console.log(`  (b) one mig up --tenant T per tenant         ${ms(b)}   ${runsOf(b)}`)
  console.log(`  (c) ${d.floorLabel.padEnd(40)} ${ms(c)}   ${runsOf(c)}`)
  console.log(
    `  no-op mig up over ${tenants} up-to-date tenants ${noop.ms.toFixed(0)} ms ${runsOf(noop.runs)}; mig status of one schema with ${PARTS} migrations ${status.ms.toFixed(0)} ms ${runsOf(status.runs)}`,
  )
  record(`${d.label} tenants (a) / (b) one process per tenant`, 0.1, median(a), median(b), rss)
  record(`${d.label} tenants (a) / (c) ${d.floorLabel.split(' ')[0]} floor`, 1.3, median(a), median(c), rss)
  record(`${d.label} tenants no-op up / status of one schema`, 3, noop.ms, status.ms, noop.rssMb ?? 0)
  if (rss) record(`${d.label} tenants (a) peak RSS MB / 150 MB`, 1, rss, 150, rss)
  console.log('')
}
