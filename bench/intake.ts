import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import {
  benchDatabase,
  freePort,
  latencySummary,
  probeHealth,
  settingsFromEnv,
  startService
} from './service-process.js'

/*
 * npm run bench:intake [-- --rate 200 --seconds 10 --warm-up 10 --concurrency 200 --batches 10 --batch-size 1000 --batch-clients 2]
 *
 * Starts `clearfile serve` as its own process (jobs and the simulated court on,
 * as `npm start` runs it) and drives the REST intake as a DA's case system does:
 *
 *   1. fixed rate: POST /v1/cases at --rate requests/s for --seconds (open loop:
 *      each latency is counted from when the request was due, so a stalled
 *      server is not hidden by a stalled generator), after --warm-up seconds at
 *      that rate whose figures are printed apart: a service that has just started
 *      answers slower for its first seconds at the rate (its pool still opening
 *      connections, its code not yet optimized; not pinned down);
 *   2. saturation: --concurrency clients each sending POST /v1/cases back to back;
 *   3. batches: --batches POST /v1/cases/batch of --batch-size cases one after another, then as many again from
 *      --batch-clients clients at once (a DA system working off a backlog may send more than one at a time).
 *
 * During 1 and 2 a prober asks GET /healthz every 25 ms: the figures say whether
 * the service stays responsive while it writes. DATABASE_URL selects PostgreSQL
 * (a fresh database is made and dropped); the default is a new SQLite file. CLEARFILE_* variables in the bench's
 * environment are the service's settings (CLEARFILE_VACUUM_INTERVAL_SECONDS=0, say).
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const RATE = arg('rate', 200)
const SECONDS = arg('seconds', 10)
// Ten seconds: at 200/s a service just started keeps its thread 83–96% busy for about five seconds (V8 compiling its
// code, PostgreSQL's connections preparing their statements) and settles at about 40% after eight (cpu-prof of
// `clearfile serve`, 2026-12-04); after 3 s, part of the counted window was still that start (p99 19–171 ms in seven
// runs, against 20–49 ms in five after 10 s).
const WARM_UP = arg('warm-up', 10)
const CONCURRENCY = arg('concurrency', 200)
const BATCHES = arg('batches', 10)
const BATCH_SIZE = arg('batch-size', 1000)
const BATCH_CLIENTS = Math.max(1, arg('batch-clients', 2))
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url))

let subject = 0
/** A case as a DA system sends one: a new person each time, two counts. */
function caseInput() {
  const n = ++subject
  return {
    person: {
      name: 'GARCIA, MARIA',
      dob: '1970-02-03',
      cii: `A${String(n).padStart(8, '0')}`,
      dojSubjectId: String(50_000_000 + n),
      aliases: []
    },
    case: { county: 'SAN FRANCISCO', court: 'CA-SF', caseNumber: `SCN${1_000_000 + n}` },
    counts: [
      {
        codeSection: '11359 HS',
        severity: 'F',
        disposition: 'convicted',
        convictionDate: '2010-05-01',
        sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
      },
      { codeSection: '11357(A) HS', severity: 'M', disposition: 'convicted', convictionDate: '2010-05-01' }
    ]
  }
}

async function postCase(pool: Pool, headers: Record<string, string>): Promise<number> {
  const res = await pool.request({
    path: '/v1/cases',
    method: 'POST',
    headers,
    body: JSON.stringify(caseInput())
  })
  await res.body.dump()
  return res.statusCode
}

/**
 * POST /v1/cases at RATE a second for `seconds`, open loop: each latency is counted from when its request was due,
 * so a stalled server is not hidden by a stalled generator.
 */
async function fixedRate(pool: Pool, headers: Record<string, string>, seconds: number) {
  const latencies: number[] = []
  let failed = 0
  const total = RATE * seconds
  const started = performance.now()
  const pending: Array<Promise<void>> = []
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    pending.push(
      postCase(pool, headers).then((status) => {
        if (status !== 201) failed++
        latencies.push(performance.now() - due)
      })
    )
  }
  await Promise.all(pending)
  return { latencies, failed, wall: (performance.now() - started) / 1000 }
}

