import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { setTimeout as sleep } from 'node:timers/promises'
import { siblingModule } from '../src/workers/worker-pool.js'

/*
 * What the benches that drive clearfile as its own process share: a database of the run's own, the process
 * started as deployed (logs to a file), a /healthz prober and a peak-RSS sampler.
 */

/** A port nothing listens on yet. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

/**
 * A database of the run's own: with a PostgreSQL `DATABASE_URL`, a new database on that server (dropped by
 * `drop`); otherwise a new SQLite file in `dir`.
 */
export function benchDatabase(dir: string, name: string): { url: string; dialect: string; drop: () => void } {
  const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined
  if (!pgUrl) return { url: join(dir, 'clearfile.db'), dialect: 'sqlite', drop: () => {} }
  const dbName = `${name}_${process.pid}`
  const psql = (sqlText: string) => {
    const admin = new URL(pgUrl)
    admin.pathname = '/postgres'
    const r = spawnSync('psql', [admin.toString(), '-qc', sqlText], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
  }
  psql(`CREATE DATABASE ${dbName}`)
  const u = new URL(pgUrl)
  u.pathname = `/${dbName}`
  return { url: u.toString(), dialect: 'postgres', drop: () => psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`) }
}

/** The service's settings given to the bench itself (CLEARFILE_*), to lay over the bench's own for a run. */
export const settingsFromEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('CLEARFILE_') && e[1] !== undefined
    )
  )

export interface ServiceProcess {
  child: ChildProcess
  address: string
  /** SIGTERM, then waits for the process to end. */
  stop: () => Promise<void>
}

/** The node flags BENCH_SERVE_NODE_ARGS or BENCH_COURT_NODE_ARGS give `clearfile serve` (and `worker`) or `simulate-court`. */
function nodeArgsOf(command: string | undefined): string[] | undefined {
  const flags =
    command === 'serve' || command === 'worker'
      ? process.env.BENCH_SERVE_NODE_ARGS
      : command === 'simulate-court'
        ? process.env.BENCH_COURT_NODE_ARGS
        : undefined
  return flags?.split(' ')
}

/**
 * `clearfile <args>` as its own process, resolved once /healthz answers at `port` (or, for a worker, its log shows
 * `readyLine`). The JSON logs go to `logPath`, as a log shipper would take them: a pipe this busy process read slowly
 * would block the server's writes and measure the bench, not the service.
 */
export async function startService(o: {
  cli: string
  args: string[]
  env: Record<string, string>
  /** Where it listens; none for a process that does not (a worker), which is up once its log says `readyLine`. */
  port?: number
  logPath: string
  /** The path answered once it is up (default /healthz). */
  ready?: string
  readyLine?: RegExp
}): Promise<ServiceProcess> {
  const logFile = openSync(o.logPath, 'w')
  const child = spawn(
    process.execPath,
    [
      // Node flags for the service, or the simulated court, alone (bench/statewide.ts says how to profile them).
      ...(nodeArgsOf(o.args[0]) ?? []),
      o.cli,
      ...o.args
    ],
    { env: o.env, stdio: ['ignore', logFile, 'pipe'] }
  )
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000)
  })
  const address = o.port === undefined ? '' : `http://127.0.0.1:${o.port}`
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) =>
      reject(
        new Error(`clearfile ${o.args[0]} exited ${code}: ${stderr}${readFileSync(o.logPath, 'utf8').slice(-4000)}`)
      )
    )
  )
  exited.catch(() => {})
  for (;;) {
    const up = await Promise.race([
      o.port === undefined
        ? (o.readyLine ?? /./).test(readFileSync(o.logPath, 'utf8'))
        : fetch(`${address}${o.ready ?? '/healthz'}`).then(
            (r) => r.ok,
            () => false
          ),
      exited
    ])
    if (up) break
    await sleep(100)
  }
  return {
    child,
    address,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const ended = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await ended
    }
  }
}

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

/** p50, p99 and max of latencies in ms, as one phrase. */
export function latencySummary(latencies: readonly number[]): string {
  const { p50, p99, max } = latencyFigures(latencies)
  const f = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1))
  return `p50 ${f(p50)} ms, p99 ${f(p99)} ms, max ${f(max)} ms`
}

