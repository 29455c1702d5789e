import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { CourtPolicy } from '../../src/ecf/court-adapter.js'
import { policyProblems } from '../../src/ecf/court-policy.js'
import {
  buildCourtPolicyQuery,
  buildCourtPolicyResponse,
  buildFeesCalculationQuery,
  buildFeesCalculationResponse,
  buildGenericode,
  filingRequestForPapers,
  withoutDocumentBytes
} from '../../src/ecf/messages.js'
import { parseCourtPolicyResponse, parseFeesCalculationResponse, parseGenericode } from '../../src/ecf/parse.js'
import { ECF_DIR, ecfProblems } from '../../src/ecf/validator.js'
import { filingRequestInput } from './review-filing.js'

/*
 * A court's policy (GetPolicy) read as the OASIS samples and genericode lists write it, and a filing checked
 * against it before it is sent: the codes ECF leaves to each court, the sizes and what the court accepts.
 */
const oasis = (path: string) => readFileSync(join(ECF_DIR(), path))
const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }

/** A filing message as the pipeline builds it: one case, two counts to dismiss and seal, the two papers. */
function filingMessage(codes?: Record<string, string>, pdfBytes = 2_000): string {
  return filingRequestForPapers(filingRequestInput(codes, pdfBytes))
}

const participantRoles = parseGenericode(oasis('gc/ECF-4.0-CaseParticipantRoleCode.gc')).codes
/** A court's policy: its own register actions and case categories, OASIS's participant roles. */
function policy(overrides: Partial<CourtPolicy> = {}, registerActions = ['Motion', 'Proposed Order', 'Order']) {
  return {
    versionId: '7',
    codeLists: [
      { element: 'j:RegisterActionDescriptionText', uri: 'https://efm.example/codes/docket', codes: registerActions },
      { element: 'nc:CaseCategoryText', uri: 'https://efm.example/codes/category', codes: ['criminal', 'civil'] },
      {
        element: 'ecf:CaseParticipantRoleCode',
        uri: 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:CaseParticipantRoleCode',
        codes: participantRoles
      }
    ],
    operations: ['ReviewFiling', 'GetFilingStatus', 'GetFilingList', 'GetPolicy'],
    caseTypes: ['Criminal', 'Civil'],
    acceptsConfidential: true,
    maxAttachmentBytes: 10_000_000,
    maxMessageBytes: 100_000_000,
    ...overrides
  } satisfies CourtPolicy
}

t.test("the OASIS CourtPolicyResponse sample reads as King County's policy", async (t) => {
  const p = parseCourtPolicyResponse(oasis('xml/ECF-4.0-CourtPolicyResponseMessage.xml'))
  t.same(p.codeLists, [
    { element: 'j:RegisterActionDescriptionText', uri: 'https://courts.wa.gov:8000/codes/docketcodes' }
  ])
  t.equal(p.operations.length, 13)
  t.ok(p.operations.includes('GetFeesCalculation'))
  t.ok(p.caseTypes.includes('Criminal'))
  t.equal(p.maxAttachmentBytes, 10_000_000)
  t.equal(p.maxMessageBytes, 100_000_000)
  t.equal(p.acceptsConfidential, true)
  t.equal(p.versionId, '1')
  t.same(p.errors, [{ code: '0', text: 'No error' }])
})

t.test('the OASIS FeesCalculationResponse sample reads as USD 100.00', async (t) => {
  const f = parseFeesCalculationResponse(oasis('xml/ECF-4.0-FeesCalculationResponseMessage.xml'))
  t.equal(f.amount, '100.00')
  t.equal(f.currency, 'USD')
})

