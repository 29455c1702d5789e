import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { createApiClient } from '../../src/db/api-client-repository.js'
import { newId } from '../../src/db/ids.js'
import type { FilingState } from '../../src/filing/filing-state.js'
import { recordCourtRuling, recordCourtRulings } from '../../src/outcomes/filed-counts.js'
import type { ParsedReport, ReportLine, ReportProblem } from '../../src/outcomes/outcome-report.js'
import { reconcileReport, type Reconciliation } from '../../src/outcomes/reconcile.js'
import { bearer, buildTestApp, caseBody, fileCase, sanFranciscoCourtsFile } from '../helper.js'

const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const SF = 'SAN FRANCISCO'

/** Three people, one case each, one count each (HS 11359, 2010): one filing each. */
const PEOPLE = [
  {
    person: { name: 'JONES, ANN', dob: '1965-01-02', cii: 'A00000001', dojSubjectId: '2000001' },
    case: { caseNumber: 'SCN100001' }
  },
  {
    person: { name: 'GARCIA, MARIA', dob: '1971-03-04', cii: 'A00000002', dojSubjectId: '2000002' },
    case: { caseNumber: 'SCN100002' }
  },
  {
    person: {
      name: 'LEE, SAM',
      dob: '1980-05-06',
      cii: 'A00000003',
      dojSubjectId: '2000003',
      aliases: ['KIM, SAMUEL']
    },
    case: { caseNumber: 'SCN100003' }
  }
]

/** A fourth person whose one case has two counts, each asked relief for: per-count rulings. */
const TWO_COUNTS = {
  person: { name: 'PARK, JIN', dob: '1975-07-08', cii: 'A00000004', dojSubjectId: '2000004' },
  case: { caseNumber: 'SCN100004' },
  counts: [
    {
      codeSection: '11359 HS',
      severity: 'F',
      disposition: 'convicted',
      convictionDate: '2010-05-01',
      sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
    },
    {
      codeSection: '11358 HS',
      severity: 'F',
      disposition: 'convicted',
      convictionDate: '2010-05-01',
      sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
    }
  ]
}

const BLANK: Omit<ReportLine, 'line'> = {
  filingId: null,
  courtFilingId: null,
  caseNumber: null,
  name: null,
  dob: null,
  codeSection: null,
  ruling: 'granted',
  orderDate: null,
  docketId: null
}

interface Filed {
  id: string
  courtFilingId: string
  caseNumber: string
}

/**
 * The same books in every test: each person's case filed with the simulated CA-SF court and accepted by its clerk,
 * not yet ruled on (the judge takes an hour). Reports are handed to reconcileReport directly, already parsed.
 */
