import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import {
  SIMULATED_COURT_POLICY,
  SIMULATED_REGISTER_ACTIONS,
  startSimulatedCourt,
  type SimulatedCourtOptions
} from '../../adapters/simulator/court.js'
import { bearer, buildTestApp, caseBody, fileCase, sanFranciscoCourtsFile } from '../helper.js'

/*
 * A court's policy, end to end against the simulated court over HTTP: GetPolicy once for a batch, its code lists
 * fetched as genericode, every filing checked before it is sent, fees calculated where the court offers it.
 */
const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const FILINGS = 4
const TERMINAL = ['granted', 'denied', 'partially_granted', 'rejected', 'failed']

/** A court's docket without our "Proposed Order" (it writes "Proposed order"). */
const OTHER_DOCKET = SIMULATED_REGISTER_ACTIONS.map((a) => (a === 'Proposed Order' ? 'Proposed order' : a))

async function fileWith(
  t: Test,
  court: Partial<SimulatedCourtOptions>,
  entry: Record<string, unknown> = {},
  options: { rounds?: number; waves?: number } = {}
) {
  const sim = await startSimulatedCourt({
    reviewDelayMs: 50,
    rulingDelayMs: 100,
    acceptRate: 1,
    rulings: { granted: 1, denied: 0, partially_granted: 0 },
    ...court
  })
  t.teardown(() => sim.close())
  const built = await buildTestApp(t, {
    daProfilesFile,
    courtsFile: sanFranciscoCourtsFile(sim.url, entry),
    pollIntervalSeconds: 1,
    rulingPollMaxSeconds: 1
  })
  const { app, keyFor, runJobs, clock } = built
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const ids: string[] = []
  const filings = async () =>
    Promise.all(ids.map(async (id) => (await app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json()))
  // Each wave is filed once the one before has been sent.
  for (let wave = 0; wave < (options.waves ?? 1); wave++) {
    for (let i = wave * FILINGS; i < (wave + 1) * FILINGS; i++) {
      const body = caseBody({
        person: { name: `DOE, JANE ${i}`, cii: `A${String(21000000 + i)}`, dojSubjectId: String(3100000 + i) },
        case: { caseNumber: `SCN${710000 + i}` }
      })
      ids.push((await fileCase(app, key, body)).filingId)
    }
    for (let round = 0; round < (options.rounds ?? 20); round++) {
      await runJobs()
      if ((await filings()).every((f) => TERMINAL.includes(f.state))) break
      await sleep(80)
      clock.set(new Date(clock.now().getTime() + 1500))
    }
  }
  return { sim, filings: await filings(), ...built, key }
}

/** What the court's policy said when the filing was sent: on its move to `submitted`. */
const sentDetail = (filing: { events: Array<{ to: string; detail: unknown }> }) =>
  filing.events.find((e) => e.to === 'submitted')?.detail as Record<string, unknown> | undefined

t.test(
  'the simulated court publishes its policy: asked once for the batch, every filing checked and filed',
  async (t) => {
    const run = await fileWith(t, {})
    t.same(
      run.filings.map((f) => f.state),
      Array(FILINGS).fill('granted')
    )
    t.equal(run.sim.operations().GetPolicy, 1, 'one GetPolicy for every filing')
    t.equal(run.sim.operations().ReviewFiling, FILINGS)
    t.notOk(run.sim.operations().GetFeesCalculation, 'a court that offers no fee calculation is not asked')
    for (const f of run.filings) t.match(sentDetail(f), { policy: `policy ${SIMULATED_COURT_POLICY.version}` })
  }
)

t.test(
  "a filing whose register action is not on the court's list fails before it is sent, naming the code and the list",
  async (t) => {
    const run = await fileWith(t, {
      policy: { ...SIMULATED_COURT_POLICY, codeLists: { 'j:RegisterActionDescriptionText': OTHER_DOCKET } }
    })
    t.same(
      run.filings.map((f) => f.state),
      Array(FILINGS).fill('failed')
    )
    t.notOk(run.sim.operations().ReviewFiling, 'nothing was sent')
    const failed = run.filings[0]
    t.match(
      failed.lastError,
      /j:RegisterActionDescriptionText "Proposed Order" is not on the court's code list http:\/\/127\.0\.0\.1:\d+\/codelists\/0 \(8 codes; it has "Proposed order"\)/
    )
    const event = failed.events.find((e: { to: string }) => e.to === 'failed')
    t.equal(event.detail.code, 'CLEARFILE_ERR_COURT_POLICY')
    t.equal(event.detail.problems.length, 1)
  }
)

t.test(
  "filings queued once the court's policy has come are checked as their messages are built, and fare as the first did",
  async (t) => {
    const run = await fileWith(
      t,
      { policy: { ...SIMULATED_COURT_POLICY, codeLists: { 'j:RegisterActionDescriptionText': OTHER_DOCKET } } },
      {},
      { waves: 2 }
    )
    t.same(
      run.filings.map((f) => f.state),
      Array(2 * FILINGS).fill('failed')
    )
    t.notOk(run.sim.operations().ReviewFiling, 'nothing was sent')
    t.equal(run.sim.operations().GetPolicy, 1, 'the policy was asked for once')
    const problems = run.filings.map((f) => f.events.find((e: { to: string }) => e.to === 'failed').detail.problems)
    t.same(problems.slice(FILINGS), problems.slice(0, FILINGS), 'the same problems, whichever way checked')
    t.equal(problems[0].length, 1)
  }
)

t.test("the courts file's codes put it right: the same court takes the filings", async (t) => {
  const run = await fileWith(
    t,
    { policy: { ...SIMULATED_COURT_POLICY, codeLists: { 'j:RegisterActionDescriptionText': OTHER_DOCKET } } },
    { codes: { proposedOrder: 'Proposed order' } }
  )
  t.same(
    run.filings.map((f) => f.state),
    Array(FILINGS).fill('granted')
  )
})

t.test('without the check the court itself refuses them: what the policy check saves', async (t) => {
  const run = await fileWith(
    t,
    { policy: { ...SIMULATED_COURT_POLICY, codeLists: { 'j:RegisterActionDescriptionText': OTHER_DOCKET } } },
    { usePolicy: false }
  )
  t.same(
    run.filings.map((f) => f.state),
    Array(FILINGS).fill('failed')
  )
  t.equal(run.sim.operations().ReviewFiling, FILINGS, 'each was sent')
  t.notOk(run.sim.operations().GetPolicy, 'no policy was asked for')
  t.match(run.filings[0].lastError, /Register action "Proposed Order" is not used by this court/)
})

t.test('a court that answers no GetPolicy gets its filings unchecked, and each timeline says so', async (t) => {
  const run = await fileWith(t, { policy: false })
  t.same(
    run.filings.map((f) => f.state),
    Array(FILINGS).fill('granted')
  )
  t.match(sentDetail(run.filings[0]), { policy: /^the court publishes no policy \(.*GetPolicy is not offered/ })
})

t.test(
  'a code list that cannot be fetched holds the filings, tried again like a send: nothing is sent unchecked',
  async (t) => {
    const run = await fileWith(
      t,
      {
        policy: {
          ...SIMULATED_COURT_POLICY,
          codeLists: { 'j:RegisterActionDescriptionText': 'http://127.0.0.1:1/codes/docket' }
        }
      },
      {},
      { rounds: 3 }
    )
    t.same(
      run.filings.map((f) => f.state),
      Array(FILINGS).fill('queued')
    )
    t.notOk(run.sim.operations().ReviewFiling)
    t.ok(run.sim.operations().GetPolicy! >= 1)
    for (const f of run.filings) {
      t.ok(f.attempts >= 1, 'an attempt, counted as a send that did not leave')
      t.match(f.lastError, /code list http:\/\/127\.0\.0\.1:1\/codes\/docket: ECONNREFUSED/)
    }
  }
)

t.test(
  "a court's policy is asked for again after policyRefreshHours, and a failed refresh keeps the last",
  async (t) => {
    const run = await fileWith(t, {}, { policyRefreshHours: 1 })
    t.equal(run.sim.operations().GetPolicy, 1)
    // An hour on, a new filing asks again.
    run.clock.set(new Date(run.clock.now().getTime() + 3_600_000))
    const body = caseBody({
      person: { name: 'ROE, RICHARD', cii: 'A31000000', dojSubjectId: '3200000' },
      case: { caseNumber: 'SCN720000' }
    })
    const { filingId } = await fileCase(run.app, run.key, body)
    await run.runJobs()
    t.equal(run.sim.operations().GetPolicy, 2)
    const filing = (await run.app.inject({ url: `/v1/filings/${filingId}`, headers: bearer(run.key) })).json()
    t.not(filing.state, 'queued', 'sent')
  }
)

t.test(
  'fees: an account the court has as fee-exempt is charged 0.00 and filed, the amount on the timeline',
  async (t) => {
    const run = await fileWith(t, { fees: { amount: '60.00', exemptFilers: ['DA-SF-001'] } }, { filerId: 'DA-SF-001' })
    t.same(
      run.filings.map((f) => f.state),
      Array(FILINGS).fill('granted')
    )
    t.equal(run.sim.operations().GetFeesCalculation, FILINGS, 'asked once a filing, before it was sent')
    t.same(sentDetail(run.filings[0])?.fee, { amount: '0.00', currency: 'USD' })
  }
)

t.test('fees: a court that would charge the office fails the filings before any is sent', async (t) => {
  const run = await fileWith(t, { fees: { amount: '60.00', exemptFilers: ['DA-SF-001'] } }, { filerId: 'DA-LA-002' })
  t.same(
    run.filings.map((f) => f.state),
    Array(FILINGS).fill('failed')
  )
  t.notOk(run.sim.operations().ReviewFiling)
  t.match(run.filings[0].lastError, /a fee of USD 60\.00 for this filing/)
  t.equal(run.filings[0].events.at(-1).detail.code, 'CLEARFILE_ERR_COURT_FEE')
})

t.test('fees: calculateFees false does not ask, and the court files what it is sent', async (t) => {
  const run = await fileWith(t, { fees: { amount: '60.00' } }, { calculateFees: false })
  t.same(
    run.filings.map((f) => f.state),
    Array(FILINGS).fill('granted')
  )
  t.notOk(run.sim.operations().GetFeesCalculation)
})
