import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startSimulatedCourt, type SimulatedCourtOptions } from '../../adapters/simulator/court.js'
import { bearer, buildTestApp, caseBody, fileCase, sanFranciscoCourtsFile } from '../helper.js'

/*
 * Status polls by list: a court that can list answers every open filing's poll with one GetFilingList, so a batch
 * waiting on its clerk costs the court one request a poll, not one per filing — in either dialect of ruling.
 */
const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const FILINGS = 30

async function fileAndRule(
  t: Test,
  court: Partial<SimulatedCourtOptions>,
  entry: Record<string, unknown>,
  start = '2026-11-28T12:00:00.000Z'
) {
  const sim = await startSimulatedCourt({ reviewDelayMs: 150, rulingDelayMs: 400, acceptRate: 0.8, ...court })
  t.teardown(() => sim.close())
  const { app, keyFor, runJobs, clock } = await buildTestApp(t, {
    daProfilesFile,
    courtsFile: sanFranciscoCourtsFile(sim.url, entry),
    pollIntervalSeconds: 1,
    rulingPollMaxSeconds: 1
  })
  clock.set(new Date(start))
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const ids: string[] = []
  for (let i = 0; i < FILINGS; i++) {
    const body = caseBody({
      person: { name: `DOE, JANE ${i}`, cii: `A${String(20000000 + i)}`, dojSubjectId: String(3000000 + i) },
      case: { caseNumber: `SCN${700000 + i}` }
    })
    ids.push((await fileCase(app, key, body)).filingId)
  }
  const states = async () =>
    Promise.all(
      ids.map(async (id) => (await app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json().state)
    )
  let rounds = 0
  for (; rounds < 30; rounds++) {
    await runJobs()
    const now = await states()
    if (now.every((s: string) => ['granted', 'denied', 'partially_granted', 'rejected'].includes(s))) break
    await sleep(120)
    clock.set(new Date(clock.now().getTime() + 1500))
  }
  const outcomes = sim.outcomes()
  return { states: await states(), rounds, operations: sim.operations(), courtOutcomes: outcomes }
}

/** A proxy in front of the court that holds each GetFilingList 300 ms (a court whose lists are long); its port. */
async function slowListsInFront(t: Test, courtUrl: string): Promise<number> {
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      if (body.includes('FilingListQueryMessage')) await sleep(300)
      const { host: _host, 'content-length': _length, ...headers } = req.headers
      const answer = await request(new URL(req.url ?? '/', courtUrl).toString(), {
        method: req.method as 'GET' | 'POST',
        headers: headers as Record<string, string>,
        ...(req.method === 'POST' ? { body } : {})
      })
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'text/xml') })
      res.end(Buffer.from(await answer.body.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())))
  return (proxy.address() as AddressInfo).port
}

const expected = (outcomes: Map<string, string>) =>
  [...outcomes.values()].map((o) => (o === 'rejected' ? 'rejected' : o)).sort()

for (const dialect of ['ours', 'independent'] as const) {
  t.test(
    `a court that lists (${dialect === 'ours' ? '"ruling: granted"' : 'no filer ids, rulings as plain "granted"'}) is asked once a poll for all ${FILINGS} filings, and every ruling is read`,
    async (t) => {
      const run = await fileAndRule(
        t,
        dialect === 'independent' ? { echoFilerIds: false, rulingWording: 'plain' } : {},
        dialect === 'independent' ? { echoesFilerIds: false } : {}
      )
      t.same(run.states.slice().sort(), expected(run.courtOutcomes), 'every filing ends as the court decided it')
      t.equal(run.operations.ReviewFiling, FILINGS)
      t.notOk(run.operations.GetFilingStatus, 'no filing was asked about alone')
      t.ok(
        run.operations.GetFilingList! <= run.rounds + 1,
        `one list a poll: ${run.operations.GetFilingList} lists in ${run.rounds + 1} rounds`
      )
    }
  )
}

t.test('a court set to statusPolling "each" is asked one GetFilingStatus per filing, as before', async (t) => {
  const run = await fileAndRule(t, {}, { statusPolling: 'each' })
  t.same(run.states.slice().sort(), expected(run.courtOutcomes))
  t.notOk(run.operations.GetFilingList, 'no list')
  t.ok(run.operations.GetFilingStatus! >= FILINGS, `${run.operations.GetFilingStatus} status requests`)
})

t.test(
  'a filing the list does not name (older than statusListDays) is asked about alone, and still ruled',
  async (t) => {
    // Our clock runs a year ahead of the court's: every filing is older than the one day the list reaches back.
    const run = await fileAndRule(t, {}, { statusListDays: 1 }, '2027-12-01T12:00:00.000Z')
    t.same(run.states.slice().sort(), expected(run.courtOutcomes))
    t.ok(run.operations.GetFilingList! > 0, 'the list was asked for')
    t.ok(run.operations.GetFilingStatus! >= FILINGS, 'and each filing alone, as it was not in it')
  }
)