async function setup(t: Test, people: ReadonlyArray<Parameters<typeof caseBody>[0]> = PEOPLE) {
  const court = await startSimulatedCourt({ reviewDelayMs: 20, rulingDelayMs: 3_600_000, acceptRate: 1 })
  t.teardown(() => court.close())
  const courtsFile = sanFranciscoCourtsFile(court.url)
  const test = await buildTestApp(t, { daProfilesFile, courtsFile, pollIntervalSeconds: 1 })
  const { app, clock, handle, services } = test
  const db = handle.db
  const key = await test.keyFor('deputy_da', SF)
  const ids: string[] = []
  for (const p of people) ids.push((await fileCase(app, key, caseBody(p))).filingId)
  for (let i = 0; i < 3; i++) {
    await sleep(40)
    clock.set(new Date(clock.now().getTime() + 1500))
    await test.runJobs()
  }
  const filings: Filed[] = []
  for (const [i, id] of ids.entries()) {
    const view = (await app.inject({ url: `/v1/filings/${id}`, headers: bearer(key) })).json()
    if (view.state !== 'accepted') throw new Error(`setup: filing ${id} is ${view.state}, not accepted`)
    filings.push({ id, courtFilingId: view.courtFilingId, caseNumber: String(people[i]!.case!.caseNumber) })
  }
  const clerk = (await createApiClient(db, { role: 'clerk', county: SF }, clock.now())).client
  const sf = services.courts.get('CA-SF')!

  /**
   * Reconciles a report of these lines (numbered from 2, under a header, unless they say) and these problems,
   * checks that every line in is accounted for once, and returns the result with the report's id.
   */
  async function reconcile(
    lines: ReadonlyArray<Partial<ReportLine>>,
    problems: ReportProblem[] = [],
    court = sf
  ): Promise<Reconciliation & { reportId: string }> {
    const parsed: ParsedReport = {
      lines: lines.map((l, i) => ({ ...BLANK, line: i + 2, ...l })),
      problems,
      total: lines.length + problems.length
    }
    const reportId = newId()
    const result = await reconcileReport(
      db,
      { principal: { clientId: clerk.clientId, role: 'clerk', county: SF }, requestId: null, now: clock.now() },
      { reportId, county: SF, court, parsed, format: 'csv', fileName: null, sha256: '0'.repeat(64) }
    )
    accountedFor(t, parsed, result)
    return { ...result, reportId }
  }

  const state = async (id: string) =>
    (await db.selectFrom('filings').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state
  const setState = (id: string, s: FilingState) =>
    db.updateTable('filings').set({ state: s }).where('id', '=', id).execute()
  const outcomes = (filingId?: string) => {
    let q = db.selectFrom('outcomes').selectAll().orderBy('conviction_id')
    if (filingId) q = q.where('filing_id', '=', filingId)
    return q.execute()
  }
  const events = (type: string) => db.selectFrom('events').selectAll().where('type', '=', type).orderBy('id').execute()
  return { ...test, db, key, filings, sf, reconcile, state, setState, outcomes, events }
}

/**
 * The invariant of every reconciliation: lines in = matched + alreadyRecorded + conflicts + unmatched + malformed,
 * counting each line once in its bucket (a line ruling several counts has an entry per count), and every line is
 * in exactly one bucket.
 */
function accountedFor(t: Test, parsed: ParsedReport, r: Reconciliation) {
  const buckets = [r.matched, r.alreadyRecorded, r.conflicts, r.unmatched, r.malformed].map(
    (b) => new Set(b.map((x) => x.line))
  )
  t.equal(
    buckets.reduce((n, b) => n + b.size, 0),
    parsed.total,
    'lines in = matched + alreadyRecorded + conflicts + unmatched + malformed'
  )
  const every = [...parsed.lines.map((l) => l.line), ...parsed.problems.map((p) => p.line)].sort((a, b) => a - b)
  t.same(
    buckets.flatMap((b) => [...b]).sort((a, b) => a - b),
    every,
    'every line is in exactly one bucket'
  )
}

/**
 * The books with a two-count case besides, the second filing ruled on by the court's status before any report, and
 * a report longer than two slices whose lines all name filings that do not exist (a test puts its rulings among them).
 */
async function longReportSetup(t: Test) {
  const books = await setup(t, [...PEOPLE, TWO_COUNTS])
  const b = books.filings[1]!
  await books.db
    .transaction()
    .execute((trx) => recordCourtRuling(trx, { id: b.id, county: SF }, 'granted', books.clock.now().toISOString()))
  const lines: Array<Partial<ReportLine>> = Array.from({ length: 1_200 }, (_, i) => ({
    filingId: `no-such-filing-${i}`
  }))
  return { ...books, lines }
}

const brief = (entries: ReadonlyArray<{ line: number; filingId: string; matchedBy: string; ruling: string }>) =>
  entries.map((m) => [m.line, m.filingId, m.matchedBy, m.ruling])

t.test(
  "a line naming our filing id is matched by it, its count's ruling recorded from the report, the report stored",
  async (t) => {
    const { filings, reconcile, outcomes, db } = await setup(t)
    const [a] = filings as [Filed]
    const r = await reconcile([{ filingId: a.id, ruling: 'granted', orderDate: '2026-11-20', docketId: 'D-1' }])
    t.match(r.matched, [
      { line: 2, filingId: a.id, matchedBy: 'filing_id', ruling: 'granted', caseNumber: 'SCN100001' }
    ])
    t.equal(r.matched[0]!.countOrder, '001')
    t.notOk(r.matched[0]!.confirmed, 'a new ruling, not a confirmation')
    const [outcome, ...others] = await outcomes()
    t.same(others, [], 'one count, one outcome')
    t.same(
      [outcome!.filing_id, outcome!.result, outcome!.source, outcome!.report_id, outcome!.report_line],
      [a.id, 'granted', 'report', r.reportId, 2]
    )
    t.same([outcome!.order_date, outcome!.docket_id], ['2026-11-20', 'D-1'])
    const stored = await db
      .selectFrom('outcome_reports')
      .selectAll()
      .where('id', '=', r.reportId)
      .executeTakeFirstOrThrow()
    const { reportId: _, ...result } = r
    t.same([stored.court_id, stored.lines, JSON.parse(stored.result)], ['CA-SF', 1, result], 'stored with its result')
  }
)

t.test(
  'our filing id is tried first: a line naming one filing by our id and another by the court id is ours',
  async (t) => {
    const { filings, reconcile } = await setup(t)
    const [a, b] = filings as [Filed, Filed]
    const r = await reconcile([{ filingId: a.id, courtFilingId: b.courtFilingId }])
    t.same(brief(r.matched), [[2, a.id, 'filing_id', 'granted']])
  }
)

t.test(
  'a line with the court filing id, and no filing id of ours that exists, is matched by the court id',
  async (t) => {
    const { filings, reconcile } = await setup(t)
    const [, b, c] = filings as [Filed, Filed, Filed]
    t.match(b.courtFilingId, /\S/, 'the court gave its id on acceptance')
    const r = await reconcile([
      { courtFilingId: b.courtFilingId, ruling: 'denied' },
      { filingId: newId(), courtFilingId: c.courtFilingId }
    ])
    t.same(brief(r.matched), [
      [2, b.id, 'court_filing_id', 'denied'],
      [3, c.id, 'court_filing_id', 'granted']
    ])
  }
)

t.test(
  'without ids, a line is matched by case number, date of birth and a name sharing a word (or an alias); a name spelled otherwise is noted',
  async (t) => {
    const { filings, reconcile } = await setup(t)
    const [, b, c] = filings as [Filed, Filed, Filed]
    const r = await reconcile([
      { caseNumber: 'scn-100002', dob: '1971-03-04', name: 'María García' },
      { caseNumber: 'SCN100003', dob: '1980-05-06', name: 'Kim, Samuel' }
    ])
    t.same(brief(r.matched), [
      [2, b.id, 'case_name_dob', 'granted'],
      [3, c.id, 'case_name_dob', 'granted']
    ])
    t.same(
      r.notes,
      [{ line: 2, note: 'matched by case number and date of birth; the name is spelled differently on file' }],
      'the alias, as on file but for case, is no note'
    )
  }
)

t.test('a line matching nothing is unmatched with its reason, and nothing is recorded', async (t) => {
  const { filings, reconcile, outcomes, app, key, sf } = await setup(t)
  const [a, b] = filings as [Filed, Filed]
  // A case taken in but never filed.
  await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({
      person: { name: 'DOE, PAT', dob: '1960-01-01', cii: 'A00000009', dojSubjectId: '2000009' },
      case: { caseNumber: 'SCN100009' }
    })
  })
  const unknown = newId()
  const r = await reconcile([
    { courtFilingId: 'SIM-9999999' },
    { filingId: unknown },
    { caseNumber: 'SCN100002', name: 'GARCIA, MARIA' },
    { caseNumber: 'SCN100002', dob: '1971-03-05', name: 'GARCIA, MARIA' },
    { caseNumber: 'SCN100002', dob: '1971-03-04', name: 'SMITH, JO' },
    { caseNumber: 'SCN100009', dob: '1960-01-01', name: 'DOE, PAT' },
    { filingId: b.id, codeSection: '11350 HS' }
  ])
  t.same(r.unmatched, [
    { line: 2, reason: 'no filing SIM-9999999 with CA-SF' },
    { line: 3, reason: `no filing ${unknown} with CA-SF` },
    {
      line: 4,
      reason: "case SCN100002: a case number is matched with the defendant's date of birth, and the line has none"
    },
    { line: 5, reason: 'no case SCN100002 of a defendant with that date of birth in SAN FRANCISCO' },
    { line: 6, reason: 'case SCN100002: the name does not match the defendant on file' },
    { line: 7, reason: 'case SCN100009 has no filing with CA-SF' },
    { line: 8, reason: `filing ${b.id} asked no relief on a count of 11350 HS` }
  ])
  t.same(await outcomes(), [])

  const elsewhere = await reconcile([{ filingId: a.id, courtFilingId: a.courtFilingId }], [], { ...sf, id: 'CA-SF-2' })
  t.same(
    elsewhere.unmatched,
    [{ line: 2, reason: `filing ${a.id} was filed with CA-SF, not CA-SF-2` }],
    "another court's report cannot rule on this court's filing"
  )
  t.same(await outcomes(), [])
})

