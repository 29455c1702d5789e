import t from 'tap'
import { renderMotion } from '../../src/documents/court-papers.js'
import { buildReviewFilingRequest } from '../../src/ecf/messages.js'
import { fromMtom, toMtom } from '../../src/ecf/mtom.js'
import { parseReviewFilingRequest } from '../../src/ecf/parse.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { soapEnvelope } from '../../src/ecf/soap.js'
import { packet } from '../documents/fixtures.js'

const motion = (await renderMotion(packet())).bytes
const order = (await renderMotion(packet('Nguyễn Văn Thành'))).bytes
const envelope = soapEnvelope(
  buildReviewFilingRequest({
    filingId: 'F-MTOM',
    callbackUrl: 'http://127.0.0.1:1/ecf/v4/FilingAssemblyMDE',
    submittedAt: '2026-11-28T12:00:00.000Z',
    court: { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' },
    case: { title: 'People v. GARCIA, MARIA', docketId: 'SCN123456' },
    defendant: { name: 'GARCIA, MARIA', dob: '1970-02-03' },
    counts: [{ sequence: 1, statute: 'HS 11359', description: 'Possession for sale', offenseDate: null }],
    attorney: { barNumber: '654321', name: 'Jordan Sample' },
    payer: 'Office of the District Attorney',
    payerAddress: ['350 Rhode Island Street'],
    confidential: false,
    documents: [
      { role: 'lead', description: "People's motion", registerAction: 'Motion', pdf: motion },
      { role: 'connected', description: '[Proposed] order', registerAction: 'Proposed Order', pdf: order }
    ]
  })
)

t.test('an MTOM package carries each PDF as a binary part and reads back to the very same envelope', async (t) => {
  const mtom = toMtom(envelope)
  t.match(
    mtom.contentType,
    /^multipart\/related; type="application\/xop\+xml"; start="<root\.message@clearfile>"; start-info="text\/xml"; boundary="MIMEBoundary_[0-9a-f]+"$/
  )
  const text = mtom.body.toString('latin1')
  t.equal(
    text.match(
      /<xop:Include xmlns:xop="http:\/\/www\.w3\.org\/2004\/08\/xop\/include" href="cid:attachment\d%40clearfile"\/>/g
    )?.length,
    2
  )
  t.notMatch(text, /JVBERi0/, 'no base64 PDF left in the root part')
  t.ok(mtom.body.includes(Buffer.from(motion)) && mtom.body.includes(Buffer.from(order)), 'the PDFs byte for byte')
  t.ok(mtom.body.length < envelope.length * 0.85, `${mtom.body.length} bytes instead of ${envelope.length}`)
  const back = fromMtom(mtom.body, mtom.contentType)
  t.equal(back, envelope)
  t.same(ecfProblems(back), [])
  const read = parseReviewFilingRequest(back)
  t.same(
    read.documents.map((d) => Buffer.compare(d.pdf, Buffer.from(d.role === 'lead' ? motion : order))),
    [0, 0]
  )
})

t.test('a broken package is refused with a reason, not half read', async (t) => {
  const mtom = toMtom(envelope)
  t.throws(() => fromMtom(mtom.body, 'multipart/related; type="application/xop+xml"'), {
    code: 'CLEARFILE_ERR_ECF_MALFORMED',
    message: /boundary/
  })
  const missing = Buffer.from(
    mtom.body.toString('latin1').replace('Content-ID: <attachment2@clearfile>', 'Content-ID: <other@clearfile>'),
    'latin1'
  )
  t.throws(() => fromMtom(missing, mtom.contentType), {
    code: 'CLEARFILE_ERR_ECF_MALFORMED',
    message: /attachment2%40clearfile/
  })
  t.throws(() => fromMtom(mtom.body.subarray(0, mtom.body.length - 40), mtom.contentType), {
    code: 'CLEARFILE_ERR_ECF_MALFORMED'
  })
})
