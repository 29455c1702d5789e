import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { ecf4SoapAdapter } from '../../adapters/ecf4-soap/adapter.js'
import { startSimulatedCourt, type SimulatedCourtOptions } from '../../adapters/simulator/court.js'
import { CourtError, type CourtAdapter } from '../../adapters/types.js'
import { renderMotion } from '../../src/documents/court-papers.js'
import { buildMessageReceipt } from '../../src/ecf/messages.js'
import { parseReviewFilingCallback } from '../../src/ecf/parse.js'
import { soapEnvelope } from '../../src/ecf/soap.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { packet } from '../documents/fixtures.js'
import { certificates } from '../tls-certificates.js'
import { reviewFilingXml } from '../ecf/review-filing.js'
import { courtCredentials } from '../../src/filing/courts-config.js'
import { answered, until } from '../helper.js'

const motion = (await renderMotion(packet())).bytes

const filingXml = (filingId: string, callbackUrl?: string) => reviewFilingXml(filingId, motion, callbackUrl)

async function setup(
  t: { teardown: (fn: () => unknown) => void },
  options: SimulatedCourtOptions = {},
  timeoutMs = 2000
) {
  const court = await startSimulatedCourt({
    reviewDelayMs: 60,
    rulingDelayMs: 60,
    acceptRate: 1,
    rulings: { granted: 1, denied: 0, partially_granted: 0 },
    ...options
  })
  const adapter = ecf4SoapAdapter({
    id: 'CA-SIM',
    name: 'Superior Court of California (simulated)',
    county: 'SAN FRANCISCO',
    adapter: 'simulator',
    endpoint: court.url,
    limits: { timeoutMs, concurrency: 2 }
  })
  t.teardown(async () => {
    await adapter.close()
    await court.close()
  })
  return { court, adapter }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** What the pipeline knows of a filing it looks for: the fixture's case, made a minute ago. */
const lookup = (filingId: string, caseNumbers = ['SCN123456']) => ({
  filingId,
  caseNumbers,
  since: new Date(Date.now() - 60_000)
})
const listed = async (adapter: CourtAdapter, filingId: string, caseNumbers?: string[]) =>
  (await adapter.listSubmissions(lookup(filingId, caseNumbers))).filings.find((f) => f.filingId === filingId) ?? null

t.test('a filing is receipted, reviewed, accepted and then ruled on, all over ECF 4.01 SOAP on loopback', async (t) => {
  // Review and ruling take long enough that a busy machine still sees each state; the test waits for each in turn.
  const { adapter } = await setup(t, { reviewDelayMs: 600, rulingDelayMs: 600 })
  const receipt = await adapter.submit({ filingId: 'F-1', xml: filingXml('F-1') })
  t.match(receipt.courtFilingId, /^SIM-\d{7}$/)
  t.same(await adapter.status(receipt.courtFilingId), {
    courtFilingId: receipt.courtFilingId,
    filingId: null,
    status: 'received',
    ruling: null,
    statusText: null
  })
  const seen: string[] = []
  let last = await adapter.status(receipt.courtFilingId)
  for (const end = Date.now() + 5000; last.ruling === null && Date.now() < end; ) {
    if (seen.at(-1) !== last.status) seen.push(last.status)
    await sleep(50)
    last = await adapter.status(receipt.courtFilingId)
  }
  t.same(seen, ['received', 'accepted'], 'received, then accepted by the clerk')
  t.equal(last.status, 'accepted')
  t.equal(last.ruling, 'granted', 'then granted by the judge')
  const listing = await adapter.listSubmissions(lookup('F-1'))
  t.equal(listing.echoesFilerIds, true)
  t.match(listing.filings, [
    { courtFilingId: receipt.courtFilingId, filingId: 'F-1', caseTrackingId: 'SCN123456', ruling: 'granted' }
  ])
  t.ok(Date.parse(listing.filings[0]!.receivedAt ?? '') > Date.now() - 60_000, 'with the time the court received it')
  t.same(
    (await adapter.listSubmissions(lookup('F-1', ['SCN999999']))).filings,
    [],
    'a query for another case lists none of it'
  )
})

t.test('the court answers the same filing id with the same court filing id, and counts every submission', async (t) => {
  const { court, adapter } = await setup(t)
  const a = await adapter.submit({ filingId: 'F-2', xml: filingXml('F-2') })
  const b = await adapter.submit({ filingId: 'F-2', xml: filingXml('F-2') })
  t.equal(a.courtFilingId, b.courtFilingId)
  t.equal(court.submissions().get('F-2'), 2)
  t.equal(court.filings(), 1)
})

t.test('a message the court finds invalid is a permanent rejection naming the problem', async (t) => {
  const { adapter } = await setup(t)
  const broken = filingXml('F-3').replace(
    /<criminal:ChargeAmendedIndicator>false<\/criminal:ChargeAmendedIndicator>/,
    ''
  )
  await t.rejects(adapter.submit({ filingId: 'F-3', xml: broken }), {
    code: 'CLEARFILE_ERR_COURT_REJECTED',
    retryable: false,
    courtCode: '-1'
  })
})

t.test(
  'a 5xx is retryable; a dropped connection after the receipt is ambiguous and reconciled by GetFilingList',
  async (t) => {
    const failing = await setup(t, { faults: { serverError: 1 } })
    const err = await failing.adapter.submit({ filingId: 'F-4', xml: filingXml('F-4') }).catch((e: unknown) => e)
    t.ok(err instanceof CourtError)
    t.match(err, { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true })

    const dropping = await setup(t, { faults: { dropAfterReceipt: 1 } })
    const dropped = await dropping.adapter.submit({ filingId: 'F-5', xml: filingXml('F-5') }).catch((e: unknown) => e)
    t.match(dropped, { retryable: true, ambiguous: true })
    const found = await listed(dropping.adapter, 'F-5')
    t.ok(found, 'the court has it: do not send it again')
    t.equal(dropping.court.submissions().get('F-5'), 1)
  }
)

t.test(
  'a court that never answers times out (retryable, ambiguous); a malformed answer is retryable too',
  async (t) => {
    const silent = await setup(t, { faults: { timeout: 1 } }, 150)
    await t.rejects(silent.adapter.submit({ filingId: 'F-6', xml: filingXml('F-6') }), {
      code: 'CLEARFILE_ERR_COURT_TIMEOUT',
      retryable: true,
      ambiguous: true
    })
    const garbled = await setup(t, { faults: { malformed: 1 } })
    await t.rejects(garbled.adapter.submit({ filingId: 'F-7', xml: filingXml('F-7') }), {
      code: 'CLEARFILE_ERR_COURT_UNAVAILABLE',
      retryable: true,
      ambiguous: true
    })
  }
)

t.test('a court that is not listening is retryable and certainly did not get the filing', async (t) => {
  const court = await startSimulatedCourt()
  const url = court.url
  await court.close()
  const adapter = ecf4SoapAdapter({
    id: 'CA-SIM',
    name: 'x',
    county: 'X',
    adapter: 'ecf4-soap',
    endpoint: url,
    limits: { timeoutMs: 1000 }
  })
  t.teardown(() => adapter.close())
  await t.rejects(adapter.submit({ filingId: 'F-8', xml: filingXml('F-8') }), {
    code: 'CLEARFILE_ERR_COURT_UNAVAILABLE',
    retryable: true,
    ambiguous: false
  })
})

/** A filer's FilingAssemblyMDE that answers 200 and keeps what it was sent. */
async function callbackReceiver(t: { teardown: (fn: () => unknown) => void }, answer = '<ok/>') {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ecf/v4/FilingAssemblyMDE`, received }
}

t.test(
  "after its review the court calls the filer back with a NotifyFilingReviewComplete that validates, carrying docket ids and each PDF's hash",
  async (t) => {
    const receiver = await callbackReceiver(t)
    const { adapter, court } = await setup(t, { callbackSecret: 's3cret' })
    const receipt = await adapter.submit({ filingId: 'F-CB', xml: filingXml('F-CB', receiver.url) })
    await until(() => receiver.received.length > 0)
    t.equal(receiver.received.length, 1)
    const { headers, body } = receiver.received[0]!
    t.equal(headers['x-ecf-callback-secret'], 's3cret')
    t.match(String(headers.soapaction), /NotifyFilingReviewCompleteRequest$/)
    t.same(
      ecfProblems(body),
      [],
      'valid against the OASIS schemas (ReviewFilingCallbackMessage and PaymentReceiptMessage)'
    )
    const cb = parseReviewFilingCallback(body)
    t.equal(cb.status, 'accepted')
    t.same(cb.identifications, [
      { id: receipt.courtFilingId, category: 'FILINGID' },
      { id: 'F-CB', category: 'clearfile filing id' }
    ])
    t.same(
      cb.documents.map((d) => [d.role, d.docketId, d.hash]),
      [['lead', `${receipt.courtFilingId}-1`, createHash('sha256').update(motion).digest('hex')]]
    )
    // The receiver has the callback before the court has read its answer: wait for the court to count it.
    await until(() => answered(court) > 0)
    t.same(court.callbacks(), { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 })
  }
)

t.test(
  'a callback answered with a receipt whose errors say the filer knows no such filing is counted so, not as taken',
  async (t) => {
    const refusal = soapEnvelope(
      buildMessageReceipt({
        sender: 'http://127.0.0.1/ecf/v4/FilingAssemblyMDE',
        court: { id: 'CA-SIM', name: 'Superior Court of California (simulated)' },
        filing: null,
        errors: [{ code: '-1', text: 'No filing with this id was sent by this filer' }]
      })
    )
    const receiver = await callbackReceiver(t, refusal)
    const { adapter, court } = await setup(t, { callbackSecret: 's3cret' })
    await adapter.submit({ filingId: 'F-UNKNOWN', xml: filingXml('F-UNKNOWN', receiver.url) })
    await until(() => court.callbacks().unknown > 0)
    t.same(court.callbacks(), { sent: 0, lost: 0, failed: 0, unknown: 1, refused: 0 })
  }
)

t.test('a lost callback is never sent, and a duplicated one is sent twice', async (t) => {
  const receiver = await callbackReceiver(t)
  const lost = await setup(t, { callbackSecret: 's3cret', faults: { lostCallback: 1 } })
  await lost.adapter.submit({ filingId: 'F-LOST', xml: filingXml('F-LOST', receiver.url) })
  await sleep(200)
  t.equal(receiver.received.length, 0)
  t.same(lost.court.callbacks(), { sent: 0, lost: 1, failed: 0, unknown: 0, refused: 0 })
  const twice = await setup(t, { callbackSecret: 's3cret', faults: { duplicateCallback: 1 } })
  await twice.adapter.submit({ filingId: 'F-TWICE', xml: filingXml('F-TWICE', receiver.url) })
  await until(() => receiver.received.length >= 2)
  t.equal(receiver.received.length, 2)
  t.equal(receiver.received[0]!.body, receiver.received[1]!.body)
})

t.test('a court configured for MTOM gets the PDFs as binary parts, and reviews the same bytes', async (t) => {
  const receiver = await callbackReceiver(t)
  const court = await startSimulatedCourt({ reviewDelayMs: 20, callbackSecret: 's3cret', acceptRate: 1 })
  const adapter = ecf4SoapAdapter({
    id: 'CA-SIM',
    name: 'Superior Court of California (simulated)',
    county: 'SAN FRANCISCO',
    adapter: 'ecf4-soap',
    endpoint: court.url,
    mtom: true
  })
  t.teardown(async () => {
    await adapter.close()
    await court.close()
  })
  const receipt = await adapter.submit({ filingId: 'F-MTOM', xml: filingXml('F-MTOM', receiver.url) })
  t.match(receipt.courtFilingId, /^SIM-/)
  t.equal(court.mtomFilings(), 1)
  await until(() => receiver.received.length > 0)
  t.equal(
    parseReviewFilingCallback(receiver.received[0]!.body).documents[0]!.hash,
    createHash('sha256').update(motion).digest('hex')
  )
  t.match((await adapter.status(receipt.courtFilingId)).status, /^(received|accepted)$/, 'queries stay plain SOAP')
})

t.test('a test in another process reads the submission counts over HTTP', async (t) => {
  const { adapter, court } = await setup(t)
  await adapter.submit({ filingId: 'F-C', xml: filingXml('F-C') })
  await adapter.submit({ filingId: 'F-C', xml: filingXml('F-C') })
  const res = await fetch(new URL('/simulator/submissions', court.url))
  t.same(((await res.json()) as { submissions: unknown }).submissions, { 'F-C': 2 })
})

t.test(
  'a court behind a vendor login or a token gets it on every request; without it or with a wrong one, nothing is filed and the send is retried',
  async (t) => {
    const login = `Basic ${Buffer.from('da-sf:s3cret:with-colon').toString('base64')}`
    const court = await startSimulatedCourt({ reviewDelayMs: 60_000, acceptRate: 1, requireAuthorization: login })
    t.teardown(() => court.close())
    const entry = {
      id: 'CA-SIM',
      name: 'Superior Court of California (simulated)',
      county: 'SAN FRANCISCO',
      adapter: 'ecf4-soap',
      endpoint: court.url,
      credentialsRef: 'CLEARFILE_TEST_VENDOR_LOGIN'
    }
    const credentials = courtCredentials(entry, { CLEARFILE_TEST_VENDOR_LOGIN: 'da-sf:s3cret:with-colon' })
    t.equal(credentials.authorization, login, 'username:password as HTTP Basic (the password may hold a colon)')
    const adapter = ecf4SoapAdapter(entry, credentials)
    const wrong = ecf4SoapAdapter(entry, courtCredentials(entry, { CLEARFILE_TEST_VENDOR_LOGIN: 'da-sf:guess' }))
    const none = ecf4SoapAdapter(entry)
    t.teardown(() => Promise.all([adapter.close(), wrong.close(), none.close()]))

    const receipt = await adapter.submit({ filingId: 'F-auth-1', xml: filingXml('F-auth-1') })
    t.equal((await adapter.status(receipt.courtFilingId)).status, 'received', 'status polls carry it too')
    t.ok(await listed(adapter, 'F-auth-1'), 'and the filing list')
    for (const [name, refused] of [
      ['a wrong password', wrong],
      ['no credentials', none]
    ] as const)
      await t.rejects(
        refused.submit({ filingId: 'F-auth-2', xml: filingXml('F-auth-2') }),
        { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true, ambiguous: false, message: /HTTP 401/ },
        name
      )
    t.same(
      Object.fromEntries(court.submissions()),
      { 'F-auth-1': 1 },
      'only the authenticated filing reached the court'
    )

    const token = courtCredentials(
      { ...entry, credentialsRef: undefined, bearerTokenRef: 'CLEARFILE_TEST_TOKEN' },
      { CLEARFILE_TEST_TOKEN: 'tok-123\n' }
    )
    t.same(token, { authorization: 'Bearer tok-123' }, 'a token as a bearer, its trailing newline dropped')
  }
)

t.test(
  "a court that requires mutual TLS takes filings from the DA office's certificate and refuses a connection without one",
  async (t) => {
    const certs = certificates()
    const court = await startSimulatedCourt({
      reviewDelayMs: 60_000,
      acceptRate: 1,
      tls: { cert: certs.read('server.crt'), key: certs.read('server.key'), ca: certs.read('test-ca.crt') }
    })
    t.teardown(() => court.close())
    t.match(court.url, /^https:/)
    const entry = {
      id: 'CA-SIM',
      name: 'Superior Court of California (simulated)',
      county: 'SAN FRANCISCO',
      adapter: 'ecf4-soap',
      endpoint: court.url,
      limits: { timeoutMs: 2000 },
      clientCertificate: {
        certFile: join(certs.dir, 'filer.crt'),
        keyFile: join(certs.dir, 'filer.key'),
        caFile: join(certs.dir, 'test-ca.crt')
      }
    }
    const adapter = ecf4SoapAdapter(entry, courtCredentials(entry, {}))
    const stranger = ecf4SoapAdapter(entry, {
      tls: { cert: certs.read('stranger.crt'), key: certs.read('stranger.key'), ca: certs.read('test-ca.crt') }
    })
    const bare = ecf4SoapAdapter(entry, { tls: { ca: certs.read('test-ca.crt') } as never })
    t.teardown(() => Promise.all([adapter.close(), stranger.close(), bare.close()]))
    const receipt = await adapter.submit({ filingId: 'F-tls-1', xml: filingXml('F-tls-1') })
    t.match(receipt.courtFilingId, /^SIM-/)
    t.equal((await adapter.status(receipt.courtFilingId)).status, 'received')
    for (const [name, refused] of [
      ['a certificate of another CA', stranger],
      ['no certificate', bare]
    ] as const)
      await t.rejects(
        refused.submit({ filingId: 'F-tls-2', xml: filingXml('F-tls-2') }),
        { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true },
        name
      )
    t.same(Object.fromEntries(court.submissions()), { 'F-tls-1': 1 }, 'only the filing over mutual TLS arrived')
  }
)

t.test(
  "a court's request limit spaces the requests: six at five a second cannot all go in the first second",
  async (t) => {
    const court = await startSimulatedCourt({ reviewDelayMs: 60_000, acceptRate: 1 })
    const limited = ecf4SoapAdapter({
      id: 'CA-SIM',
      name: 'Superior Court of California (simulated)',
      county: 'SAN FRANCISCO',
      adapter: 'simulator',
      endpoint: court.url,
      limits: { timeoutMs: 5000, requestsPerSecond: 5 }
    })
    t.teardown(async () => {
      await limited.close()
      await court.close()
    })
    const started = performance.now()
    const receipt = await limited.submit({ filingId: 'F-rate', xml: filingXml('F-rate') })
    const answers = await Promise.all(Array.from({ length: 5 }, () => limited.status(receipt.courtFilingId)))
    t.ok(answers.every((a) => a.status === 'received'))
    // A bucket of five: the sixth request waits for a token, a fifth of a second after the start at the least.
    t.ok(performance.now() - started >= 190, `${(performance.now() - started).toFixed(0)} ms for six requests`)
  }
)

t.test(
  "a server answering for several courts lists each court's own filings, and its clerk's report names each ruled filing once",
  async (t) => {
    const { adapter, court } = await setup(t)
    const alameda = ecf4SoapAdapter({
      id: 'CA-ALAMEDA',
      name: 'Superior Court of California, County of Alameda',
      county: 'ALAMEDA',
      adapter: 'simulator',
      endpoint: court.url
    })
    t.teardown(() => alameda.close())
    const ours = await adapter.submit({ filingId: 'F-SIM-1', xml: filingXml('F-SIM-1') })
    const theirs = await alameda.submit({
      filingId: 'F-ALA-1',
      xml: reviewFilingXml('F-ALA-1', motion, undefined, undefined, 'CA-ALAMEDA')
    })
    const since = new Date(Date.now() - 60_000)
    t.same(
      (await adapter.listStatuses!(since)).map((f) => f.courtFilingId),
      [ours.courtFilingId],
      "CA-SIM's list holds its own filing only"
    )
    t.same(
      (await alameda.listStatuses!(since)).map((f) => f.courtFilingId),
      [theirs.courtFilingId],
      "CA-ALAMEDA's list holds its own filing only"
    )
    const report = async (query: string) =>
      (await fetch(new URL(`/simulator/outcome-report${query}`, court.url))).text()
    t.equal(await report('?court=CA-ALAMEDA'), 'court_filing_id,case_number,ruling,order_date\n', 'nothing ruled yet')
    await sleep(200)
    const today = new Date().toISOString().slice(0, 10)
    t.equal(
      await report('?court=CA-ALAMEDA'),
      `court_filing_id,case_number,ruling,order_date\n${theirs.courtFilingId},SCN123456,granted,${today}\n`,
      "the clerk's report of one court, once ruled"
    )
    t.equal((await report('')).trim().split('\n').length, 3, 'without a court: every ruled filing')
    t.equal(
      (await adapter.status(ours.courtFilingId)).status,
      'accepted',
      'the court answers from the filing it kept (its PDFs by hash)'
    )
  }
)
