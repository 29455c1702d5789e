import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from '../src/clock.js'
import { loadConfig, type Config } from '../src/config.js'
import { openDatabase, type Db, type DialectName } from '../src/db/database.js'
import { migrateOrThrow } from '../src/db/migrate.js'
import { createJobRunner } from '../src/jobs/job-runner.js'
import { createServices } from '../src/services.js'
import { soapEnvelope } from '../src/ecf/soap.js'
import type { CourtPolicy } from '../src/ecf/court-adapter.js'
import { policyProblems } from '../src/ecf/court-policy.js'
import {
  signedSoapEnvelope,
  wsSecuritySigner,
  wsSecuritySigning,
  type WsSecuritySigner
} from '../src/ecf/ws-security.js'
import type { CourtEntry } from '../schemas/courts.js'
import { seedFilings } from './seed-filings.js'

/*
 * npm run bench:filing [-- --filings 10000 --baseline 500 --lanes 8 --counts 20]
 *
 * Submits filings — a 20-count case's motion and proposed order, each with a
 * Unicode font subset embedded: about 36 KB of PDF, a message of about 50 KB —
 * through the real pipeline — outbox
 * jobs, message built and validated against the OASIS schemas, ECF 4.01 SOAP
 * over HTTP — to the simulated court running as its own process (which
 * validates every message too). Prints filings/s, p50/p99 submit latency (from
 * each filing's submitting → submitted events) and the peak RSS of the
 * submitting process. The baseline, in the same run: the same pipeline sending
 * one filing at a time, as an EFSP without a worker pool does. Then the cost of the court's policy (issue #12):
 * `--policy-filings` filings each without the policy check, with it, and with it and a fee calculation (GetFeesCalculation,
 * the whole filing sent once more) before every send.
 * DATABASE_URL selects PostgreSQL; the default is a SQLite file.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const FILINGS = arg('filings', 10_000)
const BASELINE = arg('baseline', 500)
const LANES = arg('lanes', 8)
const COUNTS = arg('counts', 20)
const POLICY_FILINGS = arg('policy-filings', 2000)
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url))
const DA_PROFILES = fileURLToPath(new URL('../../test/fixtures/da-profiles.json', import.meta.url))

async function startCourt(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    // It offers GetFeesCalculation, and has our filer id on its list of fee-exempt accounts.
    [
      CLI,
      'simulate-court',
      '--port',
      '0',
      '--review-delay-ms',
      '3600000',
      '--accept-rate',
      '1',
      '--fee',
      '60.00',
      '--fee-exempt',
      'clearfile'
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } }
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /listening at (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.on('exit', (code) => reject(new Error(`simulated court exited ${code}`)))
  })
  return { url, stop: () => child.kill('SIGTERM') }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

/** Runs the pipeline's workers until no filing is waiting to be sent; returns the figures of the filings given. */
async function submitAll(
  db: Db,
  dialect: DialectName,
  config: Config,
  ids: string[],
  lanes: number,
  court?: CourtEntry
) {
  const services = createServices({
    db,
    dialect,
    clock: systemClock,
    config,
    ...(court ? { courts: new Map([[court.id, court]]) } : {})
  })
  const runner = createJobRunner({ db, clock: systemClock, jobs: services.jobs, lanes: { submit: lanes }, pollMs: 20 })
  let peakRss = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
  }, 50)
  const started = performance.now()
  runner.start()
  for (;;) {
    const waiting = await db
      .selectFrom('filings')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', 'in', ['queued', 'submitting', 'unknown'])
      .executeTakeFirstOrThrow()
    if (Number(waiting.n) === 0) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const seconds = (performance.now() - started) / 1000
  await runner.stop()
  await services.close()
  clearInterval(sampler)
  const latencies: number[] = []
  for (let i = 0; i < ids.length; i += 500) {
    const events = await db
      .selectFrom('filing_events')
      .select(['filing_id', 'to_state', 'at'])
      .where('filing_id', 'in', ids.slice(i, i + 500))
      .where('to_state', 'in', ['submitting', 'submitted'])
      .execute()
    const sentAt = new Map<string, number>()
    for (const e of events) if (e.to_state === 'submitting') sentAt.set(e.filing_id, Date.parse(e.at))
    for (const e of events) if (e.to_state === 'submitted') latencies.push(Date.parse(e.at) - sentAt.get(e.filing_id)!)
  }
  latencies.sort((a, b) => a - b)
  return {
    filingsPerSecond: ids.length / seconds,
    seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    submitted: latencies.length,
    peakRssMb: peakRss / 1048576
  }
}