/** BATCHES × POST /v1/cases/batch of BATCH_SIZE cases, from `clients` clients each sending one after another. */
async function batches(pool: Pool, headers: Record<string, string>, clients: number) {
  const latencies: number[] = []
  const started = performance.now()
  let failed = 0
  let next = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < BATCHES) {
        next++
        const body = JSON.stringify({ cases: Array.from({ length: BATCH_SIZE }, caseInput) })
        const t0 = performance.now()
        const res = await pool.request({ path: '/v1/cases/batch', method: 'POST', headers, body })
        await res.body.dump()
        if (res.statusCode !== 201) failed++
        latencies.push(performance.now() - t0)
      }
    })
  )
  const wall = (performance.now() - started) / 1000
  console.log(
    `${BATCHES} × POST /v1/cases/batch of ${BATCH_SIZE} from ${clients} client${clients === 1 ? '' : 's'} at once: ${((BATCHES * BATCH_SIZE) / wall).toFixed(0)} cases/s, ${failed} not 201; per batch ${latencySummary(latencies)}`
  )
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-intake-'))
  const database = benchDatabase(dir, 'clearfile_bench')
  const port = await freePort()
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    CLEARFILE_DATA_DIR: join(dir, 'data'),
    PORT: String(port),
    ...settingsFromEnv()
  }
  // A service that does not start leaves no database or folder behind (its error carries its log's end).
  const serve = await startService({ cli: CLI, args: ['serve'], env, port, logPath: join(dir, 'serve.log') }).catch(
    (err: unknown) => {
      database.drop()
      rmSync(dir, { recursive: true, force: true })
      throw err
    }
  )
  const { address } = serve
  const created = spawnSync(
    process.execPath,
    [CLI, 'keys', 'create', '--role', 'da_system', '--county', 'SAN FRANCISCO'],
    { env, encoding: 'utf8' }
  )
  const key = created.stdout.trim()
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const pool = new Pool(address, { connections: Math.max(CONCURRENCY, RATE) + 8 })
  console.log(`bench:intake on ${database.dialect}, clearfile serve as its own process (pid ${serve.child.pid})`)
  try {
    // Warm-up: the first requests compile schemas and fill caches; then the rate itself, whose first seconds are
    // slower after a start (printed, not counted).
    for (let i = 0; i < 50; i++) await postCase(pool, headers)
    if (WARM_UP > 0) {
      const warm = await fixedRate(pool, headers, WARM_UP)
      console.log(
        `warm-up at ${RATE}/s for ${WARM_UP} s (not counted): ${warm.latencies.length} POST /v1/cases, ${warm.failed} not 201; latency ${latencySummary(warm.latencies)}`
      )
    }

    // 1. Fixed rate (open loop).
    {
      const probe = probeHealth(address)
      const { latencies, failed, wall } = await fixedRate(pool, headers, SECONDS)
      const health = await probe.stop()
      console.log(
        `fixed rate ${RATE}/s for ${SECONDS} s: ${latencies.length} POST /v1/cases in ${wall.toFixed(1)} s (${(latencies.length / wall).toFixed(0)}/s), ${failed} not 201; latency ${latencySummary(latencies)}`
      )
      console.log(`  /healthz meanwhile (${health.length} probes): ${latencySummary(health)}`)
    }

    // 2. Saturation (closed loop).
    {
      const probe = probeHealth(address)
      const latencies: number[] = []
      let failed = 0
      const started = performance.now()
      const until = started + SECONDS * 1000
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const t0 = performance.now()
            const status = await postCase(pool, headers)
            if (status !== 201) failed++
            latencies.push(performance.now() - t0)
          }
        })
      )
      const wall = (performance.now() - started) / 1000
      const health = await probe.stop()
      console.log(
        `${CONCURRENCY} concurrent clients for ${SECONDS} s: ${latencies.length} POST /v1/cases (${(latencies.length / wall).toFixed(0)}/s), ${failed} not 201; latency ${latencySummary(latencies)}`
      )
      console.log(`  /healthz meanwhile (${health.length} probes): ${latencySummary(health)}`)
    }

    // 3. Batches: one client, then several.
    for (const clients of BATCH_CLIENTS > 1 ? [1, BATCH_CLIENTS] : [1]) await batches(pool, headers, clients)
  } finally {
    await pool.close()
    await serve.stop()
    database.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
