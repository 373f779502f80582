// pnpm bench, tenants part: schema per tenant on PostgreSQL. MIG_BENCH_TENANTS tenants (default
// 1,000) x 20 tenant migrations (each a table + a 10-row insert):
//   (a) mig up --all-tenants --concurrency 4
//   (b) a loop of one `mig up --tenant T` process per tenant
//   (c) the floor: each tenant's 20 migrations concatenated, psql -1 -f over 4 parallel connections (xargs -P4)
// and a no-op mig up over the up-to-date fleet against mig status of one schema with 20 migrations.
// Runs MIG_BENCH_TENANT_RUNS times (default 1): (b) alone starts one process per tenant
// (MIG_BENCH_TENANT_LOOP=K measures (b) over the first K tenants and scales it to all, printed as such).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PARTS = 20

/** Run the tenants benchmark; `kit` is run.mjs's measuring kit. */
export function benchTenants(kit) {
  const { measure, median, record, pgAdmin, pgUrl, psqlArgs, mig, dir, runId, cleanups } = kit
  const tenants = Number(process.env.MIG_BENCH_TENANTS ?? 1000)
  const runs = Number(process.env.MIG_BENCH_TENANT_RUNS ?? 1)
  // (b) over the first MIG_BENCH_TENANT_LOOP tenants only, scaled to all (each process does the same work)
  const loop = Math.min(tenants, Number(process.env.MIG_BENCH_TENANT_LOOP ?? tenants))
  const names = Array.from({ length: tenants }, (_, i) => `t${String(i).padStart(5, '0')}`)
  console.log(`Schema per tenant (PostgreSQL): ${tenants.toLocaleString('en')} tenants x ${PARTS} tenant migrations, ${runs} run(s)`)

  // the project: tenant parts only, and a copy without migrations to register the tenants with
  const project = join(dir, 'tenants')
  const empty = join(dir, 'tenants-empty')
  const floor = join(dir, 'tenants-floor')
  for (const d of [project, empty]) mkdirSync(join(d, 'migrations'), { recursive: true })
  mkdirSync(floor)
  const toml = '[tenants]\nschema = "tenant_{name}"\n'
  writeFileSync(join(project, 'mig.toml'), toml)
  writeFileSync(join(empty, 'mig.toml'), toml)
  const bodies = []
  for (let i = 1; i <= PARTS; i++) {
    const rows = Array.from({ length: 10 }, (_, k) => `(${k + 1}, 'row ${k + 1} of table ${i}')`).join(', ')
    const sql = `CREATE TABLE bench_${i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\nINSERT INTO bench_${i} (id, name) VALUES ${rows};\n`
    bodies.push(sql)
    writeFileSync(join(project, 'migrations', `${20240101000000 + i}_bench_${i}.tenant.up.sql`), sql)
  }
  for (const t of names) writeFileSync(join(floor, `${t}.sql`), `CREATE SCHEMA tenant_${t};\nSET search_path TO tenant_${t};\n${bodies.join('')}`)

  const db = `mig_bench_tenants_${runId}`
  cleanups.push(() => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`))
  const url = pgUrl(db)
  const reset = () => {
    pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
    pgAdmin(`CREATE DATABASE ${db}`)
  }
  /** A fresh database with the tenants registered and their schemas created, nothing applied. */
  const registered = () => {
    reset()
    const [node, args] = mig(['tenant', 'create', ...names, '--quiet', '--database', url])
    execFileSync(node, args, { cwd: empty, stdio: 'pipe', maxBuffer: 1 << 26 })
    // the applied shared parts (empty: these migrations have tenant parts only)
    const [n2, a2] = mig(['up', '--shared-only', '--quiet', '--database', url])
    execFileSync(n2, a2, { cwd: project, stdio: 'pipe' })
    pgAdmin('CHECKPOINT')
  }
  const a = []
  const b = []
  const c = []
  let rss = 0
  let noop
  for (let k = 0; k < runs; k++) {
    registered()
    const ra = measure(...mig(['up', '--all-tenants', '--concurrency', '4', '--quiet', '--database', url]), { cwd: project })
    a.push(ra.ms)
    console.log(`  (a) run ${k + 1}: ${ra.ms.toFixed(0)} ms`)
    // (a) did the whole work: every tenant part recorded
    const recorded = Number(
      execFileSync('psql', [...psqlArgs(db), '-At', '-c', `SELECT count(*) FROM schema_migrations WHERE scope LIKE 'tenant:%' AND status = 'applied'`])
        .toString()
        .trim(),
    )
    if (recorded !== tenants * PARTS) throw new Error(`(a) recorded ${recorded} tenant parts, expected ${tenants * PARTS}`)
    // no-op: the fleet (a) brought up to date
    if (k === runs - 1) noop = measure(...mig(['up', '--all-tenants', '--quiet', '--database', url]), { cwd: project })
    rss = Math.max(rss, ra.rssMb ?? 0)
    registered()
    const t0 = process.hrtime.bigint()
    for (const t of names.slice(0, loop)) measure(...mig(['up', '--tenant', t, '--quiet', '--database', url]), { cwd: project })
    b.push(((Number(process.hrtime.bigint() - t0) / 1e6) * tenants) / loop)
    console.log(`  (b) run ${k + 1}: ${b.at(-1).toFixed(0)} ms${loop < tenants ? ` (${loop} processes measured, scaled to ${tenants})` : ''}`)
    reset()
    pgAdmin('CHECKPOINT')
    const files = readdirSync(floor).map((f) => join(floor, f))
    writeFileSync(join(dir, 'floor-list.txt'), `${files.join('\n')}\n`)
    c.push(measure('sh', ['-c', `xargs -P4 -I{} psql ${psqlArgs(db).join(' ')} -1 -f {} < ${join(dir, 'floor-list.txt')}`]).ms)
  }
  // the no-op (measured after the last (a)) against status of one schema with 20 migrations
  const one = join(dir, 'one-schema')
  mkdirSync(join(one, 'migrations'), { recursive: true })
  for (const [i, sql] of bodies.entries()) writeFileSync(join(one, 'migrations', `${20240101000001 + i}_bench_${i + 1}.sql`), sql)
  reset()
  const [n3, a3] = mig(['up', '--quiet', '--database', url])
  execFileSync(n3, a3, { cwd: one, stdio: 'pipe' })
  const status = measure(...mig(['status', '--database', url]), { cwd: one })
  pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  rmSync(floor, { recursive: true, force: true })

  const ms = (x) => `${median(x).toFixed(0)} ms`
  console.log(
    `  (a) mig up --all-tenants --concurrency 4     ${ms(a)}   peak RSS ${rss ? `${rss.toFixed(0)} MB` : 'n/a'}   (runs: ${a.map((x) => x.toFixed(0)).join(', ')})`,
  )
  console.log(`  (b) one mig up --tenant T per tenant         ${ms(b)}   (runs: ${b.map((x) => x.toFixed(0)).join(', ')})`)
  console.log(`  (c) psql -1 -f per tenant, xargs -P4         ${ms(c)}   (runs: ${c.map((x) => x.toFixed(0)).join(', ')})`)
  console.log(
    `  no-op mig up over ${tenants} up-to-date tenants ${noop.ms.toFixed(0)} ms; mig status of one schema with ${PARTS} migrations ${status.ms.toFixed(0)} ms`,
  )
  record('tenants (a) / (b) one process per tenant', 0.1, median(a), median(b), rss)
  record('tenants (a) / (c) psql floor', 1.3, median(a), median(c), rss)
  record('tenants no-op up / status of one schema', 3, noop.ms, status.ms, noop.rssMb ?? 0)
  if (rss) record('tenants (a) peak RSS MB / 150 MB', 1, rss, 150, rss)
  console.log('')
}