/** How many requests of each operation the court process has been sent. */
async function courtOperations(courtUrl: string): Promise<Record<string, number>> {
  const res = await fetch(new URL('/simulator/submissions', courtUrl))
  return ((await res.json()) as { operations: Record<string, number> }).operations
}

/**
 * One status poll of every open filing (their poll jobs made due now), with the court polled by list or per
 * filing: wall time and the requests the court got.
 */
async function pollRound(
  db: Db,
  dialect: DialectName,
  config: Config,
  courtUrl: string,
  entry: CourtEntry,
  lanes: number
): Promise<{ seconds: number; requests: Record<string, number> }> {
  await db
    .updateTable('jobs')
    .set({ run_at: new Date(0).toISOString() })
    .where('kind', '=', 'filing.poll')
    .where('done_at', 'is', null)
    .execute()
  const services = createServices({ db, dialect, clock: systemClock, config, courts: new Map([[entry.id, entry]]) })
  const runner = createJobRunner({ db, clock: systemClock, jobs: services.jobs, lanes: { court: lanes }, pollMs: 20 })
  const before = await courtOperations(courtUrl)
  const started = performance.now()
  await runner.drain()
  const seconds = (performance.now() - started) / 1000
  const after = await courtOperations(courtUrl)
  await services.close()
  const requests = Object.fromEntries(
    Object.entries(after)
      .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )
  return { seconds, requests }
}

