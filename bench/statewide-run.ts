import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, readFileSync, type WriteStream, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { projectRoot } from '../src/project-root.js'
import { Pool } from 'undici'
import type { CallbackCounts } from '../adapters/simulator/court.js'
import { createApiClient } from '../src/db/api-client-repository.js'
import { openDatabase } from '../src/db/database.js'
import { migrateOrThrow } from '../src/db/migrate.js'
import { mapLimited } from '../src/map-limited.js'
import { OUTCOMES, type Outcome } from '../src/eligibility/prop64-floor.js'
import { isGrantable } from '../src/eligibility/relief-grounds.js'
import { TERMINAL } from '../src/filing/filing-state.js'
import { COL, splitCsvRecord } from '../src/ingest/doj-file.js'
import { generateDojRows, HEADER } from '../src/ingest/generate-doj.js'
import {
  freePort,
  type Latencies,
  latencyFigures,
  probeHealth,
  sampleProcesses,
  settingsFromEnv,
  startService,
  type ServiceProcess
} from './service-process.js'

/**
 * California's 58 counties and their 2020 census populations (bench/data/california-counties.json names its
 * source): the statewide file's people are spread over them in that proportion.
 */
export const CALIFORNIA_COUNTIES: ReadonlyArray<readonly [string, number]> = JSON.parse(
  readFileSync(join(projectRoot(), 'bench', 'data', 'california-counties.json'), 'utf8')
).counties

/**
 * Rows of the generated statewide file at scale 1: measured to hold about 220,000 Prop 64 convictions (the
 * DOJ's statewide estimate under AB 1793) — 200,000 rows of it held 8,974 in Los Angeles, a quarter of the state.
 */
export const FULL_SCALE_ROWS = 1_240_000

export interface StatewideOptions {
  /** Share of the full statewide file (1 ≈ 220,000 Prop 64 convictions). */
  scale: number
  seed: number
  /** Papers and filings per case (one filing per court case) or per person. */
  scope: 'case' | 'person'
  /** The run's own database (SQLite path or PostgreSQL URL): the service migrates it. */
  databaseUrl: string
  /** A working folder of the run's own: the county files, the service's data, its logs. */
  dir: string
  /** The compiled CLI (dist/src/cli/index.js). */
  cli: string
  asOf: string
  /** Longest wait for any one stage. */
  stageTimeoutSeconds: number
  /**
   * `clearfile worker` processes beside the server: with any, `clearfile serve` only answers HTTP (the API and
   * the court's callbacks) and the workers run every background job, as on more than one machine.
   */
  workers?: number
  say: (line: string) => void
}

export interface StageFigures {
  stage: string
  seconds: number
  items: number
  unit: string
  /** Peak resident memory in MiB during the stage: clearfile's process and the court's. */
  peakRssMiB: { clearfile: number; court: number }
  /** Cores busy on average during the stage: clearfile, the court, and the machine (with PostgreSQL and the bench). */
  cores: { clearfile: number; court: number; machine: number }
  /** GET /healthz latencies during the stage. */
  health: Latencies
  /** Latencies of an API read during the stage (the largest county's deputy listing its latest filings). */
  apiRead: Latencies & { failed: number }
}

/** The API read probed in every stage: what a deputy of the largest county looks at while the state is processed. */
export const API_READ = { county: 'LOS ANGELES', path: '/v1/filings?limit=20&sort=updated' }

export interface StatewideResult {
  stages: StageFigures[]
  endToEndSeconds: number
  counties: number
  rows: number
  people: number
  prop64Convictions: number
  convictionsWithRelief: number
  papers: number
  filings: number
  /** Filings the court holds, by its own count. */
  filingsAtCourt: number
  /** Filing ids the court was sent more than once (each a duplicate sent), and filings it holds twice. */
  duplicateSends: number
  duplicateFilingsAtCourt: number
  /** Filings not in a final state at the end, and in `unknown` or failed. */
  lost: number
  byState: Record<string, number>
  /** Filings whose recorded outcome differs from what the court decided. */
  outcomeMismatches: number
  report: {
    lines: number
    matched: number
    alreadyRecorded: number
    conflicts: number
    unmatched: number
    omitted: number
  }
  callbacks: CallbackCounts
  /** Requests the court was sent, by operation. */
  courtOperations: Record<string, number>
  /** Whatever the run found wrong; empty when every count is accounted for. */
  problems: string[]
}