t.test('a line repeating a ruling already recorded is alreadyRecorded: nothing is written, no event', async (t) => {
  const { filings, reconcile, outcomes, events } = await setup(t)
  const [a] = filings as [Filed]
  const first = await reconcile([{ filingId: a.id, ruling: 'granted' }])
  const before = { outcomes: await outcomes(), events: (await events('outcome.recorded')).length }
  const again = await reconcile([
    { filingId: a.id, ruling: 'granted' },
    { courtFilingId: a.courtFilingId, ruling: 'granted' }
  ])
  t.same(again.matched, [])
  t.same(brief(again.alreadyRecorded), [
    [2, a.id, 'filing_id', 'granted'],
    [3, a.id, 'court_filing_id', 'granted']
  ])
  t.same(await outcomes(), before.outcomes, 'the outcome still names the first report')
  t.equal(before.outcomes[0]!.report_id, first.reportId)
  t.equal((await events('outcome.recorded')).length, before.events)

  const twice = await reconcile([
    { filingId: filings[1]!.id, ruling: 'denied' },
    { filingId: filings[1]!.id, ruling: 'denied' }
  ])
  t.same(
    [twice.matched.map((m) => m.line), twice.alreadyRecorded.map((m) => m.line)],
    [[2], [3]],
    'a line repeated within one report too'
  )
})

