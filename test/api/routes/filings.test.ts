import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { ecf4SoapAdapter } from '../../../adapters/ecf4-soap/adapter.js'
import { startSimulatedCourt, type SimulatedCourtOptions } from '../../../adapters/simulator/court.js'
import { generateDojRows } from '../../../src/ingest/generate-doj.js'
import { wsSecuritySigner } from '../../../src/ecf/ws-security.js'
import { reviewFilingXml } from '../../ecf/review-filing.js'
import { certificates } from '../../tls-certificates.js'
import { answered, bearer, buildTestApp, bulkBehindRead, caseBody, TEST_DATABASE_URL, until } from '../../helper.js'
import { ECF_DIR } from '../../../src/ecf/validator.js'

const daProfilesFile = fileURLToPath(new URL('../../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A port nothing listens on yet, so the app's public URL can be known before it listens. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Stands between us and the court and cuts every ReviewFiling off before its receipt comes back, in the order a test
 * needs. `cutFirst`: the connection is cut at once, and the court is handed the message only when `ready()` says so.
 * Otherwise the court takes it first, and the cut waits for `ready()` (a quick court's callback, say).
 */
async function receiptCutter(t: { teardown: (fn: () => unknown) => void }, cutFirst: boolean) {
  const cutter = { url: '', court: '', ready: (): boolean | Promise<boolean> => true }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const review = String(req.headers.soapaction ?? '').includes('ReviewFiling')
      if (review && cutFirst) {
        req.socket.destroy()
        await until(cutter.ready)
      }
      const { host: _host, 'content-length': _length, ...headers } = req.headers
      const answer = await request(new URL(req.url ?? '/', cutter.court).toString(), {
        method: req.method as 'GET' | 'POST',
        headers: headers as Record<string, string>,
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {})
      })
      const bytes = Buffer.from(await answer.body.arrayBuffer())
      if (review) {
        if (!cutFirst) await until(cutter.ready)
        req.socket.destroy()
        return
      }
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'text/xml') })
      res.end(bytes)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  cutter.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return cutter
}

async function setup(
  t: { teardown: (fn: () => unknown) => void },
  courtOptions: SimulatedCourtOptions = {},
  opts: {
    listen?: boolean
    /** Courts after this one in the courts file: an id, a county and any other fields of their entries. */
    otherCourts?: Array<{ id: string; county: string } & Record<string, unknown>>
    /** Fields of the court's entry in the courts file, over the defaults (null drops one). */
    courtEntry?: Record<string, unknown>
    /** Settings over the test defaults. */
    config?: Record<string, unknown>
  } = {}
) {
  const court = await startSimulatedCourt({
    reviewDelayMs: 40,
    rulingDelayMs: 40,
    acceptRate: 1,
    rulings: { granted: 1, denied: 0, partially_granted: 0 },
    callbackSecret: 'court-shared-secret-123',
    ...courtOptions
  })
  t.teardown(() => court.close())
  const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
  process.env.CLEARFILE_TEST_COURT_SECRET = 'court-shared-secret-123'
  writeFileSync(
    courtsFile,
    JSON.stringify([
      {
        id: 'CA-SF',
        name: 'Superior Court of California, County of San Francisco',
        county: 'SAN FRANCISCO',
        adapter: 'simulator',
        endpoint: court.url,
        callbackSecretRef: 'CLEARFILE_TEST_COURT_SECRET',
        limits: { timeoutMs: 2000 },
        ...opts.courtEntry
      },
      ...(opts.otherCourts ?? []).map((c) => ({
        ...c,
        name: `Superior Court of California, County of ${c.county}`,
        adapter: 'simulator',
        endpoint: court.url
      }))
    ])
  )
  const port = opts.listen ? await freePort() : 0
  const test = await buildTestApp(t, {
    daProfilesFile,
    courtsFile,
    pollIntervalSeconds: 1,
    ...(opts.listen ? { publicUrl: `http://127.0.0.1:${port}` } : {}),
    ...opts.config
  })
  if (opts.listen) await test.app.listen({ host: '127.0.0.1', port })
  const key = await test.keyFor('deputy_da', 'SAN FRANCISCO')
  const created = (
    await test.app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  ).json()
  await test.app.inject({ method: 'POST', url: `/v1/cases/${created.id}/documents`, headers: bearer(key) })
  /** Runs due jobs, moving the test clock past the poll interval first. */
  const tick = async () => {
    await sleep(60)
    test.clock.set(new Date(test.clock.now().getTime() + 1500))
    return test.runJobs()
  }
  return { ...test, court, key, caseId: created.id as string, tick }
}

