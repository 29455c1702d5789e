import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { startSimulatedCourt, type CourtFaults } from '../../adapters/simulator/court.js'
import { seedFilings } from '../../bench/seed-filings.js'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { TERMINAL, type FilingState } from '../../src/filing/filing-state.js'
import { migrateOrThrow } from '../../src/db/migrate.js'
import { seededRandom } from '../../src/seeded-random.js'
import { sanFranciscoCourtsFile } from '../helper.js'
import { assertBuilt, freePort, openFilings, processDatabase, startServe } from '../serve-process.js'

/*
 * The crash test of the submission pipeline: clearfile runs as its own process
 * against a database on disk (SQLite file, or a new PostgreSQL database), filing
 * 1,000 cases (CLEARFILE_CRASH_FILINGS for more) with the simulated court in this process. The process is killed
 * with SIGKILL at random moments while it sends, several times, and restarted; then it runs to
 * the end. Every filing must reach a terminal state, and the court must have
 * been sent each filing id exactly once: 0 lost, 0 duplicates.
 */
const FILINGS = Number(process.env.CLEARFILE_CRASH_FILINGS ?? 1000)
const KILLS = 4
const DA_PROFILES = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.before(assertBuilt)
// Seeding, five process starts and the run itself take a while on two cores.
t.setTimeout(900_000)

/**
 * How the court speaks: `ours` as the simulated court does by default (filer ids kept and echoed, "ruling: granted",
 * callbacks with a shared secret); `independent` as the independent ECF 4.01 court of issue #12 did — no filer ids
 * kept or returned (a message sent twice is filed twice), rulings as `accepted` + "granted" in the description,
 * callbacks signed with an HMAC-SHA256 of the body in `X-Court-Signature`.
 */
type Dialect = 'ours' | 'independent'

