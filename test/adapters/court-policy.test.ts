import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { ecf4SoapAdapter } from '../../adapters/ecf4-soap/adapter.js'
import {
  buildCourtPolicyResponse,
  buildFeesCalculationResponse,
  buildGenericode,
  type CourtPolicyInput
} from '../../src/ecf/messages.js'
import { operationOf, soapEnvelope } from '../../src/ecf/soap.js'
import { reviewFilingXml } from '../ecf/review-filing.js'

/*
 * GetPolicy and GetFeesCalculation through the ecf4-soap adapter against a court that is not ours: code lists at
 * its own origin behind its login, elsewhere, missing, not genericode, too large, not URLs; answers with errors or
 * nonsense. Every failure is typed (a list that cannot be had is retryable; a refusal is not), no credential goes
 * to another origin.
 */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

async function server(t: Test, handle: Handler): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = []
  const s = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    seen.push(req)
    handle(req, res, Buffer.concat(chunks).toString('utf8'))
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => s.close(resolve)))
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen }
}

const court = { id: 'CA-SIM', name: 'Superior Court of California (simulated)' }
const policyOf = (codeLists: CourtPolicyInput['codeLists'], operations = ['ReviewFiling', 'GetPolicy']) =>
  soapEnvelope(
    buildCourtPolicyResponse({
      sender: 'http://court',
      court,
      policy: {
        versionId: '9',
        updatedAt: '2026-11-01T08:00:00.0Z',
        effectiveDate: '2026-11-01',
        codeLists,
        operations,
        caseTypes: ['Criminal'],
        acceptsConfidential: true,
        feesMayApply: true
      }
    })
  )
const LOGIN = `Basic ${Buffer.from('da-sf:pw').toString('base64')}`

/** A court at `url` whose GetPolicy answer is `policy` (and fee answer `fees`), behind a vendor login. */
async function courtWith(t: Test, answer: (op: string | undefined) => string, codeLists?: Handler) {
  const at = await server(t, (req, res, body) => {
    if (req.method === 'GET') {
      if (req.headers.authorization !== LOGIN) {
        res.writeHead(401).end()
        return
      }
      return codeLists ? codeLists(req, res, body) : res.writeHead(404).end()
    }
    res
      .writeHead(200, { 'content-type': 'text/xml' })
      .end(answer(operationOf(req.headers.soapaction as string | undefined)))
  })
  const adapter = ecf4SoapAdapter(
    { id: court.id, name: court.name, county: 'SAN FRANCISCO', adapter: 'ecf4-soap', endpoint: `${at.url}/ecf` },
    { authorization: LOGIN }
  )
  t.teardown(() => adapter.close())
  return { adapter, url: at.url, seen: at.seen }
}

t.test(
  "the court's own code lists are fetched with its login, another origin's without it, OASIS's from the shipped copy",
  async (t) => {
    const elsewhere = await server(t, (_req, res) =>
      res.writeHead(200).end(buildGenericode({ shortName: 'cat', version: '1', codes: ['criminal'] }))
    )
    let url = ''
    const c = await courtWith(
      t,
      () =>
        policyOf([
          { element: 'j:RegisterActionDescriptionText', uri: `${url}/codes/docket?v=3` },
          { element: 'nc:CaseCategoryText', uri: `${elsewhere.url}/cat.gc` },
          {
            element: 'ecf:CaseParticipantRoleCode',
            uri: 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:CaseParticipantRoleCode-4.0'
          }
        ]),
      (req, res) =>
        res.writeHead(200).end(buildGenericode({ shortName: 'docket', version: '3', codes: [`MOT ${req.url}`] }))
    )
    url = c.url
    const policy = await c.adapter.policy!()
    t.equal(policy.versionId, '9')
    t.same(
      policy.codeLists.map((l) => [l.element, l.codes.length]),
      [
        ['j:RegisterActionDescriptionText', 1],
        ['nc:CaseCategoryText', 1],
        ['ecf:CaseParticipantRoleCode', 23]
      ]
    )
    t.same(policy.codeLists[0]!.codes, ['MOT /codes/docket?v=3'], 'path and query as the policy gave them')
    t.equal(elsewhere.seen[0]!.headers.authorization, undefined, "the court's login stays with the court")
  }
)