/** The OASIS sample ReviewFilingCallbackMessage in a SOAP envelope, naming our filing `id`. */
function callback(id: string): string {
  const sample = readFileSync(join(ECF_DIR(), 'xml', 'ECF-4.0-ReviewFilingCallbackMessage.xml'), 'utf8')
  return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${sample
    .replace(/^[\s\S]*?(<ReviewFilingCallbackMessage)/, '$1')
    .replace(
      '<nc:IdentificationID>001-f786e6d6-558c-448f-b249-067002d716a0</nc:IdentificationID>',
      `<nc:IdentificationID>${id}</nc:IdentificationID><nc:IdentificationCategoryText>clearfile filing id</nc:IdentificationCategoryText>`
    )}</soap:Body></soap:Envelope>`
}

/** Our FilingAssemblyMDE called with `body`, and the court's shared secret when given. */
const postCallback = (app: Awaited<ReturnType<typeof setup>>['app'], body: string, secret?: string) =>
  app.inject({
    method: 'POST',
    url: '/ecf/v4/FilingAssemblyMDE',
    payload: body,
    headers: { 'content-type': 'text/xml', ...(secret ? { 'x-ecf-callback-secret': secret } : {}) }
  })

/** Queues a filing each for `n` new cases with their papers (subject ids and case numbers from `prefix`). */
async function queueFilingsOfNewCases(
  app: Awaited<ReturnType<typeof setup>>['app'],
  key: string,
  n: number,
  prefix: string
): Promise<string[]> {
  const filings: string[] = []
  for (let i = 0; i < n; i++) {
    const c = (
      await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({
          person: { dojSubjectId: `${prefix}${i}`, cii: `Z${prefix}${String(i).padStart(6, '0')}` },
          case: { caseNumber: `SCN${prefix}00${i}` }
        })
      })
    ).json()
    await app.inject({ method: 'POST', url: `/v1/cases/${c.id}/documents`, headers: bearer(key) })
    filings.push(
      (await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: c.id } })).json()
        .id
    )
  }
  return filings
}

t.test(
  'a queued filing is submitted, accepted by the clerk and granted by the judge, every move on its timeline',
  async (t) => {
    const { app, key, caseId, tick, court } = await setup(t)
    const queued = await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    t.equal(queued.statusCode, 202)
    const filing = queued.json()
    t.equal(filing.state, 'queued')
    t.same(filing.caseIds, [caseId])
    t.equal(filing.documentIds.length, 2)
    for (let i = 0; i < 5; i++) await tick()
    const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(done.state, 'granted')
    t.match(done.courtFilingId, /^SIM-/)
    t.same(
      done.events.map((e: { to: string }) => e.to),
      ['queued', 'submitting', 'submitted', 'accepted', 'granted']
    )
    t.equal(court.submissions().get(filing.id), 1, 'sent once')
    const listed = (await app.inject({ url: '/v1/filings?state=granted', headers: bearer(key) })).json()
    t.same(
      listed.items.map((f: { id: string }) => f.id),
      [filing.id]
    )
  }
)

t.test('a send cut off after the court receipted it is reconciled with GetFilingList, never sent twice', async (t) => {
  const { app, key, caseId, tick, court } = await setup(t, { faults: { dropAfterReceipt: 1 } })
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  for (let i = 0; i < 5; i++) await tick()
  const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
  t.same(done.events.map((e: { to: string }) => e.to).slice(0, 5), [
    'queued',
    'submitting',
    'unknown',
    'submitted',
    'accepted'
  ])
  t.equal(done.events[3].detail.reconciled, true)
  t.equal(court.submissions().get(filing.id), 1, 'the court got it exactly once')
})

t.test("a case naming another county's court is refused before anything reaches that court", async (t) => {
  const { app, key, court } = await setup(t, {}, { otherCourts: [{ id: 'CA-ALAMEDA', county: 'Alameda' }] })
  const kase = (
    await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({ case: { court: 'CA-ALAMEDA', caseNumber: 'SCN777' }, person: { dojSubjectId: '77' } })
    })
  ).json()
  await app.inject({ method: 'POST', url: `/v1/cases/${kase.id}/documents`, headers: bearer(key) })
  const res = await app.inject({
    method: 'POST',
    url: '/v1/filings',
    headers: bearer(key),
    payload: { caseId: kase.id }
  })
  t.equal(res.statusCode, 422)
  t.equal(res.json().code, 'CLEARFILE_ERR_COURT_OTHER_COUNTY')
  t.match(res.json().message, 'Court CA-ALAMEDA is the court of ALAMEDA, not of SAN FRANCISCO')
  t.equal(court.submissions().size, 0, 'the other court never heard of it')
})

t.test('filing an unknown case is a 404, and a filing is only for its county', async (t) => {
  const { app, key, caseId, tick, keyFor } = await setup(t)
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: 'nope' } }))
      .statusCode,
    404
  )
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  await tick()
  t.equal((await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json().state, 'submitted')
  const la = await keyFor('deputy_da', 'LOS ANGELES')
  t.equal((await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(la) })).statusCode, 404)
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(la), payload: { caseId } })).statusCode,
    404
  )
})

t.test('the state machine refuses a move it does not list', async (t) => {
  const { transition } = await import('../../../src/filing/filing-state.js')
  const { handle } = await setup(t)
  await t.rejects(
    handle.db
      .transaction()
      .execute((trx) => transition(trx, 'x', ['granted'], 'queued', { source: 'user', at: '2026-01-01T00:00:00Z' })),
    /granted → queued is not a move/
  )
})

t.test(
  "the court's callback is authenticated, changes nothing by itself, and brings the status poll forward",
  async (t) => {
    const { app, handle, key, caseId, tick, runJobs } = await setup(t)
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    await tick()
    const post = (body: string, secret?: string) => postCallback(app, body, secret)

    const forged = await post(callback(filing.id), 'guess')
    t.equal(forged.statusCode, 401)
    t.equal((await post(callback(filing.id))).statusCode, 401)
    const refused = await handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'callback.refused')
      .execute()
    t.equal(refused.length, 2, 'both refusals audited')
    t.equal(
      (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json().events.length,
      3,
      'nothing changed'
    )

    const unknown = await post(callback('0000-unknown'), 'court-shared-secret-123')
    t.equal(unknown.statusCode, 200)
    t.match(unknown.body, /<ecf:ErrorCode>-1<\/ecf:ErrorCode><ecf:ErrorText>No filing with this id/)

    await new Promise((resolve) => setTimeout(resolve, 60))
    const ok = await post(callback(filing.id), 'court-shared-secret-123')
    t.equal(ok.statusCode, 200)
    t.match(ok.body, /<ecf:ErrorCode>0<\/ecf:ErrorCode>/)
    // The clock has not moved past the poll interval: the poll runs now only because the callback brought it forward.
    await runJobs()
    const after = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.ok(
      after.events.some((e: { to: string; source: string }) => e.to === 'accepted' && e.source === 'poll'),
      'moved by GetFilingStatus, not by the callback'
    )
    t.ok(after.events.some((e: { source: string }) => e.source === 'callback'))
  }
)

t.test(
  "on PostgreSQL a court's callback waits while bulk work holds its share of the connections; a deputy's listing does not",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only: SQLite has one connection' },
  async (t) => {
    const { app, handle, key, caseId, tick } = await setup(t)
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    await tick()
    const {
      bulk: reply,
      read: listing,
      bulkAnsweredFirst
    } = await bulkBehindRead(
      handle.db,
      () => postCallback(app, callback(filing.id), 'court-shared-secret-123'),
      () => app.inject({ url: '/v1/filings?limit=20&sort=updated', headers: bearer(key) })
    )
    t.equal(listing.statusCode, 200)
    t.same(
      listing.json().items.map((f: { id: string }) => f.id),
      [filing.id],
      'the listing was read while every bulk share was held'
    )
    t.notOk(bulkAnsweredFirst, 'the callback waited for a share')
    t.equal(reply.statusCode, 200)
    t.match(reply.body, /<ecf:ErrorCode>0<\/ecf:ErrorCode>/, 'and is then recorded')
  }
)

t.test(
  'the simulated court calls our FilingAssemblyMDE after its review; the callback is recorded and the poll it brings forward moves the filing',
  async (t) => {
    const { app, key, caseId, runJobs, court } = await setup(t, {}, { listen: true })
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    await runJobs()
    const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    await until(() => answered(court) > 0)
    t.same(
      court.callbacks(),
      { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 },
      'the court got a 200 with a MessageReceipt'
    )
    await sleep(60)
    await runJobs() // the test clock has not moved: only the callback made the poll due
    const after = await view()
    type Event = { from: string; to: string; source: string; detail: unknown }
    const events: Event[] = after.events
    t.same(
      events
        .filter((e) => e.source !== 'callback')
        .map((e) => `${e.to}/${e.source}`)
        .slice(0, 4),
      ['queued/user', 'submitting/submit', 'submitted/submit', 'accepted/poll']
    )
    // The court may call back before our submit has recorded its receipt (a slow machine): the callback is then a
    // hint on a filing still submitting. Either way it moves nothing itself, and the poll it brings forward does.
    const hints = events.filter((e) => e.source === 'callback')
    t.equal(hints.length, 1)
    const hint = hints[0]!
    t.ok(['submitting', 'submitted'].includes(hint.to) && hint.from === hint.to, `a hint on a ${hint.to} filing`)
    t.ok(
      events.indexOf(hint) < events.findIndex((e) => e.source === 'poll'),
      'the callback came before the poll that moved the filing'
    )
    t.match(hint.detail, { hint: 'accepted', documents: 2, digest: /^[0-9a-f]{64}$/ })
  }
)

t.test('a callback the court sends twice is answered twice and recorded once', async (t) => {
  const { app, key, caseId, runJobs, court, handle } = await setup(
    t,
    { faults: { duplicateCallback: 1 } },
    { listen: true }
  )
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  await runJobs()
  await until(() => answered(court) >= 2)
  t.same(court.callbacks(), { sent: 2, lost: 0, failed: 0, unknown: 0, refused: 0 }, 'both got a receipt')
  const view = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
  t.equal(view.events.filter((e: { source: string }) => e.source === 'callback').length, 1)
  const audited = await handle.db
    .selectFrom('audit_events')
    .select('action')
    .where('action', 'in', ['filing.callback', 'filing.callback_replayed'])
    .orderBy('id')
    .execute()
  t.same(
    audited.map((a) => a.action),
    ['filing.callback', 'filing.callback_replayed']
  )
})

t.test(
  'a court of another dialect: rulings worded plainly in the status description, callbacks signed with an HMAC of the body',
  async (t) => {
    process.env.CLEARFILE_TEST_COURT_HMAC_KEY = 'hmac-key-of-the-court-0123456789'
    const { app, key, caseId, tick, court, handle, config } = await setup(
      t,
      {
        callbackSecret: undefined,
        callbackSignature: { key: 'hmac-key-of-the-court-0123456789' },
        rulingWording: 'plain',
        rulings: { granted: 0, denied: 0, partially_granted: 1 }
      },
      { listen: true, courtEntry: { callbackSignature: { secretRef: 'CLEARFILE_TEST_COURT_HMAC_KEY' } } }
    )
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    for (let i = 0; i < 6; i++) await tick()
    await until(() => answered(court) > 0)
    t.same(court.callbacks(), { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 }, 'the signed callback was taken')
    const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(done.state, 'partially_granted', '"GRANTED IN PART" read as a partial grant')
    t.ok(done.events.some((e: { source: string }) => e.source === 'callback'))

    // The same callback with a signature made with another key, or altered after signing, is refused.
    const body = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>'
    // Made as a court's own code makes it, with node:crypto.
    const signCallback = (key: string, text: string) => `sha256=${createHmac('sha256', key).update(text).digest('hex')}`
    const post = (signature: string | null) =>
      fetch(`${config.publicUrl}/ecf/v4/FilingAssemblyMDE`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', ...(signature ? { 'x-court-signature': signature } : {}) },
        body
      }).then((r) => r.status)
    t.equal(await post(signCallback('another-key', body)), 401, 'another key')
    t.equal(await post(signCallback('hmac-key-of-the-court-0123456789', `${body} `)), 401, 'another body')
    t.equal(await post(null), 401, 'no signature')
    t.equal(await post(signCallback('hmac-key-of-the-court-0123456789', body)), 200, 'the right one')
    const refused = await handle.db
      .selectFrom('audit_events')
      .select('detail')
      .where('action', '=', 'callback.refused')
      .execute()
    t.same(
      refused.map((r) => JSON.parse(r.detail!).reason),
      ['wrong signature', 'wrong signature', 'no secret']
    )
  }
)

t.test(
  "courts that share one e-filing manager and its signing key: a callback about either court's filing settles that filing, never an unknown one",
  async (t) => {
    process.env.CLEARFILE_TEST_COURT_HMAC_KEY = 'hmac-key-of-the-manager-0123456789'
    const signing = { callbackSignature: { secretRef: 'CLEARFILE_TEST_COURT_HMAC_KEY' } }
    const { app, key, caseId, tick, court, handle } = await setup(
      t,
      { callbackSecret: undefined, callbackSignature: { key: 'hmac-key-of-the-manager-0123456789' } },
      {
        listen: true,
        courtEntry: signing,
        // San Francisco's Hall of Justice: a second court of the county, second in the file, the same manager.
        otherCourts: [{ id: 'CA-SF-HOJ', county: 'SAN FRANCISCO', ...signing }]
      }
    )
    const other = (
      await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({
          person: { dojSubjectId: '7000001', cii: 'Z70000001' },
          case: { court: 'CA-SF-HOJ', caseNumber: 'HOJ-0001' }
        })
      })
    ).json()
    await app.inject({ method: 'POST', url: `/v1/cases/${other.id}/documents`, headers: bearer(key) })
    const filings = []
    for (const id of [caseId, other.id]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/filings',
        headers: bearer(key),
        payload: { caseId: id }
      })
      filings.push(res.json())
    }
    t.same(
      filings.map((f) => f.court),
      ['CA-SF', 'CA-SF-HOJ']
    )
    await tick()
    await until(() => answered(court) >= 2)
    t.same(court.callbacks(), { sent: 2, lost: 0, failed: 0, unknown: 0, refused: 0 }, 'both signed callbacks answered')
    for (const f of filings) {
      const view = (await app.inject({ url: `/v1/filings/${f.id}`, headers: bearer(key) })).json()
      t.equal(view.events.filter((e: { source: string }) => e.source === 'callback').length, 1, `${f.court}: heard`)
    }
    const audited = await handle.db
      .selectFrom('audit_events')
      .select(['action', 'record_id'])
      .where('action', 'like', '%callback%')
      .orderBy('record_id')
      .execute()
    t.same(
      audited.map((a) => a.action),
      ['filing.callback', 'filing.callback'],
      'no callback audited as about an unknown filing'
    )
    t.same(audited.map((a) => a.record_id).sort(), filings.map((f) => f.id).sort())
  }
)

t.test(
  'a court that signs its callbacks with WS-Security: its callback is taken and only its signed Body read; one signed with another certificate is refused and audited',
  async (t) => {
    const certs = certificates()
    for (const [signedBy, expected] of [
      ['court', { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 }],
      ['stranger', { sent: 0, lost: 0, failed: 0, unknown: 0, refused: 1 }]
    ] as const) {
      const { app, key, caseId, tick, court, handle, clock } = await setup(
        t,
        {
          callbackSecret: undefined,
          callbackWsSecurity: wsSecuritySigner({
            cert: certs.read(`${signedBy}.crt`),
            key: certs.read(`${signedBy}.key`)
          })
        },
        { listen: true, courtEntry: { callbackWsSecurity: { certFile: join(certs.dir, 'court.crt') } } }
      )
      // The court signs with the time of day; the app's clock agrees with it here.
      clock.set(new Date())
      const filing = (
        await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
      ).json()
      await tick()
      await until(() => answered(court) > 0)
      t.same(court.callbacks(), expected, `signed by the ${signedBy}'s certificate`)
      const view = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
      const heard = view.events.filter((e: { source: string }) => e.source === 'callback')
      t.equal(heard.length, signedBy === 'court' ? 1 : 0)
      if (signedBy === 'court') t.equal(heard[0].detail.hint, 'accepted', "the signed Body's status")
      const refused = await handle.db
        .selectFrom('audit_events')
        .select('detail')
        .where('action', '=', 'callback.refused')
        .execute()
      t.same(
        refused.map((r) => JSON.parse(r.detail!).reason),
        signedBy === 'court' ? [] : ['ws-security: the message is signed by a certificate that is not trusted']
      )
    }
  }
)