/** How many probes were made, and their latencies' p50, p99 and max in milliseconds (NaN for none). */
export interface Latencies {
  probes: number
  p50: number
  p99: number
  max: number
}

/** The figures of a list of latencies. */
export function latencyFigures(latencies: readonly number[]): Latencies {
  const sorted = [...latencies].sort((a, b) => a - b)
  return {
    probes: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/**
 * Asks /healthz every `everyMs` on a connection of its own (never queued behind the load), from a thread of its
 * own (never delayed by the bench's own work, which would be counted as the service's); with `read`, an API read
 * after each, as a person at the dashboard would make. `take()` hands over the /healthz latencies so far and
 * starts a new list, so each stage of a run gets its own; `takeReads()` does the same for the reads, with how many
 * were not answered 200.
 */
export function probeHealth(
  address: string,
  everyMs = 25,
  read?: { path: string; authorization: string }
): { take: () => number[]; takeReads: () => { latencies: number[]; failed: number }; stop: () => Promise<number[]> } {
  const worker = new Worker(siblingModule(import.meta.url, 'health-probe-worker'), {
    workerData: { address, everyMs, read }
  })
  let latencies: number[] = []
  let reads: number[] = []
  let readsFailed = 0
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: ['health' | 'read', number, boolean] | 'done') => {
      if (m === 'done') return resolve()
      const [which, ms, ok] = m
      if (which === 'health') latencies.push(ms)
      else {
        reads.push(ms)
        if (!ok) readsFailed++
      }
    })
    worker.on('error', reject)
    worker.on('exit', () => resolve())
  })
  const take = () => {
    const taken = latencies
    latencies = []
    return taken
  }
  const takeReads = () => {
    const taken = { latencies: reads, failed: readsFailed }
    reads = []
    readsFailed = 0
    return taken
  }
  return {
    take,
    takeReads,
    stop: async () => {
      worker.postMessage('stop')
      await done
      await worker.terminate()
      return take()
    }
  }
}

/** Resident memory of a process (Linux /proc), in MiB; NaN where it cannot be read. */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

// Linux counts CPU time in clock ticks of 1/100 s (USER_HZ, the same on every architecture Node runs on).
const TICKS_PER_SECOND = 100

/** CPU seconds a process has used (user + system, Linux /proc); NaN where it cannot be read. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces, so cut at its closing parenthesis): utime is the 12th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** CPU seconds the whole machine has been busy (every core, all but idle and I/O wait), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

export interface ProcessFigures {
  /** Peak resident memory of each process, MiB. */
  peakRssMiB: Record<string, number>
  /** CPU seconds each process used, and the whole machine (`machine`, every process and core). */
  cpuSeconds: Record<string, number>
}

/**
 * Samples the processes' resident memory every 200 ms and their CPU time; `take()` gives each one's peak memory
 * and CPU seconds since the last take (with the whole machine's busy CPU seconds as `machine`). A name given
 * several processes (clearfile's server and its workers) counts them together: their memory summed at each sample.
 */
export function sampleProcesses(pids: Record<string, number | number[]>): {
  take: () => ProcessFigures
  stop: () => void
} {
  const names = Object.keys(pids)
  const group = (name: string) => [pids[name]!].flat()
  const sum = (name: string, of: (pid: number) => number) => group(name).reduce((n, pid) => n + of(pid), 0)
  let peaks: Record<string, number> = Object.fromEntries(names.map((k) => [k, 0]))
  const cpuNow = () => ({
    ...Object.fromEntries(names.map((k) => [k, sum(k, cpuSeconds)])),
    machine: machineBusySeconds()
  })
  let cpuAtTake: Record<string, number> = cpuNow()
  const sample = () => {
    for (const name of names) {
      const rss = sum(name, rssMiB)
      if (rss > peaks[name]!) peaks[name] = rss
    }
  }
  const timer = setInterval(sample, 200)
  sample()
  return {
    take: () => {
      sample()
      const cpu = cpuNow()
      const figures: ProcessFigures = {
        peakRssMiB: peaks,
        cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v - cpuAtTake[k]!]))
      }
      peaks = Object.fromEntries(names.map((k) => [k, 0]))
      cpuAtTake = cpu
      return figures
    },
    stop: () => clearInterval(timer)
  }
}
