import fc from 'fast-check'
import t from 'tap'
import { renderMotion, renderProposedOrder } from '../../src/documents/court-papers.js'
import {
  buildReviewFilingRequest,
  NS,
  type ReviewFilingInput,
  reviewFilingRequestParts,
  withDocumentBytes,
  withoutDocumentBytes
} from '../../src/ecf/messages.js'
import { parseCourtXml } from '../../src/ecf/parse.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { packet } from '../documents/fixtures.js'

async function filing(name: string, counts: number, confidential = true): Promise<ReviewFilingInput> {
  return {
    filingId: '0192e0d2-7c1a-7000-8000-000000000001',
    callbackUrl: 'https://clearfile.example.gov/ecf/v4/FilingAssemblyMDE',
    submittedAt: '2026-11-28T12:00:00.000Z',
    court: { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' },
    case: { title: `People v. ${name}`, docketId: 'SCN123456' },
    defendant: { name, dob: '1970-02-03' },
    counts: Array.from({ length: counts }, (_, i) => ({
      sequence: i + 1,
      statute: i % 2 ? 'HS 11357(b)' : 'HS 11359',
      description: 'Prop 64 count',
      offenseDate: '2010-05-01'
    })),
    attorney: { barNumber: '654321', name: 'Jordan Sample' },
    payer: 'Office of the District Attorney, City and County of San Francisco',
    payerAddress: ['350 Rhode Island Street, North Building', 'San Francisco, California 94103'],
    confidential,
    documents: [
      {
        role: 'lead',
        description: "People's motion (Health & Saf. Code, § 11361.8)",
        registerAction: 'Motion',
        pdf: (await renderMotion(packet(name))).bytes
      },
      {
        role: 'connected',
        description: '[Proposed] order',
        registerAction: 'Proposed Order',
        pdf: (await renderProposedOrder(packet(name))).bytes
      }
    ]
  }
}

t.test(
  'a ReviewFilingRequestMessage with the motion, the proposed order and the fee exemption validates against the OASIS schemas',
  async (t) => {
    const xml = buildReviewFilingRequest(await filing('GARCIA, MARIA', 2))
    t.same(ecfProblems(xml), [])
    t.match(
      xml,
      /<nc:IdentificationID>0192e0d2-7c1a-7000-8000-000000000001<\/nc:IdentificationID><nc:IdentificationCategoryText>clearfile filing id/
    )
    t.match(xml, /core:FilingConfidentialityIndicator>true/)
    t.match(xml, /Gov\. Code, § 6103/)
    t.match(xml, /<nc:BinaryDescriptionText>application\/pdf<\/nc:BinaryDescriptionText>/)
  }
)

t.test('Unicode names and 30-count cases validate too', async (t) => {
  for (const name of ['Nguyễn Văn Thành', "Zoë O'Brien-Łukasiewicz", 'José Núñez']) {
    t.same(ecfProblems(buildReviewFilingRequest(await filing(name, 30, false))), [], name)
  }
})

t.test(
  "a message's documents go into it byte for byte, and libxml2 holds it valid with them as it does without them",
  async (t) => {
    const base = await filing('GARCIA, MARIA', 2)
    // Any bytes, of every length modulo 3 (the base64 padding), the empty document among them.
    const documents = fc.tuple(fc.uint8Array({ maxLength: 3_000 }), fc.uint8Array({ maxLength: 3_000 }))
    fc.assert(
      fc.property(documents, ([motion, order]) => {
        const input: ReviewFilingInput = {
          ...base,
          // The order given first: what is put in goes by document order, lead first.
          documents: [
            { ...base.documents[1]!, pdf: order },
            { ...base.documents[0]!, pdf: motion }
          ]
        }
        const { withoutBytes, whole } = reviewFilingRequestParts(input)
        const xml = whole()
        t.equal(xml, buildReviewFilingRequest(input))
        t.equal(
          withoutDocumentBytes(xml),
          withoutBytes,
          'the message without its bytes is the message built without them'
        )
        t.same(ecfProblems(xml), [], 'valid whole')
        t.same(ecfProblems(withoutBytes), [], 'valid without the bytes')
        const read = parseCourtXml(xml, (doc) =>
          doc.root
            .find('//nc:BinaryBase64Object', { nc: NS.nc })
            .map((n) => ({ bytes: Buffer.from(n.content, 'base64'), text: n.content }))
        )
        t.equal(read.length, 2)
        t.same([...read[0]!.bytes], [...motion], 'the lead document is the motion')
        t.same([...read[1]!.bytes], [...order], 'the connected document is the order')
        t.ok(read.every((r) => /^[A-Za-z0-9+/]*={0,2}$/.test(r.text)))
      }),
      { numRuns: 60 }
    )
    t.throws(
      () =>
        withDocumentBytes(reviewFilingRequestParts(base).withoutBytes, [
          new Uint8Array(1),
          new Uint8Array(1),
          new Uint8Array(1)
        ]),
      /fewer documents/,
      'more documents than the message has places for is a mistake, not a message'
    )
  }
)

t.test('a message that would not validate is caught before it is sent, naming the element', async (t) => {
  const xml = buildReviewFilingRequest(await filing('GARCIA, MARIA', 1)).replace(
    /<criminal:ChargeAmendedIndicator>false<\/criminal:ChargeAmendedIndicator>/,
    ''
  )
  const problems = ecfProblems(xml)
  t.ok(problems.length > 0)
  t.match(problems[0]!.message, /CaseCharge|ChargeAmendedIndicator/)
})

t.test(
  'the queries clearfile sends and the answers the simulated court gives validate against the OASIS schemas',
  async (t) => {
    const {
      buildFilingStatusQuery,
      buildFilingListQuery,
      buildMessageReceipt,
      buildFilingStatusResponse,
      buildFilingListResponse
    } = await import('../../src/ecf/messages.js')
    const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }
    const filing = { courtFilingId: 'SIM-000001', filingId: 'F-1' }
    const messages = {
      statusQuery: buildFilingStatusQuery({
        sender: 'https://clearfile.example/ecf',
        submitter: 'clearfile',
        court,
        courtFilingId: 'SIM-000001'
      }),
      listQuery: buildFilingListQuery({
        sender: 'https://clearfile.example/ecf',
        submitter: 'clearfile',
        court,
        from: '2026-11-01',
        to: '2026-11-28'
      }),
      listQueryInOneCase: buildFilingListQuery({
        sender: 'https://clearfile.example/ecf',
        submitter: 'clearfile',
        court,
        caseTrackingId: 'SCN123456',
        from: '2026-11-01',
        to: '2026-11-28'
      }),
      receipt: buildMessageReceipt({ sender: 'https://court.example', court, filing, errors: [] }),
      failedReceipt: buildMessageReceipt({
        sender: 'https://court.example',
        court,
        filing: null,
        errors: [{ code: '-1', text: 'Invalid message' }]
      }),
      status: buildFilingStatusResponse({
        sender: 'https://court.example',
        court,
        filing,
        status: 'accepted',
        description: 'ruling: granted'
      }),
      list: buildFilingListResponse({
        sender: 'https://court.example',
        court,
        filings: [{ ...filing, status: 'received', description: null }]
      }),
      listWithoutFilerIds: buildFilingListResponse({
        sender: 'https://court.example',
        court,
        filings: [
          {
            courtFilingId: 'SIM-000002',
            filingId: null,
            status: 'accepted',
            description: 'granted',
            receivedAt: '2026-11-28T12:00:00.000Z',
            submitterId: 'da-sf',
            caseTrackingId: 'SCN123456'
          }
        ]
      })
    }
    for (const [name, xml] of Object.entries(messages)) t.same(ecfProblems(xml), [], name)
    const { parseFilingListResponse } = await import('../../src/ecf/parse.js')
    t.same(parseFilingListResponse(messages.listWithoutFilerIds).filings, [
      {
        courtFilingId: 'SIM-000002',
        filingId: null,
        status: 'accepted',
        statusText: 'granted',
        caseTrackingId: 'SCN123456',
        receivedAt: '2026-11-28T12:00:00.000Z',
        submitterId: 'da-sf'
      }
    ])
  }
)