t.test(
  'a court that signs the time with the body (HMAC-SHA512, base64): its callbacks are taken, and one whose clock is 15 minutes off is refused as stale',
  async (t) => {
    process.env.CLEARFILE_TEST_COURT_HMAC_KEY = 'hmac-key-of-the-court-0123456789'
    const entry = {
      callbackSignature: {
        secretRef: 'CLEARFILE_TEST_COURT_HMAC_KEY',
        header: 'X-Signature',
        algorithm: 'sha512',
        timestampHeader: 'X-Signature-Timestamp'
      }
    }
    // The app's clock is fixed; the court's is set to agree with it (or to be 15 minutes off it).
    const agreed = Math.round((Date.parse('2026-11-28T12:00:00.000Z') - Date.now()) / 1000)
    for (const [skew, expected] of [
      [agreed, { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 }],
      [agreed - 900, { sent: 0, lost: 0, failed: 0, unknown: 0, refused: 1 }]
    ] as const) {
      const { app, key, caseId, tick, court, handle } = await setup(
        t,
        {
          callbackSecret: undefined,
          callbackSignature: {
            key: 'hmac-key-of-the-court-0123456789',
            header: 'X-Signature',
            algorithm: 'sha512',
            encoding: 'base64',
            timestampHeader: 'X-Signature-Timestamp',
            clockSkewSeconds: skew
          }
        },
        { listen: true, courtEntry: entry }
      )
      const filing = (
        await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
      ).json()
      for (let i = 0; i < 6; i++) await tick()
      await until(() => answered(court) > 0)
      t.same(court.callbacks(), expected, `court clock ${skew - agreed} s from ours`)
      const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
      t.equal(done.state, 'granted', 'the ruling is known either way: polls decide')
      const refused = await handle.db
        .selectFrom('audit_events')
        .select('detail')
        .where('action', '=', 'callback.refused')
        .execute()
      t.same(
        refused.map((r) => JSON.parse(r.detail!).reason),
        expected.sent ? [] : ['stale timestamp']
      )
    }
  }
)