t.test('a code list that cannot be had fails the policy, retryably, naming the list and why', async (t) => {
  const cases: Array<[string, (base: string) => string, RegExp]> = [
    ['missing', (b) => `${b}/codes/none`, /codes\/none: HTTP 404/],
    ['not genericode', (b) => `${b}/codes/html`, /not a genericode list/],
    ['too large', (b) => `${b}/codes/huge`, /larger than 33554432 bytes/],
    ['not a URL', () => 'docket codes', /not a URL/],
    ['not HTTP', () => 'ftp://court.example/codes', /not an HTTP\(S\) URL/],
    [
      'an OASIS list that does not exist',
      () => 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:NoSuchCode',
      /not an OASIS ECF 4\.01 code list/
    ],
    [
      'an OASIS name that is a path',
      () => 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:../../../etc/passwd',
      /not an OASIS ECF 4\.01 code list/
    ],
    ['a server that is not there', () => 'http://127.0.0.1:1/codes', /ECONNREFUSED/]
  ]
  for (const [name, uri, why] of cases) {
    let base = ''
    const c = await courtWith(
      t,
      () => policyOf([{ element: 'j:RegisterActionDescriptionText', uri: uri(base) }]),
      (req, res) => {
        if (req.url === '/codes/html') return res.writeHead(200).end('<html><body>Maintenance</body></html>')
        if (req.url === '/codes/huge') {
          res.writeHead(200)
          const mib = Buffer.alloc(1024 * 1024, 32)
          for (let i = 0; i < 40; i++) res.write(mib)
          return res.end()
        }
        res.writeHead(404).end()
      }
    )
    base = c.url
    await t.rejects(
      c.adapter.policy!(),
      { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true, message: why },
      name
    )
  }
})

t.test('a policy the court answers with an error is a refusal; one that is not XML may be tried again', async (t) => {
  const refused = await courtWith(t, () =>
    soapEnvelope(
      policyOf([])
        .replace(/^.*<soap:Body>|<\/soap:Body>.*$/g, '')
        .replace(
          '<ecf:ErrorCode>0</ecf:ErrorCode><ecf:ErrorText>No error</ecf:ErrorText>',
          '<ecf:ErrorCode>3</ecf:ErrorCode><ecf:ErrorText>Not authorized for policy</ecf:ErrorText>'
        )
    )
  )
  await t.rejects(refused.adapter.policy!(), {
    code: 'CLEARFILE_ERR_COURT_REJECTED',
    retryable: false,
    courtCode: '3',
    message: /GetPolicy: 3 Not authorized for policy/
  })
  const garbled = await courtWith(t, () => '<soap:Envelope><unclosed>')
  await t.rejects(garbled.adapter.policy!(), { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true })
})

t.test('a fee calculation is read as the court writes it; an amount that is not one is not taken', async (t) => {
  const xml = reviewFilingXml('F-fee-1', Buffer.from('%PDF-1.7'))
  const fees = (amount: string, errors?: Array<{ code: string; text: string }>) =>
    soapEnvelope(
      buildFeesCalculationResponse({
        sender: 'http://court',
        court,
        amount,
        currency: 'USD',
        ...(errors ? { errors } : {})
      })
    )
  const answers = [fees('0.00'), fees('60'), fees('sixty'), fees('0.00', [{ code: '7', text: 'No such case' }])]
  const c = await courtWith(t, (op) => {
    if (op !== 'GetFeesCalculation') return policyOf([])
    return answers.shift()!
  })
  const first = await c.adapter.feesCalculation!({ filingId: 'F-fee-1', xml })
  t.same(first, { amount: '0.00', currency: 'USD' })
  t.same(await c.adapter.feesCalculation!({ filingId: 'F-fee-1', xml }), { amount: '60', currency: 'USD' })
  await t.rejects(c.adapter.feesCalculation!({ filingId: 'F-fee-1', xml }), {
    code: 'CLEARFILE_ERR_COURT_UNAVAILABLE',
    message: /an amount that is not one: sixty/
  })
  await t.rejects(c.adapter.feesCalculation!({ filingId: 'F-fee-1', xml }), {
    code: 'CLEARFILE_ERR_COURT_REJECTED',
    retryable: false,
    message: /GetFeesCalculation: 7 No such case/
  })
  t.equal(c.seen.length, 4, 'one request each')
})
