import t from 'tap'
import { buildFilingStatusResponse } from '../../src/ecf/messages.js'
import {
  DEFAULT_REPORT_COLUMNS,
  parseCsvReport,
  parseXmlReport,
  type ReportColumns,
  type ReportLine
} from '../../src/outcomes/outcome-report.js'

const HEADER =
  'case_number,defendant_name,defendant_dob,court_filing_id,filing_id,code_section,ruling,order_date,docket_id\n'

/** What a line says, without where it stood: the same in any format. */
const said = (lines: ReportLine[]) => lines.map(({ line: _, ...rest }) => rest)

t.test('quoted line breaks stay inside their field and every line keeps its own number', async (t) => {
  const report =
    HEADER +
    'SCN100001,"JONES,\nANN",1965-01-02,,,,granted,,\n' +
    '\n' +
    'SCN100002,"GARCIA,\r\n\r\nMARIA",1971-03-04,,,,denied,,\n' +
    'SCN100003,LEE SAM,1980-05-06,,,,maybe,,\n' +
    '  \n' +
    'SCN100004,"ROE, RICHARD",,,,,withdrawn,,D-4'
  const r = parseCsvReport(report)
  t.same(
    r.lines.map((l) => [l.line, l.caseNumber, l.name, l.ruling]),
    [
      [2, 'SCN100001', 'JONES,\nANN', 'granted'],
      [5, 'SCN100002', 'GARCIA,\n\nMARIA', 'denied'],
      [10, 'SCN100004', 'ROE, RICHARD', 'withdrawn']
    ]
  )
  t.same(r.problems, [{ line: 8, reason: 'unknown ruling "maybe"' }])
  t.equal(r.total, 4)
  t.same(
    parseCsvReport(report.replace(/\r?\n/g, '\r\n')).lines.map((l) => l.line),
    [2, 5, 10],
    'Windows line breaks count once, in a quoted field too'
  )
})

t.test('a short row and a stray quote are problems with their lines while the other lines count', async (t) => {
  const report =
    HEADER +
    ',,,,F-1,,granted,,\n' + // 2
    ',,,,F-2,granted\n' + // 3: six fields
    'SCN1,O"BRIEN,,,,,granted,,\n' + // 4: a quote inside an unquoted field
    ',,,,F-3,,granted,,\n' + // 5
    'SCN2,"12" TALL,,,,,granted,,\n' + // 6: text after a closing quote
    ',,,,F-4,,denied,,\n' + // 7
    'SCN3,"SMITH, JO,,,,,granted,,\n' + // 8: a quote closed only by the one on line 10
    ',,,,F-5,,granted,,\n' + // 9
    ',,,,"F-\n6",,granted,,\n' // 10-11
  const r = parseCsvReport(report)
  t.same(
    r.lines.map((l) => [l.line, l.filingId]),
    [
      [2, 'F-1'],
      [5, 'F-3'],
      [7, 'F-4'],
      [9, 'F-5'],
      [10, 'F-\n6']
    ]
  )
  t.same(
    r.problems.map((p) => p.line),
    [3, 4, 6, 8]
  )
  t.match(r.problems, [
    { reason: '6 fields where the header has 9' },
    { reason: /^a stray quote in field 2/ },
    { reason: /^a stray quote in field 2: text follows the quote/ },
    { reason: 'a quote in field 2 opens a field that runs on to line 10, where text follows its closing quote' }
  ])
  t.equal(r.total, 9)
})

t.test('a byte order mark before the header does not hide the first column', async (t) => {
  const r = parseCsvReport(`\uFEFFcase_number,ruling,defendant_dob\nSCN100001,granted,1965-01-02\n`)
  t.same(r.problems, [])
  t.same(
    r.lines.map((l) => [l.line, l.caseNumber, l.dob]),
    [[2, 'SCN100001', '1965-01-02']]
  )
})