t.test(
  'a status text that is not a ruling is put on the timeline and raised to the DA systems once, never ignored',
  async (t) => {
    const { app, key, caseId, tick, handle } = await setup(t, { rulingWording: 'unreadable' })
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    for (let i = 0; i < 8; i++) await tick()
    const view = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(view.state, 'accepted', 'no ruling is guessed')
    const unread = view.events.filter((e: { detail: { unreadRuling?: boolean } | null }) => e.detail?.unreadRuling)
    t.equal(unread.length, 1, 'once, however often the court says it')
    t.equal(unread[0].detail.text, 'Order signed; see minute order')
    const raised = await handle.db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'filing.ruling_unread')
      .execute()
    t.equal(raised.length, 1)
    t.same(JSON.parse(raised[0]!.payload), { filingId: filing.id, court: 'CA-SF', state: 'accepted' })
  }
)

t.test(
  'an accepted filing awaiting its ruling is asked less often as it waits, never more than rulingPollMaxSeconds apart, and raises filing.ruling_overdue once',
  async (t) => {
    const { app, key, caseId, tick, handle, clock, runJobs } = await setup(
      t,
      { rulingDelayMs: 3_600_000 },
      { config: { rulingPollMaxSeconds: 600, rulingOverdueDays: 1 } }
    )
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    for (let i = 0; i < 4; i++) await tick()
    const accepted = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(accepted.state, 'accepted')
    const acceptedAt = new Date(accepted.events.at(-1).at).getTime()
    /** Moves the clock to `ms` after acceptance, lets the due poll run; returns seconds until the next poll. */
    const pollAt = async (ms: number) => {
      clock.set(new Date(acceptedAt + ms))
      await runJobs()
      const job = await handle.db
        .selectFrom('jobs')
        .select('run_at')
        .where('dedupe_key', '=', `filing.poll:${filing.id}`)
        .executeTakeFirstOrThrow()
      return (new Date(job.run_at).getTime() - clock.now().getTime()) / 1000
    }
    t.equal(await pollAt(100_000), 50, '100 s after acceptance: asked again in 50 s')
    t.equal(await pollAt(1_000_000), 500, 'then in half the wait so far')
    t.equal(await pollAt(7_200_000), 600, 'never more than rulingPollMaxSeconds apart')
    const overdue = async () =>
      (await handle.db.selectFrom('events').select('payload').where('type', '=', 'filing.ruling_overdue').execute())
        .length
    t.equal(await overdue(), 0, 'not overdue within a day')
    await pollAt(86_400_000 + 1000)
    await pollAt(86_400_000 + 700_000)
    t.equal(await overdue(), 1, 'overdue after a day: raised once however often it is asked')
    const view = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(view.state, 'accepted', 'still awaiting the ruling')
    t.match(
      view.events.find((e: { detail: { rulingOverdue?: boolean } | null }) => e.detail?.rulingOverdue)?.detail.text,
      'No ruling 1 day after the clerk accepted the filing'
    )
  }
)

const PDF = new Uint8Array([37, 80, 68, 70])

/** Another filer at the same court (defense counsel, a self-represented petitioner). */
function strangerAt(t: { teardown: (fn: () => unknown) => void }, url: string) {
  const stranger = ecf4SoapAdapter({
    id: 'CA-SF',
    name: 'SF',
    county: 'SAN FRANCISCO',
    adapter: 'ecf4-soap',
    endpoint: url
  })
  t.teardown(() => stranger.close())
  return stranger
}

/** A second case of another person, its papers prepared, for a test that files two. */
async function secondCase(app: Awaited<ReturnType<typeof setup>>['app'], key: string): Promise<string> {
  const other = (
    await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({ person: { dojSubjectId: '31' }, case: { caseNumber: 'SCN31' } })
    })
  ).json()
  await app.inject({ method: 'POST', url: `/v1/cases/${other.id}/documents`, headers: bearer(key) })
  return other.id
}

