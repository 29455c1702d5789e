import fc from 'fast-check'
import t from 'tap'
import {
  buildCourtPolicyQuery,
  buildCourtPolicyResponse,
  buildFeesCalculationResponse,
  buildFilingListQuery,
  buildFilingListResponse,
  buildFilingStatusQuery,
  buildFilingStatusResponse,
  buildGenericode,
  buildMessageReceipt,
  buildReviewCompleteNotification,
  reviewFilingRequestParts
} from '../../src/ecf/messages.js'
import { parseMessageReceipt } from '../../src/ecf/parse.js'
import { withoutTemplates, xmlMessage } from '../../src/ecf/xml-writer.js'

/*
 * Every message is written from a template of its shape (xml-writer.ts). xmlbuilder2 building the message itself is
 * the judge: for any values, the two must be the same bytes.
 */

// Text a court or a DA system could send, and text made to break an escaper: markup, quotes, references that are and
// are not entities (xmlbuilder2 leaves `&amp;` and `&#38;` as they are), the markers the templates use, astral letters.
const tricky = fc.constantFrom(
  '&',
  '<',
  '>',
  '"',
  "'",
  '&amp;',
  '&#38;',
  '&#x26;',
  '&lt;b&gt;',
  '&nbsp;',
  '& amp;',
  ']]>',
  '\uE000',
  '\uE0010\uE001',
  '\uE0003\uE001',
  '𝔘',
  '\t\r\n',
  ''
)
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.array(fc.oneof(tricky, fc.string({ maxLength: 3 })), { maxLength: 5 }).map((a) => a.join(''))
)
const court = fc.record({ id: value, name: value })
const ids = fc.record({ courtFilingId: value, filingId: fc.option(value, { nil: null }) })
const errors = fc.array(fc.record({ code: value, text: value }), { maxLength: 3 })
const counts = fc.array(
  fc.record({
    sequence: fc.nat(40),
    statute: value,
    description: value,
    offenseDate: fc.option(value, { nil: null })
  }),
  { minLength: 1, maxLength: 4 }
)
const caseOfFiling = fc.record({
  case: fc.record(
    { title: value, docketId: value, trackingId: value, category: value },
    { requiredKeys: ['title', 'docketId'] }
  ),
  court,
  defendant: fc.record(
    { name: value, dob: fc.option(value, { nil: null }), roleCode: value },
    { requiredKeys: ['name', 'dob'] }
  ),
  counts
})