const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-filing-'))
const court = await startCourt()
try {
  const courtsFile = join(dir, 'courts.json')
  writeFileSync(
    courtsFile,
    JSON.stringify([
      {
        id: 'CA-SF',
        name: 'Superior Court of California, County of San Francisco',
        county: 'SAN FRANCISCO',
        adapter: 'simulator',
        endpoint: court.url,
        // The policy is checked (the court publishes one); fees are asked for only in the policy phases below.
        calculateFees: false,
        limits: { concurrency: LANES, timeoutMs: 60_000 }
      }
    ])
  )
  const databaseUrl = process.env.DATABASE_URL || join(dir, 'clearfile.db')
  const config = loadConfig({
    env: {},
    overrides: {
      databaseUrl,
      dataDir: dir,
      daProfilesFile: DA_PROFILES,
      courtsFile,
      pollIntervalSeconds: 86_400,
      runJobs: false
    }
  })
  const handle = await openDatabase({ url: databaseUrl })
  await migrateOrThrow(handle.db)
  const seedStart = performance.now()
  // Each phase's filings are queued just before it runs: the workers send whatever is queued.
  const baselineIds = await seedFilings({
    db: handle.db,
    dialect: handle.dialect,
    config,
    clock: systemClock,
    count: BASELINE,
    countsPerCase: COUNTS,
    unicodeNames: true
  })
  const serial = await submitAll(handle.db, handle.dialect, config, baselineIds, 1)
  const ids = await seedFilings({
    db: handle.db,
    dialect: handle.dialect,
    config,
    clock: systemClock,
    count: FILINGS,
    first: BASELINE,
    countsPerCase: COUNTS,
    unicodeNames: true
  })
  const pdf = await handle.db
    .selectFrom('documents')
    .select((eb) => eb.fn.avg<number>('bytes').as('avg'))
    .executeTakeFirstOrThrow()
  console.log(
    `seeded ${BASELINE + FILINGS} filings (${COUNTS} counts each; two PDFs of ${(Number(pdf.avg) / 1024).toFixed(1)} KB on average) in ${((performance.now() - seedStart - serial.seconds * 1000) / 1000).toFixed(1)} s on ${handle.dialect}`
  )
  const pooled = await submitAll(handle.db, handle.dialect, config, ids, LANES)
  const files = readdirSync(join(dir, 'filings')).filter((f) => f.endsWith('.xml'))
  const meanMessage =
    files.slice(0, 200).reduce((sum, f) => sum + statSync(join(dir, 'filings', f)).size, 0) /
    Math.min(200, files.length)
  const row = (name: string, r: typeof serial, n: number) =>
    `${name.padEnd(26)} ${String(n).padStart(6)} ${r.filingsPerSecond.toFixed(1).padStart(10)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${r.peakRssMb.toFixed(0).padStart(9)}`
  console.log(`mean ReviewFilingRequest message ${(meanMessage / 1024).toFixed(1)} KB (two PDFs, base64)`)
  console.log(
    `${'submitting'.padEnd(26)} ${'filings'.padStart(6)} ${'filings/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'peak RSS MB'.padStart(9)}`
  )
  console.log(row('one at a time (baseline)', serial, BASELINE))
  console.log(row(`${LANES} lanes`, pooled, FILINGS))
  console.log(
    `${LANES} lanes vs one at a time: ${(pooled.filingsPerSecond / serial.filingsPerSecond).toFixed(2)}x filings/s`
  )
  // The cost of WS-Security (issue #12): signing the same messages, with a 2048-bit RSA key as a DA office's would be.
  const messages = files.slice(0, 200).map((f) => readFileSync(join(dir, 'filings', f), 'utf8'))
  const signing = signingCost(messages, dir)
  console.log(
    `WS-Security signing: ${signing.signedMs.toFixed(2)} ms per message (unsigned envelope ${signing.plainMs.toFixed(3)} ms; mean of ${signing.n}), ${((signing.signedMs / serial.p50) * 100).toFixed(1)}% of one submission's p50 one at a time`
  )
  for (const threads of [0, 1, 2]) {
    const r = await signingOffLoop(messages, signing.signer, threads)
    console.log(
      `  ${messages.length} messages signed at once, ${threads === 0 ? 'on the event loop   ' : `on ${threads} worker thread${threads > 1 ? 's' : ' '}`}: ${r.perSecond.toFixed(0)} messages/s, longest event-loop stall ${r.maxStallMs.toFixed(0)} ms`
    )
  }
  const entry = JSON.parse(readFileSync(courtsFile, 'utf8'))[0] as CourtEntry
  // The court's policy (issue #12): the same number of filings without the check, with it, and with fees asked too.
  let first = BASELINE + FILINGS
  const phases = [
    ['no policy check', { ...entry, usePolicy: false }],
    ['policy checked', entry],
    ['policy + GetFeesCalculation', { ...entry, calculateFees: true }]
  ] as const
  const policyRows: Array<[string, Awaited<ReturnType<typeof submitAll>>]> = []
  for (const [name, courtEntry] of phases) {
    const phaseIds = await seedFilings({
      db: handle.db,
      dialect: handle.dialect,
      config,
      clock: systemClock,
      count: POLICY_FILINGS,
      first,
      countsPerCase: COUNTS,
      unicodeNames: true
    })
    first += POLICY_FILINGS
    policyRows.push([name, await submitAll(handle.db, handle.dialect, config, phaseIds, LANES, courtEntry)])
  }
  for (const [name, r] of policyRows) console.log(row(`${name}`, r, POLICY_FILINGS))
  const unchecked = policyRows[0]![1].filingsPerSecond
  console.log(
    policyRows
      .slice(1)
      .map(([name, r]) => `${name} vs no check: ${(r.filingsPerSecond / unchecked).toFixed(2)}x filings/s`)
      .join('; ')
  )
  const checkMs = policyCheckCost(files.slice(0, 200).map((f) => readFileSync(join(dir, 'filings', f), 'utf8')))
  console.log(`policy check of a message (its code lists, sizes): ${checkMs.toFixed(2)} ms per message`)
  // Status polls (issue #14): every open filing asked about once, per filing and by list, in the same run.
  const open = first
  for (const statusPolling of ['each', 'list'] as const) {
    const round = await pollRound(
      handle.db,
      handle.dialect,
      config,
      court.url,
      { ...entry, statusPolling },
      config.courtQueryLanes
    )
    console.log(
      `status poll of ${open} open filings, ${statusPolling === 'each' ? 'GetFilingStatus each' : 'by GetFilingList'}: ${round.seconds.toFixed(1)} s, ${(open / round.seconds).toFixed(0)} filings/s, court requests ${JSON.stringify(round.requests)}`
    )
  }
  if (policyRows.some(([, r]) => r.submitted !== POLICY_FILINGS))
    throw new Error(`not every filing was submitted in the policy phases`)
  if (pooled.submitted !== FILINGS || serial.submitted !== BASELINE)
    throw new Error(`not every filing was submitted: ${pooled.submitted}/${FILINGS}, ${serial.submitted}/${BASELINE}`)
  await handle.destroy()
} finally {
  court.stop()
  rmSync(dir, { recursive: true, force: true })
}