t.test(
  'a court that keeps no filer ids: a send cut off after its receipt is found in its case by GetFilingList, never sent again',
  async (t) => {
    const { app, key, caseId, tick, court } = await setup(
      t,
      { faults: { dropAfterReceipt: 1 }, echoFilerIds: false },
      { courtEntry: { echoesFilerIds: false } }
    )
    const otherCaseId = await secondCase(app, key)
    const filings = []
    for (const id of [otherCaseId, caseId])
      filings.push(
        (await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: id } })).json()
      )
    // Defense counsel files in the same case meanwhile; the court's list names whose filing that is.
    const stranger = strangerAt(t, court.url)
    await stranger
      .submit({
        filingId: 'defense-1',
        xml: reviewFilingXml('defense-1', PDF, undefined, 'defense-counsel-77', 'CA-SF')
      })
      .catch(() => undefined)
    for (let i = 0; i < 8; i++) await tick()
    t.equal(court.filings(), 3, 'the court holds our two filings, one per case, and the defense filing')
    const courtIds = new Set()
    for (const filing of filings) {
      const view = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
      t.equal(view.state, 'granted', 'on to its ruling')
      t.equal(court.submissions().get(filing.id), 1, 'at the court once')
      const found = view.events.find((e: { detail: { reconciled?: boolean } | null }) => e.detail?.reconciled)
      t.match(found.detail, { by: 'case', courtFilingId: view.courtFilingId }, 'found by its case')
      courtIds.add(view.courtFilingId)
    }
    t.equal(courtIds.size, 2, "each took its own filing's court id")
    const decided = court.outcomes()
    t.same(
      [...courtIds].map((id) => decided.get(id as string)),
      ['granted', 'granted'],
      "the court's own decision on the filings it holds under those ids"
    )
  }
)

/** The states a filing moved to, in order (events that record a hint in the same state left out). */
const moves = (view: { events: Array<{ from: string | null; to: string }> }) =>
  view.events.filter((e) => e.from !== e.to).map((e) => e.to)

/** A court that keeps no filer ids and signs its callbacks, reached through a cutter that loses every receipt. */
async function signingCourtLosingReceipts(t: Parameters<typeof setup>[0], cutFirst: boolean) {
  process.env.CLEARFILE_TEST_COURT_HMAC_KEY = 'hmac-key-of-the-court-0123456789'
  const cutter = await receiptCutter(t, cutFirst)
  const test = await setup(
    t,
    {
      echoFilerIds: false,
      callbackSecret: undefined,
      callbackSignature: { key: 'hmac-key-of-the-court-0123456789' },
      rulingWording: 'plain'
    },
    {
      listen: true,
      courtEntry: {
        endpoint: cutter.url,
        echoesFilerIds: false,
        callbackSignature: { secretRef: 'CLEARFILE_TEST_COURT_HMAC_KEY' }
      }
    }
  )
  cutter.court = test.court.url
  const filing = (
    await test.app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(test.key),
      payload: { caseId: test.caseId }
    })
  ).json()
  const state = async () =>
    (await test.app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(test.key) })).json()
  return { ...test, cutter, filing, state }
}

t.test(
  'a court that keeps no filer ids and signs its callbacks: a filing whose receipt was lost is named by its documents in the callback',
  async (t) => {
    const { cutter, court, runJobs, tick, filing, state } = await signingCourtLosingReceipts(t, true)
    // The court is handed the message only once the cut send has left the filing unknown.
    cutter.ready = async () => (await state()).state === 'unknown'
    await runJobs()
    await until(() => answered(court) > 0)
    t.same(court.callbacks(), { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 }, 'the signed callback was taken')
    const settled = await state()
    t.same(
      moves(settled),
      ['queued', 'submitting', 'unknown', 'submitted'],
      'the receipt was lost, then the callback settled it before any GetFilingList'
    )
    t.match(settled.courtFilingId, /^SIM-/)
    t.match(
      settled.events.find((e: { to: string }) => e.to === 'submitted'),
      { source: 'callback', detail: { by: 'document hash', courtFilingId: settled.courtFilingId } }
    )
    for (let i = 0; i < 5; i++) await tick()
    t.equal((await state()).state, 'granted', '"granted" in the status description read as the ruling')
    t.equal(court.submissions().get(filing.id), 1, 'never sent again')
    t.equal(court.filings(), 1)
  }
)

t.test(
  "a quick court's callback that comes while the send is still waiting for its receipt settles the filing, and the send's cut-off end changes nothing",
  async (t) => {
    const { cutter, court, runJobs, tick, filing, state } = await signingCourtLosingReceipts(t, false)
    // The send is cut off only after the court's callback has been answered.
    cutter.ready = () => answered(court) > 0
    await runJobs()
    t.same(court.callbacks(), { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 }, 'the signed callback was taken')
    const settled = await state()
    t.same(
      moves(settled).slice(0, 3),
      ['queued', 'submitting', 'submitted'],
      'submitted by the callback; the send cut off after it did not make it unknown'
    )
    t.notOk(moves(await state()).includes('unknown'), 'never unknown')
    t.match(
      settled.events.find((e: { to: string }) => e.to === 'submitted'),
      { source: 'callback', detail: { by: 'document hash', courtFilingId: settled.courtFilingId } }
    )
    t.match(settled.courtFilingId, /^SIM-/)
    for (let i = 0; i < 5; i++) await tick()
    t.equal((await state()).state, 'granted', 'on to its ruling')
    t.equal(court.submissions().get(filing.id), 1, 'never sent again')
    t.equal(court.filings(), 1)
  }
)

t.test(
  'a court that keeps no filer ids lists a filing in the case without saying whose: the filing waits for a person, who says where it is',
  async (t) => {
    const { app, key, caseId, tick, court, handle, keyFor } = await setup(
      t,
      { faults: { dropAfterReceipt: 1 }, echoFilerIds: false },
      { courtEntry: { echoesFilerIds: false } }
    )
    // Our other case first: found in its case, it holds SIM-0000001.
    const otherCaseId = await secondCase(app, key)
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: otherCaseId } })
    await tick()
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    await tick()
    // Someone files in the same case (SCN123456) meanwhile, and the court's list does not say who.
    await strangerAt(t, court.url)
      .submit({ filingId: 'someone-else', xml: reviewFilingXml('someone-else', PDF, undefined, undefined, 'CA-SF') })
      .catch(() => undefined)
    for (let i = 0; i < 4; i++) await tick()
    const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    const waiting = await view()
    t.equal(waiting.state, 'unknown')
    t.equal(court.submissions().get(filing.id), 1, 'at the court once, never resent blind')
    const hint = waiting.events.filter((e: { detail: { needsAttention?: boolean } | null }) => e.detail?.needsAttention)
    t.equal(hint.length, 1, 'raised once, however often it is looked for')
    t.match(hint[0].detail.text, /2 filings the court lists without filer ids could be .*\(SIM-0000002, SIM-0000003\)/)
    const raised = await handle.db
      .selectFrom('events')
      .select('record_id')
      .where('type', '=', 'filing.needs_attention')
      .execute()
    t.same(
      raised.map((r) => r.record_id),
      [filing.id]
    )

    // The deputy asks the clerk, and says what the clerk said.
    const settle = async (payload: object, k = key, id = filing.id) =>
      app.inject({ method: 'POST', url: `/v1/filings/${id}/settlement`, headers: bearer(k), payload })
    const note = 'The clerk confirmed by phone'
    t.equal(
      (await settle({ atCourt: true, courtFilingId: 'SIM-0000002', note }, await keyFor('da_system', 'SAN FRANCISCO')))
        .statusCode,
      403,
      'a person decides, not a DA system'
    )
    t.equal(
      (await settle({ atCourt: true, courtFilingId: 'SIM-0000002', note }, await keyFor('deputy_da', 'ALAMEDA')))
        .statusCode,
      404,
      "another county's key does not see it"
    )
    t.match(
      (await settle({ atCourt: true, note })).json(),
      { code: 'CLEARFILE_ERR_VALIDATION' },
      'at the court: under which id?'
    )
    t.match((await settle({ atCourt: false, courtFilingId: 'SIM-0000002', note })).json(), {
      code: 'CLEARFILE_ERR_VALIDATION'
    })
    t.match(
      (await settle({ atCourt: true, courtFilingId: 'SIM-0000002' })).json(),
      { code: 'CLEARFILE_ERR_VALIDATION' },
      'a note is required'
    )
    const taken = await settle({ atCourt: true, courtFilingId: 'SIM-0000001', note })
    t.equal(taken.statusCode, 409)
    t.match(taken.json(), { code: 'CLEARFILE_ERR_COURT_FILING_ID_TAKEN' }, 'an id our other filing holds')
    const settled = await settle({ atCourt: true, courtFilingId: 'SIM-0000002', note })
    t.equal(settled.statusCode, 200, settled.body)
    t.match(settled.json(), { state: 'submitted', courtFilingId: 'SIM-0000002' })
    t.match(settled.json().events.at(-1), { source: 'user', to: 'submitted', detail: { settled: true, note } })
    t.match((await settle({ atCourt: false, note })).json(), { code: 'CLEARFILE_ERR_FILING_STATE' }, 'once only')
    for (let i = 0; i < 4; i++) await tick()
    t.equal((await view()).state, 'granted', 'polled on to its ruling')
    t.equal(court.submissions().get(filing.id), 1)
    const audited = await handle.db
      .selectFrom('audit_events')
      .select('record_id')
      .where('action', '=', 'filing.settle')
      .execute()
    t.same(
      audited.map((a) => a.record_id),
      [filing.id]
    )
  }
)