/** Each builder with its inputs, its output twice by template (the first makes it, the second reads it) and once by xmlbuilder2. */
const builders: Array<[string, fc.Arbitrary<() => string>]> = [
  [
    'MessageReceiptMessage',
    fc
      .record({ sender: value, court, filing: fc.option(ids, { nil: null }), errors })
      .map((r) => () => buildMessageReceipt(r))
  ],
  [
    'FilingStatusQueryMessage',
    fc
      .record({ sender: value, submitter: value, court, courtFilingId: value })
      .map((q) => () => buildFilingStatusQuery(q))
  ],
  [
    'FilingListQueryMessage',
    fc
      .record(
        { sender: value, submitter: value, court, caseTrackingId: value, from: value, to: value },
        { requiredKeys: ['sender', 'submitter', 'court', 'from', 'to'] }
      )
      .map((q) => () => buildFilingListQuery(q))
  ],
  [
    'FilingStatusResponseMessage',
    fc
      .record({ sender: value, court, filing: ids, status: value, description: fc.option(value, { nil: null }) })
      .map((r) => () => buildFilingStatusResponse(r))
  ],
  [
    'FilingListResponseMessage',
    fc
      .record({
        sender: value,
        court,
        filings: fc.array(
          fc.record(
            {
              courtFilingId: value,
              filingId: fc.option(value, { nil: null }),
              status: value,
              description: fc.option(value, { nil: null }),
              receivedAt: value,
              submitterId: fc.option(value, { nil: null }),
              caseTrackingId: value
            },
            { requiredKeys: ['courtFilingId', 'filingId', 'status', 'description'] }
          ),
          { maxLength: 4 }
        )
      })
      .map((r) => () => buildFilingListResponse(r))
  ],
  [
    'CourtPolicyQueryMessage',
    fc.record({ sender: value, submitter: value, court }).map((q) => () => buildCourtPolicyQuery(q))
  ],
  [
    'CourtPolicyResponseMessage',
    fc
      .record({
        sender: value,
        court,
        policy: fc.record(
          {
            versionId: value,
            updatedAt: value,
            effectiveDate: value,
            codeLists: fc.array(fc.record({ element: value, uri: value }), { maxLength: 3 }),
            operations: fc.array(value, { maxLength: 3 }),
            caseTypes: fc.array(value, { maxLength: 3 }),
            acceptsConfidential: fc.boolean(),
            maxAttachmentBytes: fc.nat(),
            maxMessageBytes: fc.nat(),
            feesMayApply: fc.boolean()
          },
          {
            requiredKeys: [
              'versionId',
              'updatedAt',
              'effectiveDate',
              'codeLists',
              'operations',
              'caseTypes',
              'acceptsConfidential',
              'feesMayApply'
            ]
          }
        )
      })
      .map((r) => () => buildCourtPolicyResponse(r))
  ],
  [
    'genericode CodeList',
    fc
      .record({ shortName: value, version: value, codes: fc.array(value, { maxLength: 4 }) })
      .map((l) => () => buildGenericode(l))
  ],
  [
    'FeesCalculationResponseMessage',
    fc
      .record(
        { sender: value, court, amount: value, currency: value, errors },
        { requiredKeys: ['sender', 'court', 'amount', 'currency'] }
      )
      .map((r) => () => buildFeesCalculationResponse(r))
  ],
  [
    'NotifyFilingReviewCompleteRequestMessage',
    fc
      .record({
        sender: value,
        filing: ids,
        case: caseOfFiling,
        status: value,
        description: fc.option(value, { nil: null }),
        reviewedAt: value,
        documents: fc.array(
          fc.record({
            role: fc.constantFrom('lead' as const, 'connected' as const),
            description: value,
            registerAction: value,
            attorneyId: value,
            hash: value,
            docketId: fc.option(value, { nil: null }),
            sealed: fc.boolean()
          }),
          { maxLength: 3 }
        ),
        payer: value
      })
      .map((n) => () => buildReviewCompleteNotification(n))
  ],
  [
    'ReviewFilingRequestMessage (without its bytes)',
    fc
      .record({
        filingId: value,
        callbackUrl: value,
        submittedAt: value,
        caseOfFiling,
        attorney: fc.record({ barNumber: value, name: value }),
        submitterId: fc.option(value, { nil: undefined }),
        payer: value,
        payerAddress: fc.array(value, { maxLength: 3 }),
        confidential: fc.boolean(),
        documents: fc.array(fc.record({ description: value, registerAction: value, size: fc.nat(9) }), { maxLength: 2 })
      })
      .map((f) => () => {
        const { caseOfFiling: c, documents, submitterId, ...rest } = f
        return reviewFilingRequestParts({
          ...rest,
          ...c,
          ...(submitterId === undefined ? {} : { submitterId }),
          documents: [{ description: 'lead', registerAction: 'Motion', size: 3 }, ...documents].map((d, i) => ({
            role: i === 0 ? ('lead' as const) : ('connected' as const),
            description: d.description,
            registerAction: d.registerAction,
            pdf: new Uint8Array(d.size)
          }))
        }).withoutBytes
      })
  ]
]

for (const [name, arbitrary] of builders) {
  t.test(
    `a ${name} written from its template is byte for byte what xmlbuilder2 writes, whatever its values`,
    async (t) => {
      fc.assert(
        fc.property(arbitrary, (write) => {
          const direct = withoutTemplates(write)
          t.equal(write(), direct)
          t.equal(write(), direct)
        }),
        { numRuns: 150 }
      )
    }
  )
}