const SECRET_REF = 'CLEARFILE_STATEWIDE_COURT_KEY'
/** Counties' clerks sending their outcome reports at the same time. */
const CLERKS_AT_ONCE = 3
const courtIdOf = (county: string) => `CA-SC-${county.replace(/[^A-Z0-9]+/g, '-')}`
const titleCase = (county: string) => county.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase())

/** The DA profile a county's papers are signed with: made-up names, the county's own office. */
function daProfile(county: string) {
  const name = titleCase(county)
  return {
    county,
    courtCounty: county === 'SAN FRANCISCO' ? 'City and County of San Francisco' : `County of ${name}`,
    office: 'Office of the District Attorney',
    address: ['100 Example Plaza', `${name}, California 90000`],
    phone: '(555) 010-0000',
    email: 'records.relief@example.gov',
    electedDa: { name: `${name} District Attorney`, barNumber: '100001' },
    filingDeputy: { name: 'Deputy Example', barNumber: '200002', title: 'Deputy District Attorney' }
  }
}

/**
 * The statewide DOJ file, generated person by person and split as the DOJ hands it out: each county gets the
 * whole history of every person convicted in it (so a county reviewing someone also sees their disqualifying
 * record elsewhere). Returns each county's file with its rows and people.
 */
async function writeCountyFiles(o: StatewideOptions, folder: string) {
  mkdirSync(folder, { recursive: true })
  const files = new Map<string, { path: string; out: WriteStream; buffer: string; rows: number; people: number }>()
  const fileOf = (county: string) => {
    let f = files.get(county)
    if (!f) {
      const path = join(folder, `${county.replace(/[^A-Z0-9]+/g, '-')}.csv`)
      f = { path, out: createWriteStream(path), buffer: `${HEADER.join(',')}\n`, rows: 0, people: 0 }
      files.set(county, f)
    }
    return f
  }
  let statewideRows = 0
  let statewidePeople = 0
  let person: string[] = []
  let personCounties = new Set<string>()
  let subject: string | undefined
  const pending: Array<Promise<void>> = []
  const flushPerson = () => {
    if (person.length === 0) return
    statewidePeople++
    for (const county of personCounties) {
      const f = fileOf(county)
      f.buffer += person.join('')
      f.rows += person.length
      f.people++
      if (f.buffer.length > 1 << 20) {
        const chunk = f.buffer
        f.buffer = ''
        if (!f.out.write(chunk)) pending.push(new Promise((resolve) => f.out.once('drain', () => resolve())))
      }
    }
    person = []
    personCounties = new Set()
  }
  const rows = Math.max(1, Math.round(FULL_SCALE_ROWS * o.scale))
  for (const line of generateDojRows({
    rows,
    seed: o.seed,
    counties: CALIFORNIA_COUNTIES.map(([c]) => c),
    countyWeights: CALIFORNIA_COUNTIES.map(([, w]) => w)
  })) {
    statewideRows++
    const f = splitCsvRecord(line.replace(/\r?\n$/, ''))
    if (f[COL.SUBJECT_ID] !== subject) {
      flushPerson()
      subject = f[COL.SUBJECT_ID]
    }
    person.push(line)
    const county = f[COL.STP_ORI_CNTY_NAME]
    if (county && f[COL.DISP_DESCR]?.startsWith('CONVICTED')) personCounties.add(county)
    if (pending.length > 0) await Promise.all(pending.splice(0))
  }
  flushPerson()
  await Promise.all(
    [...files.values()].map(
      (f) =>
        new Promise<void>((resolve, reject) =>
          f.out.end(f.buffer, (err?: Error | null) => (err ? reject(err) : resolve()))
        )
    )
  )
  return { files, statewideRows, statewidePeople }
}

/**
 * The whole service, statewide: a generated DOJ file of every county, each county's part uploaded by its own DA's
 * key and reviewed, its relieved cases' papers prepared and filed with its Superior Court (the simulated court,
 * running as its own process, signing its callbacks), followed to the court's rulings, and the clerk's outcome
 * report (from the court) reconciled. clearfile runs as its own process, as deployed. Each stage is timed with
 * the peak memory of both processes and /healthz latencies meanwhile; at the end every count is accounted for:
 * filings queued = filings at the court, none sent twice, every court decision recorded, the report matched.
 */