t.test('a person says a filing clearfile could not settle is not at the court: it is sent again, once', async (t) => {
  const faults = { timeout: 0 }
  const { app, key, caseId, tick, court } = await setup(
    t,
    { faults, echoFilerIds: false },
    // Its policy is not what is tested: every request times out while the send is lost.
    { courtEntry: { echoesFilerIds: false, usePolicy: false, limits: { timeoutMs: 200 } } }
  )
  // Someone's filing in the case, whose submitter the court does not give: ours cannot be told absent.
  await strangerAt(t, court.url).submit({
    filingId: 'x',
    xml: reviewFilingXml('x', PDF, undefined, undefined, 'CA-SF')
  })
  // Our send is lost on the way (no answer, nothing filed); the court answers again by the time it is looked for.
  faults.timeout = 1
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  await tick()
  faults.timeout = 0
  for (let i = 0; i < 3; i++) await tick()
  const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
  const waiting = await view()
  t.equal(waiting.state, 'unknown')
  t.match(
    waiting.events.find((e: { detail: { needsAttention?: boolean } | null }) => e.detail?.needsAttention)?.detail.text,
    /the court lists SIM-0000001 without our filing id and without its submitter/
  )
  t.equal(court.submissions().get(filing.id), undefined, 'it never reached the court')
  const settled = await app.inject({
    method: 'POST',
    url: `/v1/filings/${filing.id}/settlement`,
    headers: bearer(key),
    payload: { atCourt: false, note: 'The clerk has nothing from us in SCN123456' }
  })
  t.equal(settled.json().state, 'queued', settled.body)
  for (let i = 0; i < 4; i++) await tick()
  t.equal((await view()).state, 'granted')
  t.equal(court.submissions().get(filing.id), 1, 'sent again, once')
})

t.test('when the court loses its callback the status poll still brings the filing to its ruling', async (t) => {
  const { app, key, caseId, tick, court } = await setup(t, { faults: { lostCallback: 1 } }, { listen: true })
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  for (let i = 0; i < 5; i++) await tick()
  const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
  t.equal(done.state, 'granted')
  t.notOk(done.events.some((e: { source: string }) => e.source === 'callback'))
  t.same(court.callbacks(), { sent: 0, lost: 1, failed: 0, unknown: 0, refused: 0 })
})

t.test(
  "on PostgreSQL a review's filings are queued as bulk work: they wait for bulk work's share of the connections, a deputy's listing does not",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only: SQLite has one connection' },
  async (t) => {
    const { app, key, runJobs, handle } = await setup(t)
    const run = (
      await app.inject({
        method: 'POST',
        url: '/v1/reviews?asOf=2026-11-28',
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        payload: [...generateDojRows({ rows: 100, seed: 5 })].join('')
      })
    ).json()
    await runJobs()
    await app.inject({ method: 'POST', url: `/v1/reviews/${run.id}/documents`, headers: bearer(key), payload: {} })
    await runJobs()
    const { bulk, read, bulkAnsweredFirst } = await bulkBehindRead(
      handle.db,
      () => app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { reviewId: run.id } }),
      () => app.inject({ url: '/v1/filings?limit=20', headers: bearer(key) })
    )
    t.equal(read.statusCode, 200, 'the listing was read while every bulk share was held')
    t.notOk(bulkAnsweredFirst, "the review's filings waited for a share")
    t.equal(bulk.statusCode, 202, bulk.body)
    t.ok(bulk.json().filings.length > 0, `and were then queued (${bulk.json().filings.length})`)
  }
)