t.test('a line contradicting a recorded ruling is a conflict, listed and never written over', async (t) => {
  const { filings, reconcile, outcomes, events, state } = await setup(t)
  const [a] = filings as [Filed]
  const first = await reconcile([{ filingId: a.id, ruling: 'granted' }])
  const r = await reconcile([{ filingId: a.id, ruling: 'denied' }])
  t.same(r.matched, [])
  t.match(r.conflicts, [
    {
      line: 2,
      filingId: a.id,
      ruling: 'denied',
      matchedBy: 'filing_id',
      recorded: { ruling: 'granted', source: 'report', reportId: first.reportId }
    }
  ])
  const [outcome] = await outcomes(a.id)
  t.same([outcome!.result, outcome!.report_id], ['granted', first.reportId], 'the recorded ruling stands')
  t.equal(await state(a.id), 'granted')
  const [conflict, ...more] = await events('outcome.conflict')
  t.same(more, [])
  t.same(JSON.parse(conflict!.payload), {
    filingId: a.id,
    convictionId: outcome!.conviction_id,
    recorded: 'granted',
    reported: 'denied',
    reportId: r.reportId
  })
})

t.test(
  "a report repeating the ruling the court's status recorded confirms it; one contradicting it is a conflict",
  async (t) => {
    const { filings, reconcile, outcomes, events, db, clock } = await setup(t)
    const [a, b] = filings as [Filed, Filed]
    await db.transaction().execute(async (trx) => {
      for (const f of [a, b])
        await recordCourtRuling(trx, { id: f.id, county: SF }, 'granted', clock.now().toISOString())
    })
    const recordedEvents = (await events('outcome.recorded')).length
    const r = await reconcile([
      { filingId: a.id, ruling: 'granted' },
      { filingId: b.id, ruling: 'denied' }
    ])
    t.same(
      r.matched.map((m) => [m.filingId, m.confirmed]),
      [[a.id, true]]
    )
    t.match(r.conflicts, [{ filingId: b.id, recorded: { ruling: 'granted', source: 'court_status', reportId: null } }])
    const [confirmed] = await outcomes(a.id)
    t.same(
      [confirmed!.result, confirmed!.source, confirmed!.report_id, confirmed!.report_line],
      ['granted', 'court_status', r.reportId, 2]
    )
    t.equal((await events('outcome.recorded')).length, recordedEvents, 'a confirmation is not news')
    t.same(
      (await outcomes(b.id)).map((o) => [o.result, o.report_id]),
      [['granted', null]]
    )
  }
)