t.test('a file that is not CSV at all gives problems, not an exception', async (t) => {
  const pdf = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\u0000\u0001"\u00ff\n%%EOF\n'
  t.same(parseCsvReport(pdf).problems, [{ line: 1, reason: 'no "ruling" column in the header' }])
  t.same(parseCsvReport('').problems, [{ line: 1, reason: 'the report is empty' }])
  t.match(parseCsvReport('"filing_id,ruling\nF-1,granted\n').problems, [
    { line: 1, reason: /^the header row cannot be read: a quote opened on this line is never closed/ }
  ])
  const junk = Array.from({ length: 200 }, (_, i) => `"${i},"x"y,\n`).join('')
  const r = parseCsvReport(`filing_id,ruling\n${junk}F-1,granted\n`)
  t.same(r.lines, [])
  t.match(r.problems.at(-1), { reason: /the report is not read past it/ }, 'a file of stray quotes is given up on')
})

const COURT_COLUMNS: ReportColumns = {
  ...DEFAULT_REPORT_COLUMNS,
  caseNumber: 'CaseNo',
  filingId: 'ClearfileId',
  ruling: 'Disposition',
  orderDate: 'OrderDate'
}

t.test('a table exported as XML gives the same lines as the same table in CSV', async (t) => {
  const csv =
    'CaseNo,defendant_name,defendant_dob,ClearfileId,Disposition,OrderDate,docket_id\n' +
    "SCN100001,O'BRIEN & SONS,01/02/1965,,Granted,2026-11-20,D-1\n" +
    ',,,F-2,partially granted,11/21/2026,\n' +
    'SCN100003,,,,maybe,,\n' +
    ',,,F-4,denied,20261122,D-4\n'
  const elements = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by the case management system -->
<Outcomes exported="2026-11-23">
  <Generated>2026-11-23T08:00:00</Generated>
  <Outcome>
    <CaseNo>SCN100001</CaseNo><defendant_name>O&apos;BRIEN &amp; SONS</defendant_name>
    <defendant_dob>01/02/1965</defendant_dob><Disposition>Granted</Disposition>
    <OrderDate>2026-11-20</OrderDate><docket_id><![CDATA[D-1]]></docket_id>
  </Outcome>
  <Outcome><ClearfileId>F-2</ClearfileId><Disposition>partially granted</Disposition><OrderDate>11/21/2026</OrderDate><docket_id/></Outcome>
  <Outcome><caseno>SCN100003</caseno><disposition>maybe</disposition></Outcome>
  <Outcome><ClearfileId>F-4</ClearfileId><Disposition>denied</Disposition><OrderDate>20261122</OrderDate><docket_id>D-&#52;</docket_id></Outcome>
</Outcomes>`
  const attributes = `<rows>
  <row CaseNo="SCN100001" defendant_name="O'BRIEN &amp; SONS" defendant_dob="01/02/1965" Disposition="Granted" OrderDate="2026-11-20" docket_id="D-1"/>
  <row ClearfileId="F-2" Disposition="partially granted" OrderDate="11/21/2026"/>
  <row CaseNo="SCN100003" Disposition="maybe"/>
  <row ClearfileId="F-4" OrderDate="20261122"><Disposition>denied</Disposition><docket_id>D-4</docket_id></row>
</rows>`
  const fromCsv = parseCsvReport(csv, COURT_COLUMNS)
  t.equal(fromCsv.lines.length, 3)
  t.equal(fromCsv.lines[0]!.name, "O'BRIEN & SONS")
  for (const [kind, xml] of [
    ['elements', elements],
    ['attributes', attributes]
  ] as const) {
    const r = parseXmlReport(xml, COURT_COLUMNS)
    t.same(said(r.lines), said(fromCsv.lines), `${kind}: the same lines`)
    t.same(
      r.lines.map((l) => l.line),
      [1, 2, 4],
      `${kind}: each line numbered by its position`
    )
    t.same(r.problems, [{ line: 3, reason: 'unknown ruling "maybe"' }], `${kind}: the same problem`)
    t.equal(r.total, 4)
  }
  t.same(
    parseXmlReport(elements).problems,
    [{ line: 1, reason: 'no "ruling" field in any <Outcome>' }],
    "without the court's column names, no line is read: the ruling is not found"
  )
  t.same(parseXmlReport('<Outcomes><Outcome><Result>granted</Result></Outcome></Outcomes>').problems, [
    { line: 1, reason: 'no element in <Outcomes> has fields named like the report\'s columns (such as "ruling")' }
  ])
})

t.test('a table XML line that names a field twice is a problem; a single row is a report too', async (t) => {
  const r = parseXmlReport(
    '<outcomes><outcome filing_id="F-1" ruling="granted"><ruling>denied</ruling></outcome><outcome><filing_id>F-2</filing_id><ruling>denied</ruling></outcome><outcome/></outcomes>'
  )
  t.same(
    r.lines.map((l) => [l.line, l.filingId, l.ruling]),
    [[2, 'F-2', 'denied']]
  )
  t.same(r.problems, [
    { line: 1, reason: '"ruling" is given 2 times' },
    { line: 3, reason: 'no ruling' }
  ])
  t.same(
    said(parseXmlReport('<outcome><filing_id>F-1</filing_id><ruling>granted</ruling></outcome>').lines),
    said(parseCsvReport('filing_id,ruling\nF-1,granted\n').lines)
  )
  t.throws(() => parseXmlReport('<outcomes><outcome><ruling>granted</outcomes>'), {
    code: 'CLEARFILE_ERR_ECF_MALFORMED',
    message: /not well-formed/
  })
})

t.test('a document type declaration in table XML is refused, so no entity is ever expanded', async (t) => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
    '<outcomes><outcome><filing_id>&lol2;</filing_id><ruling>granted</ruling></outcome></outcomes>'
  t.throws(() => parseXmlReport(laughs), {
    code: 'CLEARFILE_ERR_ECF_UNSAFE',
    message: /document type declaration is refused/
  })
  const late = `<outcomes>${'<outcome filing_id="F-1" ruling="granted"/>'.repeat(500)}<!DOCTYPE x></outcomes>`
  t.throws(
    () => parseXmlReport(late),
    { code: 'CLEARFILE_ERR_ECF_UNSAFE' },
    'anywhere in the text, not only at the top'
  )
  const external =
    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><outcomes><outcome ruling="granted" filing_id="&x;"/></outcomes>'
  t.throws(() => parseXmlReport(external), { code: 'CLEARFILE_ERR_ECF_UNSAFE' })
  t.same(
    parseXmlReport('<outcomes><outcome ruling="granted" filing_id="&x;"/></outcomes>').lines.map((l) => l.filingId),
    ['&x;'],
    'an entity never declared stays as written'
  )
})

t.test('ECF XML, namespaced, is still read as ECF messages with libxml2', async (t) => {
  const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }
  const status = (id: string, description: string) =>
    buildFilingStatusResponse({
      sender: 'court',
      court,
      filing: { courtFilingId: id, filingId: null },
      status: 'accepted',
      description
    }).replace(/^<\?xml[^>]*\?>/, '')
  const xml = `<?xml version="1.0"?><Batch>${status('SIM-1', 'ruling: granted')}${status('SIM-2', 'Accepted')}</Batch>`
  const r = parseXmlReport(xml, COURT_COLUMNS)
  t.same(
    r.lines.map((l) => [l.line, l.courtFilingId, l.ruling]),
    [[1, 'SIM-1', 'granted']]
  )
  t.same(r.problems, [{ line: 2, reason: 'message 2 carries no ruling (status "Accepted")' }])
  t.throws(
    () => parseXmlReport(`<?xml version="1.0"?><!DOCTYPE x><Batch>${status('SIM-1', 'ruling: granted')}</Batch>`),
    {
      code: 'CLEARFILE_ERR_ECF_UNSAFE'
    }
  )
  t.same(
    parseXmlReport('<Batch xmlns:ecf="urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:CommonTypes-4.0"/>').problems,
    [{ line: 1, reason: 'no ReviewFilingCallbackMessage or FilingStatusResponseMessage in the report' }],
    'a document naming the ECF namespaces is read as ECF'
  )
})