t.test(
  "a review's papers by person are filed in each of the person's cases (one case per ECF filing), every one reaches the court once, and asking again files nothing twice",
  async (t) => {
    const { app, key, tick, court, runJobs, handle } = await setup(t)
    const run = (
      await app.inject({
        method: 'POST',
        url: '/v1/reviews?asOf=2026-11-28',
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        payload: [...generateDojRows({ rows: 400, seed: 5 })].join('')
      })
    ).json()
    t.ok(run.id, JSON.stringify(run))
    const early = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { reviewId: run.id }
    })
    t.equal(early.json().code, 'CLEARFILE_ERR_REVIEW_NOT_FINISHED', early.body)
    await runJobs()
    const noPapers = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { reviewId: run.id, scope: 'person' }
    })
    t.equal(noPapers.json().code, 'CLEARFILE_ERR_DOCUMENTS_MISSING')
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/filings',
          headers: bearer(key),
          payload: { reviewId: run.id, scope: 'bulk' }
        })
      ).statusCode,
      400
    )
    await app.inject({
      method: 'POST',
      url: `/v1/reviews/${run.id}/documents`,
      headers: bearer(key),
      payload: { scope: 'person' }
    })
    await runJobs()
    const motions = (await app.inject({ url: `/v1/reviews/${run.id}/documents`, headers: bearer(key) }))
      .json()
      .items.filter((d: { kind: string }) => d.kind === 'motion')
    const made = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { reviewId: run.id, scope: 'person' }
    })
    t.equal(made.statusCode, 202, made.body)
    const result = made.json()
    // Each motion's cases, as the papers were drawn for them.
    const drawnFor = await handle.db
      .selectFrom('document_cases as dc')
      .innerJoin('documents as d', 'd.id', 'dc.document_id')
      .select(['d.id', 'dc.case_id'])
      .where('d.review_run_id', '=', run.id)
      .where('d.kind', '=', 'motion')
      .execute()
    const casesOf = new Map<string, string[]>()
    for (const r of drawnFor) casesOf.set(r.id, [...(casesOf.get(r.id) ?? []), r.case_id])
    const motionCases = drawnFor.map((r) => r.case_id)
    t.ok(motions.length > 5, `${motions.length} motions`)
    t.equal(casesOf.size, motions.length)
    const several = [...casesOf.values()].find((c) => c.length > 1)
    t.ok(several, 'a person with several cases has one motion')
    t.equal(result.filings.length, motionCases.length, 'filed once in each case of each motion')
    t.ok(
      result.filings.every((f: { caseIds: string[] }) => f.caseIds.length === 1),
      'every filing in one case'
    )
    t.same(result.filings.map((f: { caseIds: string[] }) => f.caseIds[0]).sort(), [...motionCases].sort())
    t.equal(result.alreadyFiled, 0)
    t.ok(result.filings.every((f: { court: string }) => f.court === 'CA-SF'))
    const again = (
      await app.inject({
        method: 'POST',
        url: '/v1/filings',
        headers: bearer(key),
        payload: { reviewId: run.id, scope: 'person' }
      })
    ).json()
    t.same([again.filings.length, again.alreadyFiled], [0, motionCases.length])
    for (let i = 0; i < 5; i++) await tick()
    const states = new Set<string>()
    for (const f of result.filings)
      states.add((await app.inject({ url: `/v1/filings/${f.id}`, headers: bearer(key) })).json().state)
    t.same([...states], ['granted'])
    t.same(new Set(court.submissions().values()), new Set([1]), 'every filing reached the court exactly once')
    // A message names its one case: one nc:CaseDocketID, no list of numbers in it.
    for (const caseId of several ?? []) {
      const f = result.filings.find((x: { caseIds: string[] }) => x.caseIds[0] === caseId)
      const xml = (await app.inject({ url: `/v1/filings/${f.id}/message.xml`, headers: bearer(key) })).body
      const kase = (await app.inject({ url: `/v1/cases/${caseId}`, headers: bearer(key) })).json()
      t.same(
        [...xml.matchAll(/<nc:CaseDocketID>([^<]*)<\/nc:CaseDocketID>/g)].map((m) => m[1]),
        [kase.caseNumber],
        `the filing in ${kase.caseNumber} names that case alone`
      )
    }
    t.equal(court.submissions().size, motionCases.length)
    const single = result.filings[0].caseIds[0]
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { caseId: single }
    })
    t.equal(refused.json().code, 'CLEARFILE_ERR_ALREADY_FILED')
  }
)

t.test(
  'a filing whose message can no longer be made (relief withdrawn after queueing) fails with the reason and is never sent',
  async (t) => {
    const { app, handle, key, caseId, runJobs, court } = await setup(t)
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    const counts = handle.db.selectFrom('convictions').select('id').where('case_id', '=', caseId)
    await handle.db
      .updateTable('determinations')
      .set({ decided_outcome: 'not_eligible' })
      .where('conviction_id', 'in', counts)
      .execute()
    await runJobs()
    const after = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.equal(after.state, 'failed')
    t.match(after.lastError, /nothing to file/)
    t.same(after.events.at(-1).detail.code, 'CLEARFILE_ERR_NOT_ELIGIBLE')
    t.equal(court.submissions().size, 0, 'the court never saw it')
  }
)

t.test(
  'a court that cannot be reached is tried with backoff for a day, eight sends failing nothing, then the filing fails with the reason',
  async (t) => {
    const { app, key, caseId, clock, handle, config } = await setup(t)
    // Point the court at a port nothing listens on: every send is refused before it leaves.
    const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
    writeFileSync(
      courtsFile,
      JSON.stringify([
        {
          id: 'CA-SF',
          name: 'Superior Court of California, County of San Francisco',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: 'http://127.0.0.1:1/ecf',
          limits: { timeoutMs: 500 }
        }
      ])
    )
    const { createServices } = await import('../../../src/services.js')
    const { createJobRunner } = await import('../../../src/jobs/job-runner.js')
    const services = createServices({
      db: handle.db,
      dialect: handle.dialect,
      clock,
      config: { ...config, courtsFile }
    })
    t.teardown(() => services.close())
    const runner = createJobRunner({ db: handle.db, clock, jobs: services.jobs })
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    // A drain an hour: the backoff (an hour at most) has run out by each, so each sends once.
    const hours = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await runner.drain()
        clock.set(new Date(clock.now().getTime() + 3_600_000))
      }
      return (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    }
    const early = await hours(10)
    t.same([early.state, early.attempts], ['queued', 10], 'ten sends in ten hours fail nothing: it waits to be sent')
    const done = await hours(20)
    t.equal(done.state, 'failed')
    // The 25th send is the first a day after the first: the day is over, and it is given up.
    t.equal(done.attempts, 25)
    // Its policy is asked for first: a court that cannot be reached for it fails the attempt as a send would.
    t.match(done.lastError, /^gave up after 25 attempts in 24 hours: CA-SF GetPolicy: ECONNREFUSED/)
    const sends = done.events.filter((e: { to: string }) => e.to === 'submitting')
    t.equal(sends.length, 25)
    t.equal(
      Date.parse(sends.at(-1).at) - Date.parse(sends[0].at),
      24 * 3_600_000,
      'the last send a day after the first'
    )
  }
)

/**
 * A filing whose last of `sends` sends may have reached the court (the court never got it): `unknown`, its send's job
 * done, the court to be asked by GetFilingList; its first send `firstSentHoursAgo` ago where given.
 */
async function lookedForAfterSends(t: Parameters<typeof setup>[0], sends: number, firstSentHoursAgo?: number) {
  const { enqueue } = await import('../../../src/jobs/job-definition.js')
  const { RECONCILE_JOB } = await import('../../../src/filing/filing-jobs.js')
  const test = await setup(t)
  const { app, key, caseId, handle, clock } = test
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
  ).json()
  await handle.db
    .updateTable('filings')
    .set({ state: 'unknown', attempts: sends })
    .where('id', '=', filing.id)
    .execute()
  await handle.db.updateTable('jobs').set({ done_at: clock.now().toISOString() }).execute()
  if (firstSentHoursAgo !== undefined)
    await handle.db
      .insertInto('filing_events')
      .values({
        filing_id: filing.id,
        from_state: 'queued',
        to_state: 'submitting',
        at: new Date(clock.now().getTime() - firstSentHoursAgo * 3_600_000).toISOString(),
        source: 'submit',
        detail: null
      })
      .execute()
  await enqueue(handle.db, RECONCILE_JOB, { filingId: filing.id }, { runAt: clock.now(), now: clock.now() })
  return { ...test, filing }
}