t.test('a ruling on a rejected, failed or cancelled filing records nothing', async (t) => {
  const { filings, reconcile, outcomes, setState, state } = await setup(t)
  const [a, b, c] = filings as [Filed, Filed, Filed]
  await setState(a.id, 'rejected')
  await setState(b.id, 'failed')
  await setState(c.id, 'cancelled')
  const r = await reconcile([
    { filingId: a.id },
    { filingId: b.id },
    { filingId: c.id },
    { caseNumber: 'SCN100001', dob: '1965-01-02', name: 'JONES, ANN' },
    { caseNumber: 'SCN100002', dob: '1971-03-04', name: 'GARCIA, MARIA' }
  ])
  t.same(r.unmatched, [
    { line: 2, reason: `filing ${a.id} is rejected: the court cannot have ruled on it` },
    { line: 3, reason: `filing ${b.id} is failed: the court cannot have ruled on it` },
    { line: 4, reason: `filing ${c.id} is cancelled: the court cannot have ruled on it` },
    { line: 5, reason: `filing ${a.id} is rejected: the court cannot have ruled on it` },
    { line: 6, reason: 'case SCN100002 has no filing with CA-SF' }
  ])
  t.same(await outcomes(), [])
  t.same([await state(a.id), await state(b.id), await state(c.id)], ['rejected', 'failed', 'cancelled'])
})

t.test('a ruling on a filing not yet sent to the court records nothing', async (t) => {
  const { filings, reconcile, outcomes, setState, state } = await setup(t)
  const [a] = filings as [Filed]
  await setState(a.id, 'queued')
  const r = await reconcile([{ filingId: a.id }])
  t.same(r.matched, [])
  t.same(
    r.unmatched.map((u) => u.reason),
    [`filing ${a.id} is queued: it has not reached the court`]
  )
  t.same(await outcomes(), [])
  t.equal(await state(a.id), 'queued')
})

t.test(
  'accepted filings of the court that the report does not mention, and no report has ruled on, are omitted',
  async (t) => {
    const { filings, reconcile, setState, db, clock } = await setup(t)
    const [a, b, c] = filings as [Filed, Filed, Filed]
    const omitted = (r: Reconciliation) => r.omitted.map((o) => o.filingId)
    const first = await reconcile([{ filingId: a.id }])
    t.same(first.omitted, [
      { filingId: b.id, state: 'accepted', courtFilingId: b.courtFilingId, caseNumbers: ['SCN100002'] },
      { filingId: c.id, state: 'accepted', courtFilingId: c.courtFilingId, caseNumbers: ['SCN100003'] }
    ])
    // The court's status says b was granted; only a report rules for the books, so b is still asked about.
    await db
      .transaction()
      .execute((trx) => recordCourtRuling(trx, { id: b.id, county: SF }, 'granted', clock.now().toISOString()))
    await setState(b.id, 'granted')
    await setState(c.id, 'submitted')
    t.same(omitted(await reconcile([])), [b.id], 'a ruled on by a report; c not accepted yet')
    t.same(omitted(await reconcile([{ filingId: b.id }])), [], 'a mentioned filing is not omitted')
  }
)