/** Milliseconds to check a message against a policy like the simulated court's (three code lists, sizes). */
function policyCheckCost(messages: string[]): number {
  const policy: CourtPolicy = {
    versionId: 'bench',
    codeLists: [
      { element: 'j:RegisterActionDescriptionText', uri: 'x', codes: ['Motion', 'Proposed Order', 'Order'] },
      { element: 'nc:CaseCategoryText', uri: 'y', codes: ['criminal'] },
      { element: 'ecf:CaseParticipantRoleCode', uri: 'z', codes: ['Defendant', 'Plaintiff'] }
    ],
    operations: ['ReviewFiling'],
    caseTypes: ['Criminal'],
    acceptsConfidential: true,
    maxAttachmentBytes: 25_000_000,
    maxMessageBytes: 100_000_000
  }
  for (const m of messages.slice(0, 10)) policyProblems(m, policy) // warm up
  const started = performance.now()
  for (const m of messages) if (policyProblems(m, policy).length > 0) throw new Error('the bench policy refuses')
  return (performance.now() - started) / messages.length
}

/**
 * Signing a batch as the adapter does (every message in flight at once): messages/s, and the longest the event loop
 * went unanswered meanwhile (a 1 ms timer's worst lateness) — what every other request waits behind.
 */
async function signingOffLoop(messages: string[], signer: WsSecuritySigner, threads: number) {
  const signing = wsSecuritySigning(signer, { threads })
  await signing.sign(messages[0]!, new Date()) // start the workers
  let maxStallMs = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    maxStallMs = Math.max(maxStallMs, now - last)
    last = now
  }, 1)
  const started = performance.now()
  await Promise.all(messages.map((m) => signing.sign(m, new Date())))
  const seconds = (performance.now() - started) / 1000
  clearInterval(ticker)
  maxStallMs = Math.max(maxStallMs, performance.now() - last)
  await signing.close()
  return { perSecond: messages.length / seconds, maxStallMs }
}

/** Milliseconds to wrap each message in a plain SOAP envelope, and to wrap and sign it (WS-Security, RSA-2048). */
function signingCost(
  messages: string[],
  dir: string
): { n: number; plainMs: number; signedMs: number; signer: WsSecuritySigner } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=bench-da-office',
      '-keyout',
      'da.key',
      '-out',
      'da.crt'
    ],
    { cwd: dir, stdio: 'pipe' }
  )
  const signer = wsSecuritySigner({ cert: readFileSync(join(dir, 'da.crt')), key: readFileSync(join(dir, 'da.key')) })
  const time = (wrap: (m: string) => string) => {
    const started = performance.now()
    for (const m of messages) wrap(m)
    return (performance.now() - started) / messages.length
  }
  time((m) => signedSoapEnvelope(m, signer, new Date())) // warm up
  return {
    n: messages.length,
    plainMs: time(soapEnvelope),
    signedMs: time((m) => signedSoapEnvelope(m, signer, new Date())),
    signer
  }
}
