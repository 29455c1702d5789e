import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  parseCourtPolicyResponse,
  parseFilingListResponse,
  parseFilingStatusResponse,
  parseMessageReceipt,
  parseReviewFilingCallback,
  parseReviewFilingRequest,
  refuseDocumentType,
  soapFault
} from '../../src/ecf/parse.js'
import { rulingOfText } from '../../src/ecf/ruling-text.js'
import { matchSubmission } from '../../src/filing/submission-match.js'
import { ECF_DIR, ecfProblems } from '../../src/ecf/validator.js'
import {
  buildFilingListResponse,
  buildMessageReceipt,
  buildReviewCompleteNotification,
  unvalidatedFilingRequest
} from '../../src/ecf/messages.js'
import { soapFaultEnvelope } from '../../src/ecf/soap.js'
import { filingRequestInput } from './review-filing.js'

const sample = (name: string) => readFileSync(join(ECF_DIR(), 'xml', name))

t.test('the OASIS callback sample reads as an accepted review with its documents, hashes and docket ids', async (t) => {
  const cb = parseReviewFilingCallback(sample('ECF-4.0-ReviewFilingCallbackMessage.xml'))
  t.equal(cb.status, 'accepted')
  t.same(cb.identifications[0], { id: '001-f786e6d6-558c-448f-b249-067002d716a0', category: null })
  t.equal(cb.caseTrackingId, 'CR070123')
  t.same(
    cb.documents.map((d) => [d.role, d.hash]),
    [
      ['lead', '23452345223445324'],
      ['connected', '23452345223445325']
    ]
  )
  t.ok(cb.documents.every((d) => d.docketId !== null))
})

t.test('the OASIS status response reads as accepted with error code 0', async (t) => {
  const status = parseFilingStatusResponse(sample('ECF-4.0-FilingStatusResponseMessage.xml'))
  t.equal(status.status, 'accepted')
  t.same(status.errors, [{ code: '0', text: 'No error' }])
  t.equal(status.identifications[0]!.id, '1001')
})

t.test('a receipt in a SOAP envelope gives the court filing ids and errors, whatever the prefixes', async (t) => {
  const xml = `<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>
    <r:MessageReceiptMessage xmlns:r="urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:MessageReceiptMessage-4.0" xmlns:n="http://niem.gov/niem/niem-core/2.0" xmlns:e="urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:CommonTypes-4.0">
      <n:DocumentIdentification><n:IdentificationID>COURT-42</n:IdentificationID><n:IdentificationCategoryText>FILINGID</n:IdentificationCategoryText></n:DocumentIdentification>
      <e:Error><e:ErrorCode>0</e:ErrorCode><e:ErrorText>No error</e:ErrorText></e:Error>
    </r:MessageReceiptMessage></S:Body></S:Envelope>`
  const receipt = parseMessageReceipt(xml)
  t.same(receipt.identifications, [{ id: 'COURT-42', category: 'FILINGID' }])
  t.ok(receipt.ok)
  const failed = parseMessageReceipt(xml.replace('<e:ErrorCode>0', '<e:ErrorCode>-1'))
  t.notOk(failed.ok)
})