t.test(
  'a filing found not at the court after eight sends is sent again while its first send is under a day old, and failed with the reason once it is a day old',
  async (t) => {
    for (const hoursAgo of [23, 24]) {
      await t.test(`first sent ${hoursAgo} hours ago`, async (t) => {
        // As if its eighth send had been cut off (each before it was found absent).
        const { app, key, tick, court, clock, filing } = await lookedForAfterSends(t, 8, hoursAgo)
        await tick()
        // Its ninth send waits out the backoff of eight (at most 256 s).
        clock.set(new Date(clock.now().getTime() + 256_000))
        for (let i = 0; i < 5; i++) await tick()
        const done = (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
        if (hoursAgo < 24) {
          t.same([done.state, done.attempts], ['granted', 9], 'sent a ninth time, and granted')
          t.equal(court.submissions().get(filing.id), 1, 'the court got it once')
        } else {
          t.equal(done.state, 'failed')
          t.match(done.lastError, /^not at the court; gave up after 8 attempts in 24 hours/)
          t.equal(court.submissions().size, 0, 'never sent again')
        }
      })
    }
  }
)

t.test(
  'a filing found not at the court after an ambiguous send is sent again after a backoff that grows with its sends, an hour at most',
  async (t) => {
    // [sends so far, the least and most wait before the next, in seconds]
    for (const [sends, least, most] of [
      [1, 1, 2],
      [4, 8, 16],
      [12, 1800, 3600]
    ] as const) {
      await t.test(`after ${sends} sends`, async (t) => {
        // As if its last send had timed out; the court never got it.
        const { app, key, tick, court, handle, clock, filing } = await lookedForAfterSends(t, sends)
        await tick()
        const lookedAt = clock.now().getTime()
        const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
        t.same((await view()).state, 'queued', 'found not at the court')
        const resend = await handle.db
          .selectFrom('jobs')
          .select('run_at')
          .where('kind', '=', 'filing.submit')
          .where('done_at', 'is', null)
          .executeTakeFirstOrThrow()
        const wait = (Date.parse(resend.run_at) - lookedAt) / 1000
        t.ok(wait >= least && wait <= most, `sent again ${wait} s later, between ${least} and ${most} s`)
        if (wait > 1.5) {
          await tick()
          t.equal(court.submissions().size, 0, 'not sent before the backoff is out')
        }
        clock.set(new Date(Date.parse(resend.run_at)))
        for (let i = 0; i < 5; i++) await tick()
        t.same([(await view()).state, (await view()).attempts], ['granted', sends + 1], 'then sent, and granted')
        t.equal(court.submissions().get(filing.id), 1, 'the court got it once')
      })
    }
  }
)

t.test('two workers draining one database never submit the same filing twice', async (t) => {
  const { createJobRunner } = await import('../../../src/jobs/job-runner.js')
  const { createServices } = await import('../../../src/services.js')
  const { app, handle, key, config, clock, court } = await setup(t)
  const filings = await queueFilingsOfNewCases(app, key, 8, '90')
  const workers = [0, 1].map(() => {
    const services = createServices({ db: handle.db, dialect: handle.dialect, clock, config })
    t.teardown(() => services.close())
    return createJobRunner({ db: handle.db, clock, jobs: services.jobs })
  })
  const ran = await Promise.all(workers.map((w) => w.drain()))
  t.equal(ran[0]! + ran[1]!, 8, 'every submit job ran once between them')
  for (const id of filings) t.equal(court.submissions().get(id), 1, `${id} sent once`)
})

t.test(
  'a queued filing is cancelled with a note and never sent; its case may be filed again; a sent one cannot be',
  async (t) => {
    const { app, key, caseId, tick, court, handle, keyFor } = await setup(t)
    const filing = (
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    ).json()
    const cancel = async (id: string, payload: object, k = key) =>
      app.inject({ method: 'POST', url: `/v1/filings/${id}/cancellation`, headers: bearer(k), payload })
    const note = "Counsel filed the defendant's own petition"
    t.equal((await cancel(filing.id, { note }, await keyFor('clerk', 'SAN FRANCISCO'))).statusCode, 403)
    t.equal((await cancel(filing.id, { note }, await keyFor('deputy_da', 'ALAMEDA'))).statusCode, 404)
    t.match((await cancel(filing.id, {})).json(), { code: 'CLEARFILE_ERR_VALIDATION' }, 'a note is required')
    const cancelled = await cancel(filing.id, { note }, await keyFor('da_system', 'SAN FRANCISCO'))
    t.equal(cancelled.statusCode, 200, cancelled.body)
    t.equal(cancelled.json().state, 'cancelled')
    t.match(cancelled.json().events.at(-1), { from: 'queued', to: 'cancelled', source: 'user', detail: { note } })
    for (let i = 0; i < 3; i++) await tick()
    t.equal(court.submissions().get(filing.id), undefined, 'its queued send did nothing')
    t.equal((await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json().state, 'cancelled')
    const audit = await handle.db
      .selectFrom('audit_events')
      .select('record_id')
      .where('action', '=', 'filing.cancel')
      .execute()
    t.same(
      audit.map((a) => a.record_id),
      [filing.id]
    )
    t.match((await cancel(filing.id, { note })).json(), { code: 'CLEARFILE_ERR_FILING_STATE' }, 'not twice')

    const again = await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId } })
    t.equal(again.statusCode, 202, 'a cancelled filing does not stand for its case')
    for (let i = 0; i < 5; i++) await tick()
    const sent = await cancel(again.json().id, { note })
    t.equal(sent.statusCode, 409)
    t.match(sent.json(), { code: 'CLEARFILE_ERR_FILING_STATE', message: /ECF 4\.01 has no CancelFiling/ })
    t.equal(court.submissions().get(again.json().id), 1)
  }
)

t.test(
  'the sends of one batch each lead their own way (taken, cut off after the receipt, refused with a 503 and sent again) and every filing reaches the court once',
  async (t) => {
    // A seeded court: the same faults in the same order every run.
    let seed = 20261201
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    const { app, key, court, tick } = await setup(t, { random, faults: { serverError: 0.2, dropAfterReceipt: 0.3 } })
    const filings = await queueFilingsOfNewCases(app, key, 16, '91')
    const view = async (id: string) => (await app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json()
    for (let i = 0; i < 40; i++) {
      await tick()
      if ((await Promise.all(filings.map(view))).every((f) => f.state === 'granted')) break
    }
    const paths: string[][] = []
    for (const id of filings) {
      const f = await view(id)
      t.equal(f.state, 'granted', `${id} granted`)
      t.equal(court.submissions().get(id), 1, `${id} at the court once`)
      paths.push(f.events.map((e: { to: string }) => e.to))
    }
    // Every timeline is a path of the state machine that ends in the court's ruling.
    for (const path of paths) t.same(path.slice(-3), ['submitted', 'accepted', 'granted'])
    const seen = (moves: string) => paths.some((p) => p.join(' ').includes(moves))
    t.ok(seen('submitting unknown submitted'), 'a send cut off after the receipt was found at the court')
    t.ok(seen('unknown queued submitting'), 'a send the court answered 503 to was not there, and was sent again')
    t.ok(
      paths.some((p) => p.join(' ') === 'queued submitting submitted accepted granted'),
      'and others went straight through'
    )
  }
)
