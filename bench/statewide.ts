import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { alignedTable } from '../src/cli/table.js'
import { benchDatabase } from './service-process.js'
import { API_READ, runStatewide } from './statewide-run.js'

/*
 * npm run bench:statewide [-- --scale 0.1 --scope case --seed 7 --stage-timeout 3600 --workers 0 --keep-logs]
 *
 * Every Prop 64 conviction in California through the whole service (issue #14): a generated statewide DOJ file
 * (58 counties by population, about 220,000 Prop 64 convictions at --scale 1) split by county, each county's part
 * uploaded and reviewed, papers drawn, filings queued and submitted to the simulated court (its own process),
 * followed to its rulings, and its clerk's reports reconciled. Prints each stage's wall time, items/s, peak RSS of
 * clearfile and of the court, /healthz latency meanwhile and share of the end-to-end time; then the accounting
 * (filings queued = filings at the court, none sent twice, every decision recorded), exiting 1 when a count is off.
 * --workers N runs N `clearfile worker` processes beside `clearfile serve`, which then only answers HTTP (the API and
 * the court's callbacks), as on more than one machine (PostgreSQL); clearfile's figures are theirs together.
 * DATABASE_URL selects PostgreSQL (a fresh database, dropped after); the default is a new SQLite file.
 * CLEARFILE_* variables in the bench's environment are the service's settings, over the bench's own
 * (CLEARFILE_LONG_JOB_LANES=1 reviews one county at a time; on PostgreSQL the default is two).
 * BENCH_SERVE_NODE_ARGS gives `clearfile serve` node flags of its own, to profile it where it runs:
 * BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (node refuses --cpu-prof in NODE_OPTIONS); and
 * BENCH_COURT_NODE_ARGS the simulated court's.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]!
}
const scale = Number(arg('scale', '1'))
const scope = arg('scope', 'case')
const workers = Number(arg('workers', '0'))
// The service's, the workers' and the court's logs, each request's response time among them, kept for a look after.
const keepLogs = process.argv.includes('--keep-logs')
if (!(scale > 0) || (scope !== 'case' && scope !== 'person') || !Number.isInteger(workers) || workers < 0) {
  process.stderr.write(
    'usage: bench:statewide [-- --scale (0,1] --scope case|person --seed N --stage-timeout S --workers N]\n'
  )
  process.exit(2)
}
if (workers > 0 && !process.env.DATABASE_URL?.startsWith('postgres')) {
  process.stderr.write(
    "bench:statewide: --workers needs DATABASE_URL=postgres://… (SQLite is one process's database)\n"
  )
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-statewide-'))
const database = benchDatabase(dir, 'clearfile_statewide')
console.log(
  `bench:statewide at scale ${scale} on ${database.dialect}, papers and filings per ${scope}; ${workers > 0 ? `clearfile serve (HTTP only), ${workers} clearfile worker${workers > 1 ? 's' : ''}` : 'clearfile serve'} and the court as their own processes`
)
let failed = false
let finished = false
try {
  const r = await runStatewide({
    scale,
    seed: Number(arg('seed', '7')),
    scope,
    databaseUrl: database.url,
    dir,
    cli: fileURLToPath(new URL('../src/cli/index.js', import.meta.url)),
    asOf: new Date().toISOString().slice(0, 10),
    stageTimeoutSeconds: Number(arg('stage-timeout', '3600')),
    workers,
    say: (line) => console.log(line)
  })
  const n = (v: number) => v.toLocaleString('en-US')
  const service = r.stages.slice(1)
  console.log('')
  for (const line of alignedTable([
    [
      'stage',
      'seconds',
      'share',
      'items',
      'per second',
      'peak RSS clearfile / court (MiB)',
      'cores clearfile / court / machine',
      '/healthz p99 (ms)',
      'API read p99 (ms)'
    ],
    ...r.stages.map((s, i) => [
      s.stage,
      s.seconds.toFixed(1),
      i === 0 ? '' : `${((100 * s.seconds) / r.endToEndSeconds).toFixed(0)}%`,
      `${n(s.items)} ${s.unit}`,
      (s.items / s.seconds).toFixed(0),
      `${s.peakRssMiB.clearfile.toFixed(0)} / ${s.peakRssMiB.court.toFixed(0)}`,
      `${s.cores.clearfile.toFixed(2)} / ${s.cores.court.toFixed(2)} / ${s.cores.machine.toFixed(2)}`,
      s.health.p99.toFixed(1),
      s.apiRead.p99.toFixed(1)
    ]),
    ['end to end', r.endToEndSeconds.toFixed(1), '100%', '', '', '', '', '', '']
  ]))
    console.log(line)
  const slowest = [...service].sort((a, b) => b.seconds - a.seconds)[0]
  if (slowest)
    console.log(`slowest stage: ${slowest.stage} (${((100 * slowest.seconds) / r.endToEndSeconds).toFixed(0)}%)`)
  const allHealth = service.map((s) => s.health.p99)
  console.log(`/healthz p99 over the stages: worst ${Math.max(...allHealth).toFixed(1)} ms`)
  const allReads = service.map((s) => s.apiRead.p99)
  console.log(
    `API read p99 over the stages (GET ${API_READ.path} by ${API_READ.county}'s deputy): worst ${Math.max(...allReads).toFixed(1)} ms`
  )
  console.log('')
  console.log(
    `accounting: ${r.counties} counties, ${n(r.rows)} rows, ${n(r.people)} people, ${n(r.prop64Convictions)} Prop 64 convictions ` +
      `(${n(r.convictionsWithRelief)} with relief), ${n(r.papers)} papers, ${n(r.filings)} filings queued, ${n(r.filingsAtCourt)} at the court, ` +
      `${r.duplicateSends} sent twice, ${r.lost} lost, ${r.outcomeMismatches} outcomes unlike the court's`
  )
  console.log(`filings by state: ${JSON.stringify(r.byState)}`)
  console.log(`requests to the court: ${JSON.stringify(r.courtOperations)}`)
  console.log(
    `callbacks: ${JSON.stringify(r.callbacks)}; clerk's reports: ${n(r.report.lines)} lines, ${n(r.report.matched)} convictions matched ` +
      `(${n(r.report.alreadyRecorded)} already recorded), ${r.report.conflicts} conflicts, ${r.report.unmatched} unmatched, ${r.report.omitted} omitted`
  )
  for (const p of r.problems) console.log(`PROBLEM: ${p}`)
  failed = r.problems.length > 0
  finished = true
} finally {
  database.drop()
  // A run that threw keeps its logs (the service's, the workers', the court's) for whoever looks into it.
  if (finished && !keepLogs) rmSync(dir, { recursive: true, force: true })
  else console.error(`the logs are kept in ${dir}`)
}
process.exit(failed ? 1 : 0)