async function crashRun(t: Test, faults: CourtFaults, seed: number, dialect: Dialect) {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-crash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const databaseUrl = await processDatabase(t, dir)
  const secret = randomBytes(16).toString('hex')
  const independent = dialect === 'independent'
  const court = await startSimulatedCourt({
    reviewDelayMs: 100,
    rulingDelayMs: 150,
    acceptRate: 0.9,
    ...(independent
      ? { echoFilerIds: false, rulingWording: 'plain', callbackSignature: { key: secret } }
      : { callbackSecret: secret }),
    faults,
    random: seededRandom(seed)
  })
  t.teardown(() => court.close())
  const courtsFile = sanFranciscoCourtsFile(court.url, {
    ...(independent
      ? { echoesFilerIds: false, callbackSignature: { secretRef: 'CRASH_COURT_SECRET' } }
      : { callbackSecretRef: 'CRASH_COURT_SECRET' }),
    // The court's own faults are the timeouts this test means: 1.5 s, not 0.5, so that on a loaded machine a slow
    // answer is not one more (a filing whose eight sends all fail is given up: CI saw one on a slow machine).
    limits: { timeoutMs: 1500, concurrency: 8 },
    // Polled every 0.3 s, a court whose day lists all its filings would be read list after list (each 1.5 MB):
    // this test is about kills and duplicates; test/filing/court-status-lists.test.ts is about list polling.
    statusPolling: 'each'
  })
  const config = loadConfig({
    env: {},
    overrides: { databaseUrl, dataDir: dir, daProfilesFile: DA_PROFILES, courtsFile, runJobs: false }
  })

  const handle = await openDatabase({ url: databaseUrl })
  await migrateOrThrow(handle.db)
  const filingIds = await seedFilings({
    db: handle.db,
    dialect: handle.dialect,
    config,
    clock: systemClock,
    count: FILINGS
  })
  t.equal(filingIds.length, FILINGS, `${FILINGS} filings queued`)

  const port = await freePort()
  const env = {
    DATABASE_URL: databaseUrl,
    CLEARFILE_DATA_DIR: dir,
    CLEARFILE_DA_PROFILES: DA_PROFILES,
    CLEARFILE_COURTS: courtsFile,
    CLEARFILE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    CLEARFILE_POLL_INTERVAL_SECONDS: '0.3',
    CLEARFILE_JOB_LOCK_SECONDS: '1.5',
    CLEARFILE_WORKER_CONCURRENCY: '8',
    // As many lanes for status polls and reconciliations as for submissions: with a tenth of requests left
    // unanswered until the 500 ms timeout, two lanes (the default) would bound the run, not the kills.
    CLEARFILE_COURT_QUERY_LANES: '8',
    CRASH_COURT_SECRET: secret,
    LOG_LEVEL: 'error'
  }
  const roll = seededRandom(seed)
  const open = () => openFilings(handle.db)
  const started = Date.now()
  for (let kill = 0; kill < KILLS; kill++) {
    const serve = await startServe(['--port', String(port)], env)
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    // Killed once the court has taken 20–150 more filings (a minute at most), a moment into the next sends: a kill at
    // a fixed time after the start came, on a slow machine, while the first messages were still being built.
    const target = court.filings() + 20 + Math.floor(roll() * 130)
    const until = Date.now() + 60_000
    while (court.filings() < target && Date.now() < until) await sleep(10)
    await sleep(Math.floor(roll() * 200))
    serve.child.kill('SIGKILL')
    t.equal(await serve.exited, null, `killed with ${court.filings()} filings at the court and ${await open()} open`)
  }
  const serve = await startServe(['--port', String(port)], env)
  t.teardown(() => {
    serve.child.kill('SIGKILL')
  })
  const deadline = Date.now() + 300_000
  while ((await open()) > 0 && Date.now() < deadline) await sleep(500)
  serve.child.kill('SIGTERM')
  await serve.exited
  t.comment(
    `${FILINGS} filings through ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; court callbacks ${JSON.stringify(court.callbacks())}`
  )

  const states = await handle.db
    .selectFrom('filings')
    .select(['state', (eb) => eb.fn.countAll().as('n')])
    .groupBy('state')
    .execute()
  const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]))
  t.notOk(
    states.some((s) => !TERMINAL.has(s.state as FilingState)),
    `every filing reached a terminal state: ${JSON.stringify(byState)}`
  )
  // How many sends the filings took: the court's faults and the kills each cost one, so the tail is what comes near
  // a give-up; a failed filing's timeline says why it was given up.
  const attempts = await handle.db
    .selectFrom('filings')
    .select(['attempts', (eb) => eb.fn.countAll().as('n')])
    .groupBy('attempts')
    .orderBy('attempts')
    .execute()
  t.comment(`filings by sends: ${JSON.stringify(Object.fromEntries(attempts.map((a) => [a.attempts, Number(a.n)])))}`)
  const failed = await handle.db
    .selectFrom('filing_events')
    .innerJoin('filings', 'filings.id', 'filing_events.filing_id')
    .select(['filing_events.filing_id', 'from_state', 'to_state', 'at', 'detail'])
    .where('filings.state', '=', 'failed')
    .orderBy('filing_events.id')
    .limit(40)
    .execute()
  t.same(failed, [], 'none failed')
  const submissions = court.submissions()
  const lost = filingIds.filter((id) => !submissions.has(id))
  const duplicated = filingIds.filter((id) => (submissions.get(id) ?? 0) > 1)
  t.same(
    { lost: lost.length, duplicates: duplicated.length },
    { lost: 0, duplicates: 0 },
    '0 lost, 0 duplicates at the court'
  )
  t.equal(court.filings(), FILINGS, 'the court holds exactly one filing per filing id')
  const sent = await handle.db.selectFrom('filings').select('id').where('court_filing_id', 'is', null).execute()
  t.equal(sent.length, 0, 'every filing knows its court filing id')
  // Every ruling recorded: each filing's state is what the court decided on the filing it holds under that id.
  const outcomes = court.outcomes()
  const ours = await handle.db.selectFrom('filings').select(['court_filing_id', 'state']).execute()
  const wrong = ours.filter((f) => outcomes.get(f.court_filing_id ?? '') !== f.state)
  t.same(wrong.slice(0, 5), [], `every filing's state is the court's decision (${wrong.length} not)`)
  t.equal(new Set(ours.map((f) => f.court_filing_id)).size, FILINGS, 'no two filings took the same court filing id')
  t.equal(court.callbacks().refused, 0, "no callback of the court's was refused")
  // How sends cut off were settled: found at the court (by filer id, case or documents), or absent and sent again.
  const settled = await handle.db
    .selectFrom('filing_events')
    .select(['to_state', 'detail'])
    .where('from_state', '=', 'unknown')
    .execute()
  const how = new Map<string, number>()
  for (const e of settled) {
    const by = e.to_state === 'submitted' ? `found by ${JSON.parse(e.detail ?? '{}').by}` : `${e.to_state}, sent again`
    how.set(by, (how.get(by) ?? 0) + 1)
  }
  t.comment(`sends cut off: ${JSON.stringify(Object.fromEntries(how))}`)
  const interrupted = await handle.db
    .selectFrom('filing_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('detail', 'like', '%interrupted while sending%')
    .executeTakeFirstOrThrow()
  t.ok(Number(interrupted.n) > 0, `the kills came while filings were being sent (${interrupted.n} interrupted)`)
  if (independent)
    t.ok(
      (how.get('found by case') ?? 0) + (how.get('found by document hash') ?? 0) > 0,
      'sends cut off after reaching the court were found there without filer ids'
    )
  t.ok(court.callbacks().sent > 0, 'callbacks were taken')
  await handle.destroy()
}

t.test(`${FILINGS} filings survive ${KILLS} kill -9s of clearfile: 0 lost, 0 duplicates`, (t) =>
  crashRun(t, {}, 11, 'ours')
)

t.test(
  `${FILINGS} filings with a court that keeps no filer ids, words rulings plainly and signs callbacks with HMAC survive ${KILLS} kill -9s while it fails 20% of requests (5xx, timeouts) and cuts 5% off after the receipt: every ruling recorded, 0 lost, 0 duplicates`,
  (t) => crashRun(t, { serverError: 0.1, timeout: 0.1, dropAfterReceipt: 0.05 }, 23, 'independent')
)
