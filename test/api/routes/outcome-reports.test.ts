import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import t, { type Test } from 'tap'
import { startSimulatedCourt } from '../../../adapters/simulator/court.js'
import { buildFilingStatusResponse } from '../../../src/ecf/messages.js'
import {
  bearer,
  buildTestApp,
  bulkBehindRead,
  caseBody,
  fileCase,
  filesUnder,
  sanFranciscoCourtsFile,
  TEST_DATABASE_URL
} from '../../helper.js'

const daProfilesFile = fileURLToPath(new URL('../../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const HEADER =
  'case_number,defendant_name,defendant_dob,court_filing_id,filing_id,code_section,ruling,order_date,docket_id\n'

/** Report uploads on disk: spooled in the scratch folder as they arrive, waiting in outcome-reports/ when queued. */
const uploadsLeft = (dataDir: string) =>
  filesUnder(dataDir).filter((f) => f.startsWith('outcome-reports/') || f.startsWith('scratch/'))

/** Three cases filed and accepted by the clerk, not yet ruled on (the judge takes an hour). */
async function setup(t: Test) {
  const court = await startSimulatedCourt({ reviewDelayMs: 20, rulingDelayMs: 3_600_000, acceptRate: 1 })
  t.teardown(() => court.close())
  const courtsFile = sanFranciscoCourtsFile(court.url)
  const test = await buildTestApp(t, { daProfilesFile, courtsFile, pollIntervalSeconds: 1 })
  const key = await test.keyFor('deputy_da', 'SAN FRANCISCO')
  const clerk = await test.keyFor('clerk', 'SAN FRANCISCO')
  const people = [
    {
      person: { name: 'JONES, ANN', dob: '1965-01-02', cii: 'A00000001', dojSubjectId: '2000001' },
      case: { caseNumber: 'SCN100001' }
    },
    {
      person: { name: 'GARCIA, MARIA', dob: '1971-03-04', cii: 'A00000002', dojSubjectId: '2000002' },
      case: { caseNumber: 'SCN100002' }
    },
    {
      person: { name: 'LEE, SAM', dob: '1980-05-06', cii: 'A00000003', dojSubjectId: '2000003' },
      case: { caseNumber: 'SCN100003' }
    }
  ]
  const filings: Array<{ id: string; courtFilingId: string }> = []
  for (const p of people) {
    filings.push({ id: (await fileCase(test.app, key, caseBody(p))).filingId, courtFilingId: '' })
  }
  for (let i = 0; i < 3; i++) {
    await sleep(40)
    test.clock.set(new Date(test.clock.now().getTime() + 1500))
    await test.runJobs()
  }
  const view = async (id: string) => (await test.app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json()
  for (const f of filings) Object.assign(f, await view(f.id))
  const upload = async (body: string, contentType = 'text/csv') =>
    test.app.inject({
      method: 'POST',
      url: '/v1/outcome-reports?filename=report.csv',
      headers: { ...bearer(clerk), 'content-type': contentType },
      payload: body
    })
  return { ...test, key, clerk, filings, view, upload, court }
}

t.test(
  "a clerk's CSV report is reconciled line by line: exact match, case number + DOB with another spelling, unknown line, malformed line, omitted filing",
  async (t) => {
    const { filings, view, upload, handle, app, clerk } = await setup(t)
    const [a, b, c] = filings as [{ id: string; state: string; courtFilingId: string }, { id: string }, { id: string }]
    t.equal(a.state, 'accepted')
    const report =
      HEADER +
      `,,,,${a.id},,GRANTED,2026-11-20,D-1\n` +
      'SCN-100002,"García, María",03/04/1971,,,,Denied,11/20/2026,\n' +
      ',,,SIM-9999999,,,granted,,\n' +
      `,,,,${a.id},,maybe,,\n` +
      'SCN100003,"LEE, SAM",1980-05-06,,,,granted,2026-13-45,\n'
    const res = await upload(report)
    t.equal(res.statusCode, 201, res.body)
    const r = res.json()
    t.same(r.summary, { matched: 2, alreadyRecorded: 0, conflicts: 0, unmatched: 1, omitted: 1, malformed: 2 })
    t.same(
      r.matched.map((m: { line: number; filingId: string; matchedBy: string; ruling: string }) => [
        m.line,
        m.filingId,
        m.matchedBy,
        m.ruling
      ]),
      [
        [2, a.id, 'filing_id', 'granted'],
        [3, b.id, 'case_name_dob', 'denied']
      ]
    )
    t.same(r.notes, [
      { line: 3, note: 'matched by case number and date of birth; the name is spelled differently on file' }
    ])
    t.same(r.unmatched, [{ line: 4, reason: 'no filing SIM-9999999 with CA-SF' }])
    t.same(r.malformed, [
      { line: 5, reason: 'unknown ruling "maybe"' },
      { line: 6, reason: 'unreadable order date "2026-13-45"' }
    ])
    t.same(
      r.omitted.map((o: { filingId: string }) => o.filingId),
      [c.id],
      'the good lines still count; the filing the report left out is named'
    )
    t.equal((await view(a.id)).state, 'granted')
    t.equal((await view(b.id)).state, 'denied')
    const last = (await view(a.id)).events.at(-1)
    t.same([last.source, last.detail.reportId], ['report', r.id])
    const outcome = await handle.db
      .selectFrom('outcomes')
      .selectAll()
      .where('filing_id', '=', a.id)
      .executeTakeFirstOrThrow()
    t.same(
      [outcome.result, outcome.order_date, outcome.docket_id, outcome.source, outcome.report_line],
      ['granted', '2026-11-20', 'D-1', 'report', 2]
    )

    const doj = await app.inject({ url: '/v1/exports/doj-updates?since=2026-01-01', headers: bearer(clerk) })
    t.equal(doj.statusCode, 200)
    t.match(doj.headers['content-disposition'], /doj-updates-san-francisco-since-2026-01-01\.csv/)
    const rows = doj.body.trim().split('\n')
    t.equal(
      rows[0],
      'cii,doj_subject_id,county,court,case_number,count_order,code_section,original_disposition,new_disposition,order_date,docket_id,source'
    )
    t.equal(rows.length, 2, 'the granted conviction only; the denied one changes nothing at DOJ')
    t.match(
      rows[1],
      /^A00000001,2000001,SAN FRANCISCO,CA-SF,SCN100001,001,HS 11359[^,]*,CONVICTED - FELONY,[A-Z ]+ - HS 11361\.8,2026-11-20,D-1,report$/
    )
    t.equal(
      (await app.inject({ url: '/v1/exports/doj-updates?since=2099-01-01', headers: bearer(clerk) })).body
        .trim()
        .split('\n').length,
      1
    )
    t.ok(
      await handle.db
        .selectFrom('audit_events')
        .select('id')
        .where('action', '=', 'export.doj_updates')
        .executeTakeFirst(),
      'the export is audited'
    )

    const again = (await upload(report)).json()
    t.same(
      again.summary,
      { matched: 0, alreadyRecorded: 2, conflicts: 0, unmatched: 1, omitted: 1, malformed: 2 },
      'the same report again changes nothing'
    )
    t.equal(
      await handle.db
        .selectFrom('outcomes')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
        .then((x) => Number(x.n)),
      2
    )

    const conflict = (await upload(`${HEADER},,,,${a.id},,denied,2026-11-21,\n`)).json()
    t.same(
      conflict.conflicts.map(
        (x: { filingId: string; ruling: string; recorded: { ruling: string; source: string } }) => [
          x.filingId,
          x.ruling,
          x.recorded.ruling,
          x.recorded.source
        ]
      ),
      [[a.id, 'denied', 'granted', 'report']]
    )
    t.equal(
      (await handle.db.selectFrom('outcomes').select('result').where('filing_id', '=', a.id).executeTakeFirstOrThrow())
        .result,
      'granted',
      'never silently overwritten'
    )
    t.equal((await view(a.id)).state, 'granted')
    const events = await handle.db
      .selectFrom('events')
      .select(['type', 'record_id'])
      .where('type', 'like', 'outcome.%')
      .orderBy('id')
      .execute()
    t.same(
      events.map((e) => e.type),
      ['outcome.recorded', 'outcome.recorded', 'outcome.conflict']
    )
  }
)

t.test(
  'an ECF XML batch of status responses is a report too, matched by court filing id; the reconciliation downloads as CSV',
  async (t) => {
    const { filings, upload, app, clerk, view } = await setup(t)
    const c = filings[2] as { id: string; courtFilingId: string }
    const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }
    const status = (id: string, description: string) =>
      buildFilingStatusResponse({
        sender: 'court',
        court,
        filing: { courtFilingId: id, filingId: null },
        status: 'accepted',
        description
      }).replace(/^<\?xml[^>]*\?>/, '')
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Batch>${status(c.courtFilingId, 'ruling: partially granted')}${status('SIM-0000000', 'Accepted')}</Batch>`
    const res = await upload(xml, 'application/xml')
    t.equal(res.statusCode, 201, res.body)
    const r = res.json()
    t.equal(r.format, 'xml')
    t.same(
      r.matched.map((m: { filingId: string; matchedBy: string; ruling: string }) => [
        m.filingId,
        m.matchedBy,
        m.ruling
      ]),
      [[c.id, 'court_filing_id', 'partially_granted']]
    )
    t.same(r.malformed, [{ line: 2, reason: 'message 2 carries no ruling (status "Accepted")' }])
    t.equal((await view(c.id)).state, 'partially_granted')
    const csv = await app.inject({ url: `/v1/outcome-reports/${r.id}/reconciliation.csv`, headers: bearer(clerk) })
    t.match(csv.headers['content-type'], /text\/csv/)
    t.match(csv.body, /^category,line,filing_id,conviction_id,case_number,count_order,ruling,detail\n/)
    t.match(csv.body, new RegExp(`matched,1,${c.id},[^,]+,SCN100003,001,partially_granted,court_filing_id\\n`))
    t.match(csv.body, /malformed,2,,,,,,"message 2 carries no ruling/)
    t.equal((await app.inject({ url: `/v1/outcome-reports/${r.id}`, headers: bearer(clerk) })).json().id, r.id)
  }
)

t.test(
  'a table exported as XML is a report too, read by the same column names as CSV; a DOCTYPE is refused; a file that is not CSV gives problems',
  async (t) => {
    const { filings, upload, view } = await setup(t)
    const [a, b] = [filings[0]!, filings[1]!]
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><outcomes>' +
      `<outcome><filing_id>${a.id}</filing_id><ruling>GRANTED</ruling><order_date>2026-11-20</order_date></outcome>` +
      '<outcome case_number="SCN100002" defendant_name="GARCIA, MARIA" defendant_dob="1971-03-04" ruling="denied"/>' +
      `<outcome filing_id="${a.id}" ruling="maybe"/></outcomes>`
    const res = await upload(xml, 'application/xml')
    t.equal(res.statusCode, 201, res.body)
    const r = res.json()
    t.equal(r.format, 'xml')
    t.same(
      r.matched.map((m: { line: number; filingId: string; matchedBy: string; ruling: string }) => [
        m.line,
        m.filingId,
        m.matchedBy,
        m.ruling
      ]),
      [
        [1, a.id, 'filing_id', 'granted'],
        [2, b.id, 'case_name_dob', 'denied']
      ]
    )
    t.same(r.malformed, [{ line: 3, reason: 'unknown ruling "maybe"' }])
    t.equal((await view(a.id)).state, 'granted')

    const hostile = await upload(
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><outcomes><outcome ruling="&a;"/></outcomes>',
      'application/xml'
    )
    t.same([hostile.statusCode, hostile.json().code], [400, 'CLEARFILE_ERR_ECF_UNSAFE'])
    const pdf = await upload('%PDF-1.7\n\u0000\u0001"\u00ff\n%%EOF\n')
    t.equal(pdf.statusCode, 201, pdf.body)
    t.same(pdf.json().malformed, [{ line: 1, reason: 'no "ruling" column in the header' }])
  }
)

t.test(
  'formula-looking text goes out as text: the reconciliation CSV and the DOJ update export put a quote before it',
  async (t) => {
    const { filings, upload, app, clerk, handle } = await setup(t)
    const a = filings[0]!
    const hyperlink = '=HYPERLINK("http://x","click")'
    const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`
    // The case number as a DA system might have sent it; the name and docket id as the court's report has them.
    await handle.db
      .updateTable('court_cases')
      .set({ case_number: hyperlink })
      .where('case_number', '=', 'SCN100001')
      .execute()
    const res = await upload(
      HEADER +
        `,${quoted(hyperlink)},,,${a.id},,granted,2026-11-20,@SUM(A1:A2)\n` +
        `${quoted("=cmd|' /C calc'!A0")},${quoted(hyperlink)},1965-01-02,,,,denied,,\n` +
        '-2+3,+1+1,,,,,maybe,,\n'
    )
    t.equal(res.statusCode, 201, res.body)
    const r = res.json()
    t.same(
      r.matched.map((m: { caseNumber: string }) => m.caseNumber),
      [hyperlink]
    )

    const reconciliation = await app.inject({
      url: `/v1/outcome-reports/${r.id}/reconciliation.csv`,
      headers: bearer(clerk)
    })
    const rows = parse(reconciliation.body) as string[][]
    t.same(rows.find((row) => row[0] === 'matched')?.[4], `'${hyperlink}`, 'the case number cell starts with a quote')
    t.same(
      rows.filter((row) => row[0] === 'unmatched' || row[0] === 'malformed').map((row) => row[1]),
      ['3', '4']
    )
    t.same(
      rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell)),
      [],
      'no cell starts a formula'
    )

    const doj = await app.inject({ url: '/v1/exports/doj-updates?since=2026-01-01', headers: bearer(clerk) })
    t.equal(doj.statusCode, 200)
    const exported = parse(doj.body, { columns: true }) as Array<Record<string, string>>
    t.same(
      exported.map((row) => [row.cii, row.case_number, row.count_order, row.order_date, row.docket_id]),
      [['A00000001', `'${hyperlink}`, '001', '2026-11-20', "'@SUM(A1:A2)"]]
    )
    t.same(
      Object.values(exported[0]!).filter((cell) => /^[=+\-@\t\r]/.test(cell)),
      [],
      'no cell of the export starts a formula'
    )
  }
)