t.test('values that look like markup or markers stay text when read back', async (t) => {
  const names = ['A & B <c> "d"', '\uE0000\uE001', '&amp;', 'O\u2019Brien']
  for (const name of names) {
    const receipt = () =>
      buildMessageReceipt({
        sender: 'https://court.example/efm',
        court: { id: 'CA-SF', name },
        filing: { courtFilingId: name, filingId: null },
        errors: []
      })
    const xml = receipt()
    t.equal(xml, withoutTemplates(receipt))
    // xmlbuilder2 leaves a `&` that starts a reference as it is, so `&amp;` reads back as `&`; the template does the same.
    t.equal(parseMessageReceipt(xml).identifications[0]?.id, name === '&amp;' ? '&' : name, name)
  }
})

t.test(
  'a shape is its elements and namespace declarations: the same names in another namespace are another message',
  async (t) => {
    const write = (ns: string, declared: string) => {
      const root = xmlMessage(ns, 'Message')
      root.att('http://www.w3.org/2000/xmlns/', 'xmlns:x', declared)
      root.ele(declared, 'x:Part').att('id', 'p1').txt('one')
      return root.end()
    }
    for (const [ns, declared] of [
      ['urn:a', 'urn:x'],
      ['urn:b', 'urn:x'],
      ['urn:a', 'urn:y']
    ] as const) {
      const xml = write(ns, declared)
      t.equal(
        xml,
        withoutTemplates(() => write(ns, declared))
      )
      t.match(xml, `<Message xmlns="${ns}" xmlns:x="${declared}"><x:Part id="p1">one</x:Part></Message>`)
    }
  }
)

t.test('a namespace declaration holding what looks like a marker is written as xmlbuilder2 writes it', async (t) => {
  const write = () => {
    const root = xmlMessage('urn:a', 'Message')
    root.att('http://www.w3.org/2000/xmlns/', 'xmlns:x', 'urn:x:\uE0001\uE001')
    root.ele('urn:x:\uE0001\uE001', 'x:Part').txt('one')
    return root.end()
  }
  for (let i = 0; i < 2; i++) t.equal(write(), withoutTemplates(write))
  t.match(write(), '<x:Part>one</x:Part>')
})

// Last: it fills the shapes kept, after which no message is written from a template.
t.test(
  'a message too long for a template, and shapes past the ones kept, are written by xmlbuilder2 as they were',
  async (t) => {
    const filings = Array.from({ length: 120 }, (_, i) => ({
      courtFilingId: `SIM-${i}`,
      filingId: i % 3 ? `f-${i} & <${i}>` : null,
      status: 'accepted',
      description: i % 2 ? 'ruling: granted' : null,
      receivedAt: '2026-12-05T03:00:00.000Z'
    }))
    const list = () =>
      buildFilingListResponse({ sender: 'https://court.example/efm', court: { id: 'CA-SF', name: 'SF' }, filings })
    t.equal(list(), withoutTemplates(list))
    // 700 shapes, each another element name: more than are kept, all of them right the first time and the second.
    const shape = (i: number) => {
      const root = xmlMessage('urn:shapes', `Shape${i}`)
      root.ele('urn:shapes', 'Value').att('n', `"${i}"`).txt(`<${i}>`)
      return root.end()
    }
    const wrong: string[] = []
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 700; i++) {
        const xml = shape(i)
        const expected = `<?xml version="1.0" encoding="UTF-8"?><Shape${i} xmlns="urn:shapes"><Value n="&quot;${i}&quot;">&lt;${i}&gt;</Value></Shape${i}>`
        if (xml !== expected) wrong.push(xml)
      }
    t.same(wrong, [])
    t.equal(
      shape(699),
      withoutTemplates(() => shape(699))
    )
  }
)