export async function runStatewide(o: StatewideOptions): Promise<StatewideResult> {
  const problems: string[] = []
  const stages: StageFigures[] = []
  const counties = CALIFORNIA_COUNTIES.map(([c]) => c)
  const courtKey = randomBytes(24).toString('base64url')
  writeFileSync(join(o.dir, 'da-profiles.json'), JSON.stringify(counties.map(daProfile)))

  // The court, as its own process: one server answering for the 58 Superior Courts, signing its callbacks.
  const courtPort = await freePort()
  const court = await startService({
    cli: o.cli,
    args: [
      'simulate-court',
      '--port',
      String(courtPort),
      '--review-delay-ms',
      '1000',
      '--ruling-delay-ms',
      '2000',
      '--seed',
      String(o.seed)
    ],
    env: { PATH: process.env.PATH ?? '', CLEARFILE_SIMULATED_COURT_SECRET: courtKey },
    port: courtPort,
    logPath: join(o.dir, 'court.log'),
    ready: '/simulator/submissions'
  })
  const courtEndpoint = `${court.address}/ecf/v4/FilingReviewMDE`
  writeFileSync(
    join(o.dir, 'courts.json'),
    JSON.stringify(
      counties.map((county) => ({
        id: courtIdOf(county),
        name: `Superior Court of California, County of ${titleCase(county)}`,
        county,
        adapter: 'simulator',
        endpoint: courtEndpoint,
        callbackSignature: { secretRef: SECRET_REF }
      }))
    )
  )
  const port = await freePort()
  const address = `http://127.0.0.1:${port}`
  let service: ServiceProcess | undefined
  const workers: ServiceProcess[] = []
  const handle = await openDatabase({ url: o.databaseUrl })
  const http = new Pool(address, { connections: 16 })
  const courtHttp = new Pool(court.address, { connections: 4 })
  try {
    await migrateOrThrow(handle.db)
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: o.databaseUrl,
      PORT: String(port),
      CLEARFILE_DATA_DIR: join(o.dir, 'data'),
      CLEARFILE_PUBLIC_URL: address,
      CLEARFILE_COURTS: join(o.dir, 'courts.json'),
      CLEARFILE_DA_PROFILES: join(o.dir, 'da-profiles.json'),
      [SECRET_REF]: courtKey,
      // The court rules within seconds here, not weeks: status polls keep its pace.
      CLEARFILE_POLL_INTERVAL_SECONDS: '2',
      CLEARFILE_RULING_POLL_MAX_SECONDS: '4',
      CLEARFILE_WORKER_CONCURRENCY: '8',
      // The run's own settings for the service (CLEARFILE_LONG_JOB_LANES=1, say) over the ones above.
      ...settingsFromEnv()
    }
    const workerCount = o.workers ?? 0
    service = await startService({
      cli: o.cli,
      args: ['serve'],
      env: workerCount > 0 ? { ...env, CLEARFILE_RUN_JOBS: 'false' } : env,
      port,
      logPath: join(o.dir, 'serve.log')
    })
    for (let i = 1; i <= workerCount; i++)
      workers.push(
        await startService({
          cli: o.cli,
          args: ['worker'],
          env,
          logPath: join(o.dir, `worker-${i}.log`),
          readyLine: /clearfile worker running/
        })
      )
    const now = new Date()
    const keys = new Map<string, { deputy: string; clerk: string }>()
    for (const county of counties)
      keys.set(county, {
        deputy: (await createApiClient(handle.db, { role: 'deputy_da', county, name: 'statewide bench' }, now)).key,
        clerk: (await createApiClient(handle.db, { role: 'clerk', county, name: 'statewide bench clerk' }, now)).key
      })

    const call = async <T>(
      key: string,
      method: 'GET' | 'POST',
      path: string,
      body?: { json: unknown } | { file: string; type: string } | { text: string; type: string }
    ): Promise<{ status: number; body: T }> => {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` }
      let payload: string | NodeJS.ReadableStream | undefined
      if (body && 'json' in body) {
        headers['content-type'] = 'application/json'
        payload = JSON.stringify(body.json)
      } else if (body && 'file' in body) {
        headers['content-type'] = body.type
        payload = createReadStream(body.file)
      } else if (body) {
        headers['content-type'] = body.type
        payload = body.text
      }
      const res = await http.request({
        path,
        method,
        headers,
        body: payload as string,
        headersTimeout: 600_000,
        bodyTimeout: 600_000
      })
      const text = await res.body.text()
      if (res.statusCode >= 400) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 400)}`)
      return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T }
    }
    const count = async (query: string): Promise<number> => {
      const r = await sql<{ n: number | string }>`${sql.raw(query)}`.execute(handle.db)
      return Number(r.rows[0]?.n ?? 0)
    }
    const waitFor = async (what: string, done: () => Promise<boolean>) => {
      const deadline = Date.now() + o.stageTimeoutSeconds * 1000
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`${what}: not done after ${o.stageTimeoutSeconds} s`)
        await sleep(250)
      }
    }
    const jobsOpen = (kind: string) =>
      count(`SELECT count(*) AS n FROM jobs WHERE kind = '${kind}' AND done_at IS NULL`)

    const health = probeHealth(address, 50, {
      path: API_READ.path,
      authorization: `Bearer ${keys.get(API_READ.county)!.deputy}`
    })
    const processes = sampleProcesses({
      clearfile: [service, ...workers].map((p) => p.child.pid!),
      court: court.child.pid!
    })
    let stageStarted = performance.now()
    const stage = (name: string, items: number, unit: string) => {
      const seconds = (performance.now() - stageStarted) / 1000
      const reads = health.takeReads()
      if (reads.failed > 0) problems.push(`${name}: ${reads.failed} API reads not answered 200`)
      const { peakRssMiB: peaks, cpuSeconds: cpu } = processes.take()
      const cores = (k: string) => cpu[k]! / seconds
      const figures: StageFigures = {
        stage: name,
        seconds,
        items,
        unit,
        peakRssMiB: { clearfile: peaks.clearfile!, court: peaks.court! },
        cores: { clearfile: cores('clearfile'), court: cores('court'), machine: cores('machine') },
        health: latencyFigures(health.take()),
        apiRead: { ...latencyFigures(reads.latencies), failed: reads.failed }
      }
      stages.push(figures)
      o.say(
        `  ${name}: ${seconds.toFixed(1)} s, ${items.toLocaleString('en-US')} ${unit} (${(items / seconds).toFixed(0)}/s); ` +
          `peak RSS clearfile ${figures.peakRssMiB.clearfile.toFixed(0)} MiB, court ${figures.peakRssMiB.court.toFixed(0)} MiB; ` +
          `cores busy: clearfile ${figures.cores.clearfile.toFixed(2)}, court ${figures.cores.court.toFixed(2)}, machine ${figures.cores.machine.toFixed(2)}; ` +
          `/healthz p99 ${figures.health.p99.toFixed(1)} ms (max ${figures.health.max.toFixed(0)} ms); ` +
          `API read p99 ${figures.apiRead.p99.toFixed(1)} ms (max ${figures.apiRead.max.toFixed(0)} ms)`
      )
      stageStarted = performance.now()
    }

    // 1. The DOJ file (not the service: the state's part), split by county.
    const generated = await writeCountyFiles(o, join(o.dir, 'doj'))
    const countyFiles = [...generated.files.entries()]
    const countyRows = countyFiles.reduce((n, [, f]) => n + f.rows, 0)
    o.say(
      `  the statewide file: ${generated.statewideRows.toLocaleString('en-US')} rows, ${generated.statewidePeople.toLocaleString('en-US')} people; ` +
        `${countyFiles.length} county files of ${countyRows.toLocaleString('en-US')} rows (a person convicted in two counties is in both)`
    )
    stage('generate DOJ files (not the service)', generated.statewideRows, 'rows')
    const serviceStarted = performance.now()

    // 2. Each county uploads its file and reviews it.
    const reviews = new Map<string, { id: string }>()
    for (const [county, f] of countyFiles) {
      const { body } = await call<{ id: string }>(
        keys.get(county)!.deputy,
        'POST',
        `/v1/reviews?asOf=${o.asOf}&name=doj-${encodeURIComponent(county)}.csv`,
        { file: f.path, type: 'text/csv' }
      )
      reviews.set(county, body)
    }
    stage('upload DOJ files', countyRows, 'rows')
    type Review = {
      state: string
      error?: string
      progress: { rowsRead: number }
      summary?: { prop64ConvictionsInCounty?: number; convictionsByOutcome?: Record<string, number>; people?: number }
    }
    const finished = new Map<string, Review>()
    await waitFor('reviews', async () => {
      for (const [county, r] of reviews) {
        if (finished.has(county)) continue
        const { body } = await call<Review>(keys.get(county)!.deputy, 'GET', `/v1/reviews/${r.id}`)
        if (body.state === 'done' || body.state === 'failed') finished.set(county, body)
        else break
      }
      return finished.size === reviews.size
    })
    let rowsRead = 0
    let prop64 = 0
    let relieved = 0
    for (const [county, r] of finished) {
      if (r.state !== 'done') problems.push(`the review of ${county} failed: ${r.error}`)
      rowsRead += r.progress.rowsRead
      prop64 += r.summary?.prop64ConvictionsInCounty ?? 0
      const by = r.summary?.convictionsByOutcome ?? {}
      const withRelief = Object.entries(by)
        .filter(([outcome]) => (OUTCOMES as readonly string[]).includes(outcome) && isGrantable(outcome as Outcome))
        .reduce((n, [, v]) => n + v, 0)
      relieved += withRelief
      // A county with nothing to file (no relief, or a failed review) prepares no papers and queues no filings.
      if (r.state !== 'done' || withRelief === 0) reviews.delete(county)
    }
    if (rowsRead !== countyRows) problems.push(`reviews read ${rowsRead} rows of the ${countyRows} uploaded`)
    o.say(
      `  ${prop64.toLocaleString('en-US')} Prop 64 convictions decided in their counties, ${relieved.toLocaleString('en-US')} with relief`
    )
    stage('review (determinations stored)', rowsRead, 'rows')

    // 3. Papers for every relieved case (or person).
    for (const [county, r] of reviews)
      await call(keys.get(county)!.deputy, 'POST', `/v1/reviews/${r.id}/documents`, { json: { scope: o.scope } })
    await waitFor('papers', async () => (await jobsOpen('documents')) === 0)
    const failedJobs = await count(
      "SELECT count(*) AS n FROM jobs WHERE kind = 'documents' AND last_error IS NOT NULL AND attempts >= max_attempts"
    )
    if (failedJobs > 0) problems.push(`${failedJobs} review papers jobs failed`)
    const papers = await count('SELECT count(*) AS n FROM documents')
    stage('papers (PDFs drawn and stored)', papers, 'papers')

    // 4. One filing per case (or person), queued.
    let filings = 0
    for (const [county, r] of reviews) {
      const { body } = await call<{ filings: unknown[] }>(keys.get(county)!.deputy, 'POST', '/v1/filings', {
        json: { reviewId: r.id, scope: o.scope }
      })
      filings += body.filings.length
    }
    stage('filings queued', filings, 'filings')

    // 5. Submitted: every filing has left the queue (the court's receipt recorded).
    const notYetSent = `SELECT count(*) AS n FROM filings WHERE state IN ('draft', 'queued', 'submitting')`
    await waitFor('submissions', async () => (await count(notYetSent)) === 0)
    stage('submitted to the court', filings, 'filings')

    // 6. Every filing decided: rejected by the clerk or ruled on by the judge, as recorded from callbacks and polls.
    const open = `SELECT count(*) AS n FROM filings WHERE state NOT IN (${[...TERMINAL].map((s) => `'${s}'`).join(', ')})`
    await waitFor('rulings', async () => (await count(open)) === 0)
    stage('rulings recorded', filings, 'filings')

    // 7. Each county's clerk sends the court's outcome report; clearfile reconciles it. The 58 clerks work each on
    // their own, so several reports arrive at once (one at a time left one of the two cores idle).
    const report = { lines: 0, matched: 0, alreadyRecorded: 0, conflicts: 0, unmatched: 0, omitted: 0 }
    type ReportView = { id: string; state: string; error?: string; lines: number; summary: typeof report }
    await mapLimited(countyFiles, CLERKS_AT_ONCE, async ([county]) => {
      const res = await courtHttp.request({
        path: `/simulator/outcome-report?court=${encodeURIComponent(courtIdOf(county))}`,
        method: 'GET'
      })
      const csv = await res.body.text()
      if (csv.trim().split('\n').length < 2) return
      const clerk = keys.get(county)!.clerk
      let { body: view } = await call<ReportView>(clerk, 'POST', '/v1/outcome-reports?filename=clerk-report.csv', {
        text: csv,
        type: 'text/csv'
      })
      while (view.state === 'queued') {
        await sleep(250)
        view = (await call<ReportView>(clerk, 'GET', `/v1/outcome-reports/${view.id}`)).body
      }
      if (view.state !== 'done') problems.push(`${county}'s outcome report failed: ${view.error}`)
      report.lines += view.lines
      for (const k of ['matched', 'alreadyRecorded', 'conflicts', 'unmatched', 'omitted'] as const)
        report[k] += view.summary[k]
    })
    stage("clerk's reports reconciled", report.lines, 'lines')
    const endToEndSeconds = (performance.now() - serviceStarted) / 1000
    o.say(`  end to end (upload to reconciled reports): ${endToEndSeconds.toFixed(1)} s`)
    await health.stop()
    processes.stop()

    // Accounting: what the court holds against what clearfile recorded.
    const sim = (await (await courtHttp.request({ path: '/simulator/submissions', method: 'GET' })).body.json()) as {
      filings: number
      callbacks: StatewideResult['callbacks']
      operations: Record<string, number>
      submissions: Record<string, number>
    }
    const duplicateSends = Object.values(sim.submissions).filter((n) => n > 1).length
    const byStateRows = await handle.db
      .selectFrom('filings')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute()
    const byState = Object.fromEntries(byStateRows.map((r) => [r.state, Number(r.n)]))
    const lost = Object.entries(byState)
      .filter(([s]) => !TERMINAL.has(s as never) || s === 'failed')
      .reduce((n, [, v]) => n + v, 0)
    const courtReport = await (
      await courtHttp.request({ path: '/simulator/outcome-report', method: 'GET' })
    ).body.text()
    const courtRuling = new Map(
      courtReport
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map((f) => [f[0]!, f[2]!])
    )
    const recorded = await handle.db.selectFrom('filings').select(['court_filing_id', 'state']).execute()
    let outcomeMismatches = 0
    const heldAtCourt = new Set<string>()
    for (const r of recorded) {
      if (!r.court_filing_id) continue
      heldAtCourt.add(r.court_filing_id)
      const ruling = courtRuling.get(r.court_filing_id)
      if ((ruling ?? 'rejected') !== r.state) outcomeMismatches++
    }
    const duplicateFilingsAtCourt = sim.filings - heldAtCourt.size
    if (sim.filings !== filings) problems.push(`the court holds ${sim.filings} filings; ${filings} were queued`)
    if (duplicateSends > 0) problems.push(`${duplicateSends} filings were sent to the court more than once`)
    if (lost > 0) problems.push(`${lost} filings did not reach a final state or failed`)
    if (outcomeMismatches > 0) problems.push(`${outcomeMismatches} filings' recorded outcome differs from the court's`)
    if (report.unmatched > 0 || report.conflicts > 0)
      problems.push(`the clerk's reports: ${report.unmatched} lines unmatched, ${report.conflicts} conflicts`)
    if (sim.callbacks.refused > 0) problems.push(`${sim.callbacks.refused} court callbacks were refused`)
    // One court process answers for all 58 courts with one signing key, as one e-filing manager would.
    if (sim.callbacks.unknown > 0)
      problems.push(`${sim.callbacks.unknown} court callbacks were answered as about a filing the service did not know`)
    return {
      stages,
      endToEndSeconds,
      counties: countyFiles.length,
      rows: generated.statewideRows,
      people: generated.statewidePeople,
      prop64Convictions: prop64,
      convictionsWithRelief: relieved,
      papers,
      filings,
      filingsAtCourt: sim.filings,
      duplicateSends,
      duplicateFilingsAtCourt,
      lost,
      byState,
      outcomeMismatches,
      report,
      callbacks: sim.callbacks,
      courtOperations: sim.operations,
      problems
    }
  } finally {
    await http.close()
    await courtHttp.close()
    await Promise.all(workers.map((w) => w.stop()))
    await service?.stop()
    await court.stop()
    await handle.destroy()
  }
}