t.test(
  "a filing read from a court's list is not polled again before the list is asked for again, however slow the list",
  async (t) => {
    const sim = await startSimulatedCourt({ reviewDelayMs: 20, rulingDelayMs: 3_600_000, acceptRate: 1 })
    t.teardown(() => sim.close())
    // The court's lists come slowly (300 ms each): kept at least ten times that, 3 s of our clock, not half a poll.
    const port = await slowListsInFront(t, sim.url)
    const simUrl = new URL(sim.url)
    const { app, keyFor, runJobs, clock, handle } = await buildTestApp(t, {
      daProfilesFile,
      courtsFile: sanFranciscoCourtsFile(`http://127.0.0.1:${port}${simUrl.pathname}`),
      pollIntervalSeconds: 1,
      rulingPollMaxSeconds: 1
    })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const ids: string[] = []
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await fileCase(
            app,
            key,
            caseBody({
              person: { name: `ROE, RAY ${i}`, cii: `A${30000000 + i}`, dojSubjectId: String(4000000 + i) },
              case: { caseNumber: `SCN${800000 + i}` }
            })
          )
        ).filingId
      )
    await runJobs()
    await sleep(60)
    clock.set(new Date(clock.now().getTime() + 1500))
    const listedAt = clock.now().getTime()
    await runJobs()
    const states = await Promise.all(
      ids.map(async (id) => (await app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json().state)
    )
    t.same(states, ['accepted', 'accepted', 'accepted'], 'each filing read as accepted from the one list')
    t.equal(sim.operations().GetFilingList, 1)
    const polls = await handle.db
      .selectFrom('jobs')
      .select('run_at')
      .where('kind', '=', 'filing.poll')
      .where('done_at', 'is', null)
      .execute()
    t.equal(polls.length, 3, 'a poll waits for each filing')
    for (const p of polls)
      t.ok(
        Date.parse(p.run_at) >= listedAt + 3000,
        `the next poll (${Date.parse(p.run_at) - listedAt} ms on) waits for the next list, not a poll interval`
      )
    clock.set(new Date(listedAt + 1500))
    await runJobs()
    t.equal(sim.operations().GetFilingList, 1, 'nothing asked in between')
  }
)

t.test(
  'a filing the court received after its list was asked for waits for the next list: it is not asked about alone',
  async (t) => {
    // The clerk takes an hour: every poll hears "received", and nothing moves but the lists.
    const sim = await startSimulatedCourt({ reviewDelayMs: 3_600_000, acceptRate: 1 })
    t.teardown(() => sim.close())
    const port = await slowListsInFront(t, sim.url)
    const { app, keyFor, runJobs, clock, handle } = await buildTestApp(t, {
      daProfilesFile,
      courtsFile: sanFranciscoCourtsFile(`http://127.0.0.1:${port}${new URL(sim.url).pathname}`),
      pollIntervalSeconds: 1,
      rulingPollMaxSeconds: 1
    })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const file = async (i: number) =>
      (
        await fileCase(
          app,
          key,
          caseBody({
            person: { name: `POE, PAT ${i}`, cii: `A${31000000 + i}`, dojSubjectId: String(4100000 + i) },
            case: { caseNumber: `SCN${810000 + i}` }
          })
        )
      ).filingId
    await file(0)
    await runJobs()
    clock.set(new Date(clock.now().getTime() + 1500))
    const listedAt = clock.now().getTime()
    await runJobs()
    t.equal(sim.operations().GetFilingList, 1, 'the first poll asked for the list')

    // Received 100 ms after the list was asked for, polled while the list is still kept (3 s).
    clock.set(new Date(listedAt + 100))
    const late = await file(1)
    await runJobs()
    clock.set(new Date(listedAt + 1600))
    await runJobs()
    t.notOk(sim.operations().GetFilingStatus, 'not asked about alone')
    const [poll] = await handle.db
      .selectFrom('jobs')
      .select('run_at')
      .where('kind', '=', 'filing.poll')
      .where('dedupe_key', '=', `filing.poll:${late}`)
      .where('done_at', 'is', null)
      .execute()
    t.ok(Date.parse(poll!.run_at) >= listedAt + 3000, 'its poll waits for the next list')

    // The list is kept ten times as long as it took (3 s or more, more on a loaded machine): its poll comes then.
    clock.set(new Date(poll!.run_at))
    await runJobs()
    t.equal(sim.operations().GetFilingList, 2, 'the next list was asked for')
    t.notOk(sim.operations().GetFilingStatus, 'and named it: still never asked about alone')
    const view = (await app.inject({ url: `/v1/filings/${late}`, headers: bearer(key) })).json()
    t.equal(view.state, 'submitted', 'waiting on the clerk, as the court says')
  }
)