t.test('every OASIS ECF 4.01 genericode list reads, one code per row', async (t) => {
  const files = readdirSync(join(ECF_DIR(), 'gc')).filter((f) => f.endsWith('.gc'))
  t.ok(files.length >= 15)
  for (const file of files) {
    const xml = oasis(`gc/${file}`).toString('utf8')
    const rows = (xml.match(/<Row>/g) ?? []).length
    const list = parseGenericode(xml)
    t.equal(list.codes.length, rows, file)
    t.ok(list.shortName && file.includes(list.shortName), `${file} is ${list.shortName}`)
  }
  t.ok(participantRoles.includes('Defendant'))
  t.same(parseGenericode(oasis('gc/ECF-4.0-FilingStatusCode.gc')).codes, [
    'received',
    'accepted',
    'partially-accepted',
    'rejected'
  ])
})

t.test("a court's list whose key column is not the first, nor called code, reads its key column", async (t) => {
  const xml = `<?xml version="1.0"?><gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
    <Identification><ShortName>docketcodes</ShortName></Identification>
    <ColumnSet>
      <Column Id="name" Use="required"><ShortName>Name</ShortName></Column>
      <Column Id="docketcode" Use="required"><ShortName>Code</ShortName></Column>
      <Key Id="k"><ShortName>K</ShortName><ColumnRef Ref="docketcode"/></Key>
    </ColumnSet>
    <SimpleCodeList>
      <Row><Value ColumnRef="name"><SimpleValue>Motion (general)</SimpleValue></Value><Value ColumnRef="docketcode"><SimpleValue>MOT</SimpleValue></Value></Row>
      <Row><Value ColumnRef="docketcode"><SimpleValue>PORD</SimpleValue></Value><Value ColumnRef="name"><SimpleValue>Proposed order</SimpleValue></Value></Row>
      <Row><Value ColumnRef="name"><SimpleValue>A row without a code</SimpleValue></Value></Row>
    </SimpleCodeList></gc:CodeList>`
  t.same(parseGenericode(xml).codes, ['MOT', 'PORD'])
  t.throws(() => parseGenericode('<!DOCTYPE x [<!ENTITY a "b">]><CodeList/>'), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
  t.throws(() => parseGenericode('<CodeList><ColumnSet/></CodeList>'), { code: 'CLEARFILE_ERR_ECF_MALFORMED' })
})

t.test('what clearfile sends and the simulated court answers about policy and fees is valid ECF 4.01', async (t) => {
  const sender = 'http://127.0.0.1:3000/ecf/v4/FilingAssemblyMDE'
  t.same(ecfProblems(buildCourtPolicyQuery({ sender, submitter: 'DA-SF-001', court })), [])
  const response = buildCourtPolicyResponse({
    sender,
    court,
    policy: {
      versionId: '2026.11',
      updatedAt: '2026-11-01T08:00:00.0Z',
      effectiveDate: '2026-11-01',
      codeLists: [{ element: 'j:RegisterActionDescriptionText', uri: 'http://127.0.0.1:1/codelists/0' }],
      operations: ['ReviewFiling', 'GetFeesCalculation'],
      caseTypes: ['Criminal'],
      acceptsConfidential: false,
      maxAttachmentBytes: 5_000_000,
      feesMayApply: true
    }
  })
  t.same(ecfProblems(response), [])
  const read = parseCourtPolicyResponse(response)
  t.equal(read.acceptsConfidential, false)
  t.equal(read.maxAttachmentBytes, 5_000_000)
  t.equal(read.maxMessageBytes, null)
  t.same(read.operations, ['ReviewFiling', 'GetFeesCalculation'])
  const query = buildFeesCalculationQuery({ sender, submitter: 'DA-SF-001', court, reviewFilingXml: filingMessage() })
  t.same(ecfProblems(query), [], 'the filing, whole, inside a FeesCalculationQueryMessage')
  t.match(
    query,
    /<core:CoreFilingMessage>.*Proposed Order.*<\/core:CoreFilingMessage><\/FeesCalculationQueryMessage>$/s
  )
  t.throws(() => buildFeesCalculationQuery({ sender, submitter: 'x', court, reviewFilingXml: '<x/>' }))
  const fees = buildFeesCalculationResponse({ sender, court, amount: '60.00', currency: 'USD' })
  t.same(ecfProblems(fees), [])
  t.same(parseFeesCalculationResponse(fees), {
    amount: '60.00',
    currency: 'USD',
    errors: [{ code: '0', text: 'No error' }]
  })
  t.same(parseGenericode(buildGenericode({ shortName: 'docket', version: '1', codes: ['Motion', 'A & B'] })).codes, [
    'Motion',
    'A & B'
  ])
})

t.test("a filing with the default codes fits a court whose lists have them (OASIS's roles among them)", async (t) => {
  t.same(policyProblems(filingMessage(), policy()), [])
})

t.test("a register action the court's list does not have is named, with the list and the near code", async (t) => {
  const problems = policyProblems(filingMessage(), policy({}, ['Motion', 'Proposed order', 'Order']))
  t.equal(problems.length, 1)
  t.match(
    problems[0],
    'j:RegisterActionDescriptionText "Proposed Order" is not on the court\'s code list https://efm.example/codes/docket (3 codes; it has "Proposed order")'
  )
  t.same(
    policyProblems(filingMessage({ proposedOrder: 'Proposed order' }), policy({}, ['Motion', 'Proposed order'])),
    []
  )
})

t.test("the courts file's codes are what the message says", async (t) => {
  const xml = filingMessage({ caseCategory: 'CR', defendantRole: 'DEF', motion: 'MOT', proposedOrder: 'PORD' })
  t.match(xml, '<nc:CaseCategoryText>CR</nc:CaseCategoryText>')
  t.match(xml, '<ecf:CaseParticipantRoleCode>DEF</ecf:CaseParticipantRoleCode>')
  t.match(xml, '<j:RegisterActionDescriptionText>MOT</j:RegisterActionDescriptionText>')
  t.match(xml, '<j:RegisterActionDescriptionText>PORD</j:RegisterActionDescriptionText>')
  const problems = policyProblems(xml, policy())
  t.equal(problems.length, 4, problems.join('\n'))
  t.match(
    problems.join('\n'),
    /"DEF" is not on the court's code list urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:CaseParticipantRoleCode \(23 codes\)/
  )
})

t.test("the court's sizes, operations, case types and confidentiality are each checked", async (t) => {
  const xml = filingMessage(undefined, 4_000)
  t.match(policyProblems(xml, policy({ maxAttachmentBytes: 3_000 })), [
    'a document is 4000 bytes; the court takes at most 3000'
  ])
  t.match(
    policyProblems(xml, policy({ maxMessageBytes: 1_000 }))[0],
    /^the message is \d+ bytes; the court takes at most 1000$/
  )
  t.match(policyProblems(xml, policy({ operations: ['GetFilingStatus', 'GetPolicy'] })), [/does not list ReviewFiling/])
  t.same(policyProblems(xml, policy({ operations: [] })), [], 'a court that lists no operations is not held to any')
  t.match(policyProblems(xml, policy({ caseTypes: ['Civil', 'Domestic'] })), [/does not take Criminal cases/])
  t.match(policyProblems(xml, policy({ acceptsConfidential: false })), [/kept confidential/])
})

t.test("a court's element names are matched whole, by its prefix's namespace or by local name alone", async (t) => {
  const xml = filingMessage()
  const only = (element: string) =>
    policyProblems(xml, policy({ codeLists: [{ element, uri: 'https://efm.example/x', codes: ['nothing'] }] }))
  t.equal(only('j:RegisterActionDescriptionText').length, 2, 'both papers')
  t.equal(only('efm:RegisterActionDescriptionText').length, 2, 'an unknown prefix: by local name')
  t.equal(only('constructor:RegisterActionDescriptionText').length, 2, "a prefix named like an object's own: unknown")
  t.equal(only('efm:RegisterActionDescriptionText:x').length, 2, 'a name with two colons: its second part')
  t.equal(only('RegisterActionDescriptionText').length, 2, 'no prefix: by local name')
  t.same(only('nc:RegisterActionDescriptionText'), [], 'another namespace than the element has')
  t.same(only('j:RegisterAction'), [], 'part of a name is not the name')
  t.same(only('nc:BinaryFormatStandardName'), [], 'an element the filing does not have')
  t.same(only('j:Register[1]'), [], 'not an element name at all')
})

t.test('a policy governing many elements at once finds for each list what that list alone finds', async (t) => {
  const xml = filingMessage()
  const lists = [
    { element: 'j:RegisterActionDescriptionText', uri: 'https://efm.example/a', codes: ['Motion'] },
    { element: 'RegisterActionDescriptionText', uri: 'https://efm.example/b', codes: [] },
    { element: 'nc:CaseCategoryText', uri: 'https://efm.example/c', codes: ['civil'] },
    { element: 'nc:RegisterActionDescriptionText', uri: 'https://efm.example/d', codes: [] },
    { element: 'ecf:CaseParticipantRoleCode', uri: 'https://efm.example/e', codes: participantRoles },
    { element: 'j:Register[1]', uri: 'https://efm.example/f', codes: [] }
  ]
  const alone = lists.flatMap((list) => policyProblems(xml, policy({ codeLists: [list] })))
  t.ok(alone.length >= 4, `${alone.length} problems between them`)
  t.same(policyProblems(xml, policy({ codeLists: lists })), alone, 'the same problems, list by list')
  // A court's second policy version, and the first again: each search is its own.
  t.same(policyProblems(xml, policy({ codeLists: lists.slice(2) })), alone.slice(-1))
  t.same(policyProblems(xml, policy({ codeLists: lists })), alone)
  // More policies than the searches kept (256): they start over, and the first still finds the same.
  for (let i = 0; i < 300; i++)
    policyProblems(
      xml,
      policy({ codeLists: [{ element: `efm:Element${i}`, uri: 'https://efm.example/x', codes: [] }] })
    )
  t.same(policyProblems(xml, policy({ codeLists: lists })), alone, 'the same after 300 other policies')
})

t.test("the policy check reads a message without its documents' bytes, and everything else of it", async (t) => {
  const xml = filingMessage(undefined, 4_000)
  const lean = withoutDocumentBytes(xml)
  const bytes = [...xml.matchAll(/<nc:BinaryBase64Object>([^<]*)<\/nc:BinaryBase64Object>/g)].map((m) => m[1]!)
  t.equal(bytes.length, 2, 'the motion and the proposed order each carry their PDF')
  t.same(
    bytes.map((b) => Buffer.from(b, 'base64').length),
    [4_000, 2_000],
    'their bytes, in base64'
  )
  t.equal(lean.length, xml.length - bytes.reduce((n, b) => n + b.length, 0), 'only the bytes are gone')
  t.equal(
    lean.replaceAll('<nc:BinaryBase64Object></nc:BinaryBase64Object>', ''),
    xml.replace(/<nc:BinaryBase64Object>[^<]*<\/nc:BinaryBase64Object>/g, '')
  )
  t.same(ecfProblems(lean), [], 'still a valid message (an empty base64Binary is one)')
  t.equal(withoutDocumentBytes('<a><b>no documents</b></a>'), '<a><b>no documents</b></a>')
  t.equal(withoutDocumentBytes('<nc:BinaryBase64Object>QUJD'), '<nc:BinaryBase64Object>QUJD', 'unclosed: left alone')
  // What the policy governs is all still read: sizes, codes, confidentiality.
  t.match(policyProblems(xml, policy({ maxAttachmentBytes: 3_000 })), [
    'a document is 4000 bytes; the court takes at most 3000'
  ])
  t.match(policyProblems(xml, policy({ acceptsConfidential: false })), [/kept confidential/])
  t.equal(policyProblems(xml, policy({}, ['Motion'])).length, 1, "the proposed order's register action")
})