t.test(
  'court XML with a DOCTYPE, an external entity or entity expansion is refused without expanding it',
  async (t) => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><MessageReceiptMessage>&x;</MessageReceiptMessage>'
    t.throws(() => parseMessageReceipt(xxe), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><MessageReceiptMessage>&lol2;</MessageReceiptMessage>'
    t.throws(() => parseMessageReceipt(laughs), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
    t.throws(() => parseMessageReceipt('<MessageReceiptMessage><unclosed></MessageReceiptMessage>'), {
      code: 'CLEARFILE_ERR_ECF_MALFORMED'
    })
  }
)

t.test(
  'a DOCTYPE after a long comment is refused as text and as bytes; UTF-16, where a byte search is blind, is refused too',
  async (t) => {
    const late = `<?xml version="1.0"?><!--${'x'.repeat(5000)}--><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><MessageReceiptMessage>&x;</MessageReceiptMessage>`
    t.throws(() => parseMessageReceipt(late), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
    t.throws(() => refuseDocumentType(Buffer.from(late)), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
    const wide = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(late.replace('<?xml version="1.0"?>', ''), 'utf16le')
    ])
    t.throws(() => refuseDocumentType(wide), { code: 'CLEARFILE_ERR_ECF_MALFORMED' })
    t.throws(
      () => refuseDocumentType(Buffer.from(late, 'utf16le')),
      { code: 'CLEARFILE_ERR_ECF_MALFORMED' },
      'no BOM either'
    )
    t.doesNotThrow(
      () => refuseDocumentType(Buffer.from('\ufeff<a>text &lt;!DOCTYPE is only text</a>')),
      'escaped text is text'
    )
  }
)

t.test(
  'a ruling is read in the words courts use for it, and text that is not a ruling is not taken for one',
  async (t) => {
    const cases: Array<[string, string | null]> = [
      ['granted', 'granted'],
      ['Granted', 'granted'],
      ['GRANTED', 'granted'],
      ['ruling: granted', 'granted'],
      ['ORDER GRANTED', 'granted'],
      ['Motion granted.', 'granted'],
      ['The petition is hereby GRANTED', 'granted'],
      ['denied', 'denied'],
      ['Ruling: DENIED', 'denied'],
      ['partially granted', 'partially_granted'],
      ['ruling: partially granted', 'partially_granted'],
      ['granted in part', 'partially_granted'],
      ['GRANTED IN PART, DENIED IN PART', 'partially_granted'],
      ['granted_in_part', 'partially_granted'],
      ['withdrawn', 'withdrawn'],
      ['not granted', null],
      ['no ruling yet', null],
      ['pending', null],
      ['accepted', null],
      ['granted; denied', null],
      ['', null],
      ['Filing accepted by clerk; hearing on the motion to be set, may be granted at a later date', null]
    ]
    for (const [text, expected] of cases) t.equal(rulingOfText(text), expected, JSON.stringify(text))
  }
)

t.test(
  "the OASIS filing list sample (a court that returns no filing id of the filer's) reads with the court's id, case and submitter, and is matched to our filing by its case when we are that submitter",
  async (t) => {
    const { filings } = parseFilingListResponse(sample('ECF-4.0-FilingListResponseMessage.xml'))
    t.same(filings, [
      {
        courtFilingId: '1021',
        filingId: null,
        status: 'accepted',
        statusText: 'accepted without modification',
        caseTrackingId: 'KC-2008-1001',
        receivedAt: null,
        submitterId: '1001'
      }
    ])
    const listed = filings.map((f) => ({ ...f, courtFilingId: f.courtFilingId!, status: f.status!, ruling: null }))
    const lookup = { filingId: 'F-1', caseNumbers: ['KC-2008-1001'], since: new Date('2008-01-01') }
    const nothingElse = { claimed: new Set<string>(), unsettledInCase: 0 }
    const asFiler = (filerId: string) => ({ echoesFilerIds: false, filerId, filings: listed })
    t.match(matchSubmission(lookup, asFiler('1001'), nothingElse), {
      kind: 'found',
      by: 'case',
      status: { courtFilingId: '1021' }
    })
    t.same(
      matchSubmission({ ...lookup, caseNumbers: ['KC-2008-1002'] }, asFiler('1001'), nothingElse),
      { kind: 'absent' },
      'a filing in another case is not ours'
    )
    t.same(matchSubmission(lookup, asFiler('2002'), nothingElse), { kind: 'absent' }, "nor another filer's")
  }
)

t.test('the first message of its name in the document is read, however deep, and one inside it is not', async (t) => {
  const receipt = (id: string, inner = '') =>
    `<r:MessageReceiptMessage xmlns:r="urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:MessageReceiptMessage-4.0" xmlns:n="http://niem.gov/niem/niem-core/2.0">` +
    `<n:DocumentIdentification><n:IdentificationID>${id}</n:IdentificationID></n:DocumentIdentification>${inner}</r:MessageReceiptMessage>`
  const ids = (xml: string) => parseMessageReceipt(xml).identifications.map((i) => i.id)
  t.same(ids(`<w><x><y>${receipt('FIRST', receipt('INSIDE'))}</y></x>${receipt('SECOND')}</w>`), ['FIRST'])
  t.same(ids(`<w><x/>${receipt('ONLY')}</w>`), ['ONLY'])
  t.same(ids(receipt('ROOT', receipt('INSIDE'))), ['ROOT'], 'the document element itself')
  t.throws(() => parseMessageReceipt('<w><x/></w>'), /no MessageReceiptMessage/)
  t.same(
    soapFault(
      `<a><b><Fault><faultcode>soap:Server</faultcode><faultstring>one</faultstring></Fault></b><Fault><faultstring>two</faultstring></Fault></a>`
    ),
    {
      code: 'soap:Server',
      text: 'one'
    }
  )
})

t.test('court XML given as text reads the same as its UTF-8 bytes, letters outside ASCII included', async (t) => {
  const text = buildMessageReceipt({
    sender: 'https://efile.example.gov/ecf',
    court: { id: 'CA-SF', name: 'Tribunal Superior — Condado de San Francisco' },
    filing: { courtFilingId: 'F-Ñ-1', filingId: 'f-peña' },
    errors: [{ code: '0', text: 'Recibido: José Peña Ibáñez, 12 €, 漢字 ✓' }]
  })
  const fromText = parseMessageReceipt(text)
  t.same(fromText, parseMessageReceipt(Buffer.from(text, 'utf8')))
  t.equal(fromText.errors[0]!.text, 'Recibido: José Peña Ibáñez, 12 €, 漢字 ✓')
  t.same(
    fromText.identifications.map((i) => i.id),
    ['F-Ñ-1', 'f-peña']
  )
  t.same(ecfProblems(text), [], 'and the schemas take it as text')
})

/** A court's own way of writing the same message: its prefixes, its indentation, its comments, its SOAP header. */
const DIALECTS: Record<string, (xml: string) => string> = {
  'prefixes of its own': (xml) => {
    const prefixes = [...xml.matchAll(/xmlns:([A-Za-z_][\w.-]*)=/g)].map((m) => m[1]!)
    return [...new Set(prefixes)].reduce(
      (out, p, i) =>
        out.replace(new RegExp(`(<\\/?|\\sxmlns:|\\s)${p.replace(/\./g, '\\.')}(:|=)`, 'g'), `$1court${i}$2`),
      xml
    )
  },
  indented: (xml) => xml.replace(/></g, '>\n    <'),
  'comments between elements': (xml) => xml.replace(/></g, "><!-- the clerk's note --><"),
  'a SOAP header before the body': (xml) =>
    /Envelope/.test(xml.slice(0, 300))
      ? xml.replace(
          /<([\w]+:)?Body>/,
          '<$1Header><h:Routing xmlns:h="urn:court:routing"><h:Hop>efm-2</h:Hop></h:Routing></$1Header>$&'
        )
      : `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><h:Routing xmlns:h="urn:court:routing"><h:Hop>efm-2</h:Hop></h:Routing></S:Header><S:Body>${xml.replace(/^\s*<\?xml[^>]*\?>\s*/, '')}</S:Body></S:Envelope>`
}

t.test(
  'every message reads the same in any court dialect: its own prefixes, indentation, comments and SOAP header, in every combination',
  async (t) => {
    const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }
    const request = unvalidatedFilingRequest(filingRequestInput({}, 3_000))
    const received = parseReviewFilingRequest(request)
    const messages: Array<[string, string, (xml: string) => unknown]> = [
      [
        'OASIS callback sample',
        sample('ECF-4.0-ReviewFilingCallbackMessage.xml').toString('utf8'),
        parseReviewFilingCallback
      ],
      [
        'our simulated court’s callback',
        buildReviewCompleteNotification({
          sender: 'https://efm.example',
          filing: { courtFilingId: 'SIM-0000001', filingId: 'f-0001' },
          case: received,
          status: 'accepted',
          description: 'ruling: granted in part',
          reviewedAt: '2026-12-01T10:00:00.000Z',
          payer: received.payer,
          documents: received.documents.map((d, i) => ({
            ...d,
            hash: `${i}`.repeat(64),
            docketId: `SIM-0000001-${i + 1}`,
            sealed: true
          }))
        }),
        parseReviewFilingCallback
      ],
      [
        'OASIS status sample',
        sample('ECF-4.0-FilingStatusResponseMessage.xml').toString('utf8'),
        parseFilingStatusResponse
      ],
      [
        'OASIS filing list sample',
        sample('ECF-4.0-FilingListResponseMessage.xml').toString('utf8'),
        parseFilingListResponse
      ],
      [
        'a filing list of three',
        buildFilingListResponse({
          sender: 'https://efm.example',
          court,
          filings: [1, 2, 3].map((n) => ({
            courtFilingId: `SIM-${n}`,
            filingId: n === 2 ? null : `f-${n}`,
            status: n === 3 ? 'rejected' : 'accepted',
            description: n === 1 ? 'ruling: denied' : null,
            receivedAt: `2026-11-0${n}T09:00:00Z`,
            submitterId: n === 1 ? 'DA-SF-0042' : null,
            caseTrackingId: `SCN00${n}`
          }))
        }),
        parseFilingListResponse
      ],
      [
        'a receipt with errors',
        buildMessageReceipt({
          sender: 'https://efm.example',
          court,
          filing: { courtFilingId: 'SIM-9', filingId: 'f-9' },
          errors: [
            { code: '-2', text: 'Register action "Motion" is not used by this court' },
            { code: '7', text: 'a second reason' }
          ]
        }),
        parseMessageReceipt
      ],
      [
        'OASIS policy sample',
        sample('ECF-4.0-CourtPolicyResponseMessage.xml').toString('utf8'),
        parseCourtPolicyResponse
      ],
      ['our ReviewFiling', request, parseReviewFilingRequest],
      ['a SOAP fault', soapFaultEnvelope('soap:Server', 'the docket is closed for maintenance'), soapFault]
    ]
    const names = Object.keys(DIALECTS)
    for (const [what, xml, read] of messages) {
      const expected = read(xml)
      t.ok(expected !== null && JSON.stringify(expected).length > 40, `${what} reads to something`)
      for (let mask = 1; mask < 1 << names.length; mask++) {
        const used = names.filter((_, i) => mask & (1 << i))
        const variant = used.reduce((out, name) => DIALECTS[name]!(out), xml)
        t.same(read(variant), expected, `${what}, ${used.join(', ')}`)
      }
    }
    // And what the court read is what the filing was built from.
    t.same(
      received.counts.map((c) => [c.sequence, c.statute]),
      [
        [1, 'HS 11357'],
        [2, 'HS 11359']
      ]
    )
    t.same(received.defendant, { name: 'GARCIA, MARIA', dob: '1970-02-03' })
    t.equal(received.case.docketId, 'SCN123456')
    t.same(
      received.documents.map((d) => [d.role, d.registerAction, d.pdf.length, d.pdf[0]]),
      [
        ['lead', 'Motion', 3_000, 37],
        ['connected', 'Proposed Order', 1_500, 37]
      ]
    )
  }
)