t.test(
  "on PostgreSQL a clerk's report is reconciled as bulk work: it waits for bulk work's share of the connections, a deputy's read does not",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only: SQLite has one connection' },
  async (t) => {
    const { filings, view, upload, handle, key, app } = await setup(t)
    const a = filings[0]!
    const { bulk, read, bulkAnsweredFirst } = await bulkBehindRead(
      handle.db,
      () => upload(`${HEADER},,,,${a.id},,granted,2026-11-20,\n`),
      () => app.inject({ url: `/v1/filings/${a.id}`, headers: bearer(key) })
    )
    t.equal(read.statusCode, 200, 'the filing was read while every bulk share was held')
    t.notOk(bulkAnsweredFirst, 'the report waited for a share')
    t.equal(bulk.statusCode, 201)
    t.equal(bulk.json().summary.matched, 1, 'and was then reconciled')
    t.equal((await view(a.id)).state, 'granted')
  }
)

t.test('a ruling on a filing the clerk rejected is listed as matching nothing, not recorded', async (t) => {
  const { filings, upload, handle } = await setup(t)
  const c = filings[2]!
  await handle.db.updateTable('filings').set({ state: 'rejected' }).where('id', '=', c.id).execute()
  const r = (await upload(`${HEADER},,,,${c.id},,granted,,\n`)).json()
  t.same(r.unmatched, [{ line: 2, reason: `filing ${c.id} is rejected: the court cannot have ruled on it` }])
  t.equal((await handle.db.selectFrom('outcomes').select('id').where('filing_id', '=', c.id).execute()).length, 0)
})