t.test(
  'a per-count line rules only the count its code section names; the filing moves once all are ruled',
  async (t) => {
    const { filings, reconcile, outcomes, state } = await setup(t, [TWO_COUNTS])
    const [d] = filings as [Filed]
    const first = await reconcile([{ filingId: d.id, codeSection: 'HS 11358', ruling: 'denied' }])
    t.same(
      first.matched.map((m) => [m.countOrder, m.ruling]),
      [['002', 'denied']]
    )
    t.same(
      (await outcomes(d.id)).map((o) => o.result),
      ['denied'],
      'the other count has no outcome'
    )
    t.equal(await state(d.id), 'accepted', 'one count still waits for its ruling')
    t.same(first.omitted, [], 'a filing the report mentions is not omitted')

    const second = await reconcile([{ filingId: d.id, codeSection: '11359 HS', ruling: 'granted' }])
    t.same(
      second.matched.map((m) => [m.countOrder, m.ruling]),
      [['001', 'granted']]
    )
    t.equal(await state(d.id), 'partially_granted', 'one granted, one denied')
  }
)

t.test('a line without a code section rules every count the filing asked relief for', async (t) => {
  const { filings, reconcile, outcomes, state } = await setup(t, [TWO_COUNTS])
  const [d] = filings as [Filed]
  const r = await reconcile([{ filingId: d.id, ruling: 'granted' }])
  t.same(
    r.matched.map((m) => [m.line, m.countOrder]),
    [
      [2, '001'],
      [2, '002']
    ]
  )
  t.equal((await outcomes(d.id)).length, 2)
  t.equal(await state(d.id), 'granted')
})

t.test(
  'each recorded outcome emits outcome.recorded and moves its filing to the ruling; a withdrawal moves nothing',
  async (t) => {
    const { filings, reconcile, outcomes, events, state, db, clock } = await setup(t)
    const [a, b, c] = filings as [Filed, Filed, Filed]
    const r = await reconcile([
      { filingId: a.id, ruling: 'granted', orderDate: '2026-11-20' },
      { filingId: b.id, ruling: 'denied' },
      { filingId: c.id, ruling: 'withdrawn' }
    ])
    const recorded = (await events('outcome.recorded')).map((e) => JSON.parse(e.payload))
    const convictionOf = async (f: Filed) => (await outcomes(f.id))[0]!.conviction_id
    t.same(recorded, [
      {
        filingId: a.id,
        convictionId: await convictionOf(a),
        ruling: 'granted',
        orderDate: '2026-11-20',
        source: 'report',
        reportId: r.reportId
      },
      {
        filingId: b.id,
        convictionId: await convictionOf(b),
        ruling: 'denied',
        orderDate: null,
        source: 'report',
        reportId: r.reportId
      },
      {
        filingId: c.id,
        convictionId: await convictionOf(c),
        ruling: 'withdrawn',
        orderDate: null,
        source: 'report',
        reportId: r.reportId
      }
    ])
    t.same([await state(a.id), await state(b.id), await state(c.id)], ['granted', 'denied', 'accepted'])
    const moves = await db
      .selectFrom('filing_events')
      .selectAll()
      .where('source', '=', 'report')
      .orderBy('id')
      .execute()
    t.same(
      moves.map((m) => [m.filing_id, m.from_state, m.to_state, m.at, JSON.parse(m.detail!).reportId]),
      [
        [a.id, 'accepted', 'granted', clock.now().toISOString(), r.reportId],
        [b.id, 'accepted', 'denied', clock.now().toISOString(), r.reportId]
      ]
    )
    t.same(
      (await events('filing.state_changed')).slice(-2).map((e) => [e.record_id, JSON.parse(e.payload).state]),
      [
        [a.id, 'granted'],
        [b.id, 'denied']
      ],
      'and DA systems hear of the moves'
    )
  }
)

t.test(
  "a ruling on a filing whose acceptance the court's status has not told yet moves it through accepted",
  async (t) => {
    const { filings, reconcile, state, setState, db } = await setup(t)
    const [a] = filings as [Filed]
    await setState(a.id, 'submitted')
    await reconcile([{ filingId: a.id, ruling: 'denied' }])
    t.equal(await state(a.id), 'denied')
    const moves = await db
      .selectFrom('filing_events')
      .select(['from_state', 'to_state'])
      .where('filing_id', '=', a.id)
      .where('source', '=', 'report')
      .orderBy('id')
      .execute()
    t.same(
      moves.map((m) => `${m.from_state}→${m.to_state}`),
      ['submitted→accepted', 'accepted→denied']
    )
  }
)

