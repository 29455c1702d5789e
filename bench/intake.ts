import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'

/*
 * npm run bench:intake [-- --rate 200 --seconds 10 --concurrency 200 --batches 10 --batch-size 1000]
 *
 * Starts `clearfile serve` as its own process (jobs and the simulated court on,
 * as `npm start` runs it) and drives the REST intake as a DA's case system does:
 *
 *   1. fixed rate: POST /v1/cases at --rate requests/s for --seconds (open loop:
 *      each latency is counted from when the request was due, so a stalled
 *      server is not hidden by a stalled generator);
 *   2. saturation: --concurrency clients each sending POST /v1/cases back to back;
 *   3. batches: POST /v1/cases/batch of --batch-size cases, one after another.
 *
 * During 1 and 2 a prober asks GET /healthz every 25 ms: the figures say whether
 * the service stays responsive while it writes. DATABASE_URL selects PostgreSQL
 * (a fresh database is made and dropped); the default is a new SQLite file.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const RATE = arg('rate', 200)
const SECONDS = arg('seconds', 10)
const CONCURRENCY = arg('concurrency', 200)
const BATCHES = arg('batches', 10)
const BATCH_SIZE = arg('batch-size', 1000)
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

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
function summary(latencies: number[]): string {
  const s = [...latencies].sort((a, b) => a - b)
  const f = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1))
  return `p50 ${f(percentile(s, 0.5))} ms, p99 ${f(percentile(s, 0.99))} ms, max ${f(s[s.length - 1] ?? Number.NaN)} ms`
}

/** Asks /healthz every 25 ms on a connection of its own (never queued behind the load) until stopped. */
function probeHealth(address: string): { stop: () => Promise<number[]> } {
  const pool = new Pool(address, { connections: 1 })
  const latencies: number[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      const res = await pool.request({ path: '/healthz', method: 'GET' })
      await res.body.dump()
      latencies.push(performance.now() - started)
      await sleep(25)
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      await pool.close()
      return latencies
    }
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

/** A port nothing listens on yet. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-intake-'))
  const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined
  let databaseUrl = join(dir, 'clearfile.db')
  const dbName = `clearfile_bench_${process.pid}`
  const psql = (sqlText: string) => {
    const admin = new URL(pgUrl!)
    admin.pathname = '/postgres'
    const r = spawnSync('psql', [admin.toString(), '-qc', sqlText], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
  }
  if (pgUrl) {
    psql(`CREATE DATABASE ${dbName}`)
    const u = new URL(pgUrl)
    u.pathname = `/${dbName}`
    databaseUrl = u.toString()
  }
  const port = await freePort()
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    CLEARFILE_DATA_DIR: join(dir, 'data'),
    PORT: String(port)
  }
  // The JSON logs (info, as deployed) go to a file, as a log shipper would take them: a pipe this busy process
  // read slowly would block the server's writes and measure the bench, not the service.
  const logFile = openSync(join(dir, 'serve.log'), 'w')
  const serve = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', logFile, 'pipe'] })
  serve.stderr?.resume()
  const address = `http://127.0.0.1:${port}`
  const exited = new Promise((_, reject) => serve.on('exit', (code) => reject(new Error(`serve exited ${code}`))))
  for (;;) {
    const up = await Promise.race([
      fetch(`${address}/healthz`).then(
        (r) => r.ok,
        () => false
      ),
      exited
    ])
    if (up) break
    await sleep(100)
  }
  const created = spawnSync(
    process.execPath,
    [CLI, 'keys', 'create', '--role', 'da_system', '--county', 'SAN FRANCISCO'],
    { env, encoding: 'utf8' }
  )
  const key = created.stdout.trim()
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const pool = new Pool(address, { connections: Math.max(CONCURRENCY, RATE) + 8 })
  const dialect = pgUrl ? 'postgres' : 'sqlite'
  console.log(`bench:intake on ${dialect}, clearfile serve as its own process (pid ${serve.pid})`)
  try {
    // Warm-up: the first requests compile schemas and fill caches.
    for (let i = 0; i < 50; i++) await postCase(pool, headers)

    // 1. Fixed rate (open loop).
    {
      const probe = probeHealth(address)
      const latencies: number[] = []
      let failed = 0
      const total = RATE * SECONDS
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
      const wall = (performance.now() - started) / 1000
      const health = await probe.stop()
      console.log(
        `fixed rate ${RATE}/s for ${SECONDS} s: ${total} POST /v1/cases in ${wall.toFixed(1)} s (${(total / wall).toFixed(0)}/s), ${failed} not 201; latency ${summary(latencies)}`
      )
      console.log(`  /healthz meanwhile (${health.length} probes): ${summary(health)}`)
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
        `${CONCURRENCY} concurrent clients for ${SECONDS} s: ${latencies.length} POST /v1/cases (${(latencies.length / wall).toFixed(0)}/s), ${failed} not 201; latency ${summary(latencies)}`
      )
      console.log(`  /healthz meanwhile (${health.length} probes): ${summary(health)}`)
    }

    // 3. Batches.
    {
      const latencies: number[] = []
      const started = performance.now()
      let failed = 0
      for (let b = 0; b < BATCHES; b++) {
        const t0 = performance.now()
        const res = await pool.request({
          path: '/v1/cases/batch',
          method: 'POST',
          headers,
          body: JSON.stringify({ cases: Array.from({ length: BATCH_SIZE }, caseInput) })
        })
        await res.body.dump()
        if (res.statusCode !== 201) failed++
        latencies.push(performance.now() - t0)
      }
      const wall = (performance.now() - started) / 1000
      console.log(
        `${BATCHES} × POST /v1/cases/batch of ${BATCH_SIZE}: ${((BATCHES * BATCH_SIZE) / wall).toFixed(0)} cases/s, ${failed} not 201; per batch ${summary(latencies)}`
      )
    }
  } finally {
    await pool.close()
    serve.kill('SIGTERM')
    await new Promise((resolve) => serve.once('exit', resolve))
    if (pgUrl) psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