t.test(
  'a report comes as a multipart form too; another county cannot read it; a DA system may not upload one',
  async (t) => {
    const { filings, app, clerk, key, keyFor } = await setup(t)
    const boundary = 'X-BOUNDARY-42'
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="court"\r\n\r\nCA-SF\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="rulings.csv"\r\nContent-Type: text/csv\r\n\r\n${HEADER},,,,${filings[0]!.id},,granted,,\n\r\n--${boundary}--\r\n`
    const res = await app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(clerk), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body
    })
    t.equal(res.statusCode, 201, res.body)
    t.same([res.json().fileName, res.json().summary.matched], ['rulings.csv', 1])
    const la = await keyFor('clerk', 'LOS ANGELES')
    t.equal((await app.inject({ url: `/v1/outcome-reports/${res.json().id}`, headers: bearer(la) })).statusCode, 404)
    const system = await keyFor('da_system', 'SAN FRANCISCO')
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/outcome-reports',
          headers: { ...bearer(system), 'content-type': 'text/csv' },
          payload: HEADER
        })
      ).statusCode,
      403
    )
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/outcome-reports?court=CA-LA',
          headers: { ...bearer(key), 'content-type': 'text/csv' },
          payload: HEADER
        })
      ).json().code,
      'CLEARFILE_ERR_NOT_FOUND'
    )
  }
)

t.test("a ruling the court's status reported is recorded per count, and the clerk's report confirms it", async (t) => {
  const court = await startSimulatedCourt({
    reviewDelayMs: 10,
    rulingDelayMs: 10,
    acceptRate: 1,
    rulings: { granted: 1, denied: 0, partially_granted: 0 }
  })
  t.teardown(() => court.close())
  const courtsFile = sanFranciscoCourtsFile(court.url)
  const { app, keyFor, runJobs, clock, handle } = await buildTestApp(t, {
    daProfilesFile,
    courtsFile,
    pollIntervalSeconds: 1
  })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const filing = { id: (await fileCase(app, key)).filingId }
  for (let i = 0; i < 4; i++) {
    await sleep(40)
    clock.set(new Date(clock.now().getTime() + 1500))
    await runJobs()
  }
  const outcome = await handle.db
    .selectFrom('outcomes')
    .selectAll()
    .where('filing_id', '=', filing.id)
    .executeTakeFirstOrThrow()
  t.same([outcome.result, outcome.source, outcome.report_id], ['granted', 'court_status', null])
  const report = (
    await app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(key), 'content-type': 'text/csv' },
      payload: `${HEADER},,,,${filing.id},11359 HS,granted,2026-11-20,\n`
    })
  ).json()
  t.same(
    report.matched.map((m: { confirmed: boolean }) => m.confirmed),
    [true]
  )
  t.equal(
    (
      await handle.db
        .selectFrom('outcomes')
        .select('report_id')
        .where('filing_id', '=', filing.id)
        .executeTakeFirstOrThrow()
    ).report_id,
    report.id
  )
})

t.test('an outcome report sent as JSON is a 415 naming the types a report may be, not a 500', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('clerk', 'SAN FRANCISCO')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/outcome-reports?court=CA-SF',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    payload: JSON.stringify({ filing_id: 'x', ruling: 'granted' })
  })
  t.equal(res.statusCode, 415)
  t.equal(res.json().code, 'CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE')
  t.match(res.json().message, /text\/csv/)
})

t.test(
  'a 40,000-line report is taken to disk and reconciled in the background: 202 at once, /healthz answers all along, every line accounted for, the upload deleted',
  async (t) => {
    const { app, clerk, filings, runJobs, config } = await setup(t)
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    // Lines a clerk's system might send: rulings on our filings, on filings of another court's, and on cases unknown here.
    const lines = Array.from({ length: 40_000 }, (_, i) =>
      i % 3 === 0
        ? `,,,,${filings[i % 3]!.id},,granted,2026-11-20,`
        : i % 3 === 1
          ? `SCN9${i},"DOE, JOHN",1970-01-01,,,,denied,2026-11-20,`
          : `,,,CA-OTHER-${i},,,granted,2026-11-20,`
    )
    const body = HEADER + lines.join('\n')
    const res = await fetch(`${address}/v1/outcome-reports?filename=big.csv`, {
      method: 'POST',
      headers: { ...bearer(clerk), 'content-type': 'text/csv' },
      body
    })
    t.equal(res.status, 202)
    const queued = (await res.json()) as { id: string; state: string; lines: number; sha256: string }
    t.equal(res.headers.get('location'), `/v1/outcome-reports/${queued.id}`)
    t.equal(queued.state, 'queued')
    t.equal(queued.lines, 40_001, 'lines of the file (header included) counted on the way to disk')
    t.equal(queued.sha256, createHash('sha256').update(body).digest('hex'))
    t.same(uploadsLeft(config.dataDir), [`outcome-reports/${queued.id}.upload`], 'the upload waits on disk')
    const early = await fetch(`${address}/v1/outcome-reports/${queued.id}/reconciliation.csv`, {
      headers: bearer(clerk)
    })
    t.equal(early.status, 409)
    t.equal(((await early.json()) as { code: string }).code, 'CLEARFILE_ERR_REPORT_NOT_FINISHED')

    let done = false
    const jobs = runJobs().then((n) => {
      done = true
      return n
    })
    const latencies: number[] = []
    while (!done) {
      const started = performance.now()
      const health = await fetch(`${address}/healthz`)
      await health.arrayBuffer()
      if (!done) latencies.push(performance.now() - started)
      await sleep(10)
    }
    await jobs
    t.ok(
      latencies.length >= 5,
      `/healthz answered ${latencies.length} times during the reconciliation (slowest ${Math.round(Math.max(...latencies))} ms)`
    )
    const report = (await (
      await fetch(`${address}/v1/outcome-reports/${queued.id}`, { headers: bearer(clerk) })
    ).json()) as { state: string; lines: number; summary: Record<string, number>; finishedAt: string }
    t.equal(report.state, 'done')
    t.ok(report.finishedAt)
    t.equal(report.lines, 40_000)
    t.equal(
      Number(report.summary.matched) +
        Number(report.summary.alreadyRecorded) +
        Number(report.summary.unmatched) +
        Number(report.summary.conflicts),
      40_000,
      'every line accounted for'
    )
    t.same(uploadsLeft(config.dataDir), [], 'the upload is deleted once reconciled')
    const csv = await fetch(`${address}/v1/outcome-reports/${queued.id}/reconciliation.csv`, { headers: bearer(clerk) })
    t.equal(csv.status, 200)
  }
)

t.test(
  'past the limits an upload is stopped as it arrives: a 413 naming the setting, no report stored, nothing left on disk',
  async (t) => {
    const { app, clerk, handle, config } = await setup(t)
    const overLines = await app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(clerk), 'content-type': 'text/csv' },
      payload: HEADER + 'x\n'.repeat(500_001)
    })
    t.equal(overLines.statusCode, 413)
    t.match(overLines.json().message, 'one upload may have 500000 (CLEARFILE_OUTCOME_REPORT_MAX_LINES)')
    // A last line without its newline counts too.
    const small = await buildTestApp(t, { outcomeReportMaxLines: 3, outcomeReportMaxBytes: 2048 })
    const smallClerk = await small.keyFor('clerk', 'SAN FRANCISCO')
    const fourth = await small.app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(smallClerk), 'content-type': 'text/csv' },
      payload: `${HEADER}a\nb\nc`
    })
    t.equal(fourth.statusCode, 413)
    const overBytes = await small.app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(smallClerk), 'content-type': 'text/csv' },
      payload: Readable.from([Buffer.alloc(1500, 0x41), Buffer.alloc(1500, 0x41)])
    })
    t.equal(overBytes.statusCode, 413)
    t.match(overBytes.json().message, 'CLEARFILE_OUTCOME_REPORT_MAX_BYTES')
    const declared = await small.app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(smallClerk), 'content-type': 'text/csv', 'content-length': String(10 * 1024 * 1024) },
      payload: 'x'
    })
    t.equal(declared.statusCode, 413, 'a declared size past the limit is refused before reading')
    for (const dir of [config.dataDir, small.config.dataDir]) t.same(uploadsLeft(dir), [], 'no upload left behind')
    const stored = await handle.db.selectFrom('outcome_reports').select('id').execute()
    t.same(stored, [])
  }
)

t.test(
  'a large report that cannot be read ends failed with the reason, its upload deleted; small ones are still refused on the spot',
  async (t) => {
    const { app, clerk, runJobs, config } = await setup(t)
    const padding = `<!-- ${'x'.repeat(2 * 1024 * 1024)} -->`
    const hostile = `<?xml version="1.0"?>${padding}<!DOCTYPE r [<!ENTITY a "a">]><r>&a;</r>`
    const res = await app.inject({
      method: 'POST',
      url: '/v1/outcome-reports?filename=big.xml',
      headers: { ...bearer(clerk), 'content-type': 'application/xml' },
      payload: hostile
    })
    t.equal(res.statusCode, 202)
    await runJobs()
    const report = (await app.inject({ url: `/v1/outcome-reports/${res.json().id}`, headers: bearer(clerk) })).json()
    t.equal(report.state, 'failed')
    t.match(report.error, /document type declaration/)
    t.notMatch(report.error, config.dataDir, 'no server path in the reason')
    const csv = await app.inject({
      url: `/v1/outcome-reports/${res.json().id}/reconciliation.csv`,
      headers: bearer(clerk)
    })
    t.equal(csv.statusCode, 409)
    t.match(csv.json().message, /document type declaration/)
    t.same(uploadsLeft(config.dataDir), [])
    const small = await app.inject({
      method: 'POST',
      url: '/v1/outcome-reports',
      headers: { ...bearer(clerk), 'content-type': 'application/xml' },
      payload: '<!DOCTYPE r [<!ENTITY a "a">]><r>&a;</r>'
    })
    t.equal(small.statusCode, 400)
    t.same(uploadsLeft(config.dataDir), [])
  }
)