t.test('malformed lines come through as read and count among the lines in; the others still count', async (t) => {
  const { filings, reconcile } = await setup(t)
  const [a] = filings as [Filed]
  const problems = [
    { line: 3, reason: 'unknown ruling "maybe"' },
    { line: 4, reason: 'no ruling' }
  ]
  const r = await reconcile([{ filingId: a.id }], problems)
  t.same(r.malformed, problems)
  t.same(brief(r.matched), [[2, a.id, 'filing_id', 'granted']])
})

t.test(
  'a report longer than a slice reads as one: rulings far apart add up, a repeat far below is already recorded, a contradiction is a conflict',
  async (t) => {
    const { filings, reconcile, outcomes, state, lines } = await longReportSetup(t)
    const [a, b, c, d] = filings as [Filed, Filed, Filed, Filed]
    lines[0] = { filingId: d.id, codeSection: '11358 HS', ruling: 'denied' }
    lines[1] = { filingId: a.id, ruling: 'granted', orderDate: '2026-11-01', docketId: 'D-A' }
    lines[520] = { courtFilingId: b.courtFilingId, ruling: 'granted', orderDate: '2026-11-02', docketId: 'D-B' }
    lines[700] = { filingId: d.id, codeSection: '11359 HS', ruling: 'granted' }
    lines[900] = { filingId: a.id, ruling: 'granted' }
    lines[1_100] = { filingId: a.id, ruling: 'denied' }
    lines[1_150] = { caseNumber: c.caseNumber, dob: '1980-05-06', name: 'LEE, SAMMY', ruling: 'granted' }
    const r = await reconcile(lines)

    t.same(
      r.matched.map((m) => [m.line, m.filingId, m.matchedBy, m.ruling, m.confirmed ?? false]),
      [
        [2, d.id, 'filing_id', 'denied', false],
        [3, a.id, 'filing_id', 'granted', false],
        [522, b.id, 'court_filing_id', 'granted', true],
        [702, d.id, 'filing_id', 'granted', false],
        [1152, c.id, 'case_name_dob', 'granted', false]
      ]
    )
    t.same(brief(r.alreadyRecorded), [[902, a.id, 'filing_id', 'granted']], 'the repeat 900 lines below')
    t.same(
      r.conflicts.map((x) => [x.line, x.filingId, x.recorded.ruling, x.recorded.reportId]),
      [[1102, a.id, 'granted', r.reportId]],
      'the contradiction of a ruling this report recorded'
    )
    t.equal(r.unmatched.length, 1_193)
    t.same(r.unmatched[0], { line: 4, reason: 'no filing no-such-filing-2 with CA-SF' })
    t.same(
      r.notes.map((n) => n.line),
      [1152]
    )
    t.same(
      [await state(a.id), await state(b.id), await state(c.id), await state(d.id)],
      ['granted', 'granted', 'granted', 'partially_granted'],
      "each filing moves once its counts' rulings are all in, wherever they were"
    )
    const [confirmedB] = await outcomes(b.id)
    t.match(
      confirmedB,
      { source: 'court_status', report_id: r.reportId, report_line: 522, order_date: '2026-11-02', docket_id: 'D-B' },
      "the court's ruling confirmed with the line's own date and docket"
    )
    const [recordedA] = await outcomes(a.id)
    t.match(recordedA, { source: 'report', report_line: 3, order_date: '2026-11-01', docket_id: 'D-A' })
    t.equal((await outcomes()).length, 5, 'an outcome per count ruled, none twice')
  }
)

t.test(
  'a reconciliation the database stops partway keeps the slices it finished; run again whole, its lines match once and nothing is recorded twice',
  async (t) => {
    const { filings, outcomes, events, state, db, clock, sf, lines } = await longReportSetup(t)
    const [a, b, c, d] = filings as [Filed, Filed, Filed, Filed]
    lines[0] = { filingId: d.id, codeSection: '11358 HS', ruling: 'denied' }
    lines[1] = { filingId: a.id, ruling: 'granted' }
    lines[520] = { courtFilingId: b.courtFilingId, ruling: 'granted' }
    lines[700] = { filingId: d.id, codeSection: '11359 HS', ruling: 'granted' }
    lines[1_150] = { caseNumber: c.caseNumber, dob: '1980-05-06', name: 'LEE, SAM', ruling: 'granted' }
    const parsed: ParsedReport = {
      lines: lines.map((l, i) => ({ ...BLANK, line: i + 2, ...l })),
      problems: [],
      total: lines.length
    }
    const reportId = newId()
    const clerk = (await createApiClient(db, { role: 'clerk', county: SF }, clock.now())).client
    const run = (on: typeof db) =>
      reconcileReport(
        on,
        { principal: { clientId: clerk.clientId, role: 'clerk', county: SF }, requestId: null, now: clock.now() },
        { reportId, county: SF, court: sf, parsed, format: 'csv', fileName: null, sha256: '0'.repeat(64) }
      )
    // The database goes away in the second slice, as it confirms the court's ruling on b.
    const failing = db.withPlugin({
      transformQuery: ({ node, queryId }) => {
        if (/update outcomes set report_id/.test(db.getExecutor().compileQuery(node, queryId).sql))
          throw new Error('Connection terminated unexpectedly')
        return node
      },
      transformResult: async ({ result }) => result
    })
    await t.rejects(run(failing), /Connection terminated/)
    t.same(
      (await outcomes()).map((o) => [o.filing_id, o.report_line]).sort(),
      [
        [a.id, 3],
        [b.id, null],
        [d.id, 2]
      ].sort(),
      "the first slice's rulings were kept; the second's were not"
    )
    t.equal(await state(a.id), 'granted', 'and the filing it ruled on moved')
    t.equal(
      (await db.selectFrom('outcome_reports').select('id').where('id', '=', reportId).execute()).length,
      0,
      'the report is not stored until every slice is'
    )

    const r = await run(db)
    accountedFor(t, parsed, r)
    t.same(
      r.matched.map((m) => [m.line, m.filingId, m.confirmed ?? false]),
      [
        [2, d.id, false],
        [3, a.id, false],
        [522, b.id, true],
        [702, d.id, false],
        [1152, c.id, false]
      ],
      "every ruled line matched, the first slice's as well"
    )
    t.same(r.alreadyRecorded, [], 'none of its own lines counted as recorded before')
    t.equal((await outcomes()).length, 5, 'an outcome per count ruled, none twice')
    const reported = (await events('outcome.recorded')).filter(
      (e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload).reportId === reportId
    )
    t.equal(reported.length, 4, 'an event per ruling the report recorded, none twice')
    t.same(
      [await state(a.id), await state(b.id), await state(c.id), await state(d.id)],
      ['granted', 'granted', 'granted', 'partially_granted']
    )
    t.equal(
      (await db.selectFrom('outcome_reports').select('state').where('id', '=', reportId).executeTakeFirstOrThrow())
        .state,
      'done'
    )
  }
)

t.test(
  'rulings recorded together give each conviction one outcome, the first ruling on it, as one by one would',
  async (t) => {
    const { filings, outcomes, events, db, clock } = await setup(t)
    const [a, b] = filings as [Filed, Filed]
    const at = clock.now().toISOString()
    // The same filing twice in one batch (its counts ruled on twice): one outcome per conviction, no unique violation.
    const recorded = await db.transaction().execute((trx) =>
      recordCourtRulings(
        trx,
        [
          { filing: { id: a.id, county: SF }, ruling: 'granted' },
          { filing: { id: b.id, county: SF }, ruling: 'denied' },
          { filing: { id: a.id, county: SF }, ruling: 'denied' }
        ],
        at
      )
    )
    t.equal(recorded, 2, "a's count and b's count, once each")
    t.same(
      (await outcomes()).map((o) => [o.filing_id, o.result]).sort(),
      [
        [a.id, 'granted'],
        [b.id, 'denied']
      ].sort()
    )
    t.equal((await events('outcome.recorded')).length, 2, 'one event per outcome recorded')
  }
)
