import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { generateDojRows } from '../../../src/ingest/generate-doj.js'
import { courtRow } from '../../doj-rows.js'
import { bearer, buildTestApp, caseBody, type TestApp } from '../../helper.js'

const dojFile = (rows: number, seed = 9) => [...generateDojRows({ rows, seed, header: true })].join('')

t.test(
  'a DOJ file uploaded to /v1/reviews is reviewed in the background, with progress, figures and stored results',
  async (t) => {
    const { app, handle, keyFor, runJobs, config } = await buildTestApp(t)
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const created = await app.inject({
      method: 'POST',
      url: '/v1/reviews?asOf=2026-11-28&name=sf-2026.csv',
      headers: { ...bearer(key), 'content-type': 'text/csv' },
      payload: dojFile(3000)
    })
    t.equal(created.statusCode, 202)
    const run = created.json()
    t.equal(run.state, 'queued')
    t.equal(run.county, 'SAN FRANCISCO')
    t.equal(run.policy.name, 'Statewide default: the law floor')
    t.ok(run.listVersions['superstrike-pc667e2Civ'])

    t.equal(await runJobs(), 1)
    const done = (await app.inject({ url: `/v1/reviews/${run.id}`, headers: bearer(key) })).json()
    t.equal(done.state, 'done')
    t.equal(done.progress.rowsRead, 3000)
    t.equal(done.progress.share, 1)
    t.match(done.input.sha256, /^[0-9a-f]{64}$/)
    t.ok(done.summary.prop64ConvictionsInCounty > 0)
    t.notOk(
      existsSync(join(config.dataDir, 'uploads', `${run.id}.csv`)),
      'the uploaded DOJ file is deleted once decided (its SHA-256 stays)'
    )

    const stored = await handle.db
      .selectFrom('determinations')
      .selectAll()
      .where('review_run_id', '=', run.id)
      .execute()
    t.equal(
      stored.length,
      done.summary.prop64ConvictionsInCounty,
      'every determination is stored against its conviction'
    )

    const page = (
      await app.inject({
        url: `/v1/reviews/${run.id}/determinations?outcome=needs_review&limit=5`,
        headers: bearer(key)
      })
    ).json()
    t.ok(page.items.length > 0 && page.items.length <= 5)
    for (const item of page.items) t.equal(item.outcome, 'needs_review')
    t.ok(page.next)
    const next = (
      await app.inject({
        url: `/v1/reviews/${run.id}/determinations?outcome=needs_review&limit=5&after=${page.next}`,
        headers: bearer(key)
      })
    ).json()
    t.notSame(
      next.items.map((i: { id: string }) => i.id),
      page.items.map((i: { id: string }) => i.id),
      'the next page is another page'
    )

    const caseView = (await app.inject({ url: `/v1/cases/${page.items[0].case.id}`, headers: bearer(key) })).json()
    t.ok(
      caseView.counts.some((c: { determination: { reviewId: string } | null }) => c.determination?.reviewId === run.id),
      'the case shows the review’s determination'
    )

    const csv = await app.inject({ url: `/v1/reviews/${run.id}/files/determinations.csv`, headers: bearer(key) })
    t.equal(csv.statusCode, 200)
    t.match(csv.headers['content-type'], /text\/csv/)
    t.match(csv.body, /^subject_id,count_order,case_number,name,code_section/)
    t.equal(csv.body.trimEnd().split('\n').length - 1, done.summary.prop64ConvictionsInCounty)

    const audit = await handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('county', '=', 'SAN FRANCISCO')
      .execute()
    const actions = new Set(audit.map((a) => a.action))
    for (const a of ['review.create', 'review.determine', 'determination.list', 'review.download'])
      t.ok(actions.has(a), a)
  }
)

t.test('with retainDojUploads the uploaded DOJ file is kept after its review', async (t) => {
  const { app, keyFor, runJobs, config } = await buildTestApp(t, { retainDojUploads: true })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const run = (
    await app.inject({
      method: 'POST',
      url: '/v1/reviews?asOf=2026-11-28',
      headers: { ...bearer(key), 'content-type': 'text/csv' },
      payload: dojFile(50)
    })
  ).json()
  await runJobs()
  t.ok(existsSync(join(config.dataDir, 'uploads', `${run.id}.csv`)))
})

t.test("another county's review is a 404; a clerk may not start one", async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const sf = await keyFor('deputy_da', 'SAN FRANCISCO')
  const run = (
    await app.inject({
      method: 'POST',
      url: '/v1/reviews?asOf=2026-11-28',
      headers: { ...bearer(sf), 'content-type': 'text/csv' },
      payload: dojFile(50)
    })
  ).json()
  const la = await keyFor('deputy_da', 'LOS ANGELES')
  t.equal((await app.inject({ url: `/v1/reviews/${run.id}`, headers: bearer(la) })).statusCode, 404)
  const clerk = await keyFor('clerk', 'SAN FRANCISCO')
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/reviews?asOf=2026-11-28',
        headers: { ...bearer(clerk), 'content-type': 'text/csv' },
        payload: 'x'
      })
    ).statusCode,
    403
  )
})

t.test('a review asks for a date and a known policy', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const noDate = await app.inject({
    method: 'POST',
    url: '/v1/reviews',
    headers: { ...bearer(key), 'content-type': 'text/csv' },
    payload: 'x'
  })
  t.equal(noDate.statusCode, 400)
  t.equal(noDate.json().details[0].path, '/asOf')
  const badPolicy = await app.inject({
    method: 'POST',
    url: '/v1/reviews?asOf=2026-11-28&policy=lenient',
    headers: { ...bearer(key), 'content-type': 'text/csv' },
    payload: 'x'
  })
  t.equal(badPolicy.statusCode, 400)
  t.equal(badPolicy.json().details[0].path, '/policy')
})

t.test(
  'a file that is not a DOJ file ends the review as failed with the reason, and its files are still there',
  async (t) => {
    const { app, keyFor, runJobs, config } = await buildTestApp(t)
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const run = (
      await app.inject({
        method: 'POST',
        url: '/v1/reviews?asOf=2026-11-28',
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        payload: 'hello\nworld\n'
      })
    ).json()
    const early = await app.inject({ url: `/v1/reviews/${run.id}/files/errors.csv`, headers: bearer(key) })
    t.equal(early.statusCode, 409, 'files come when the review has finished')
    await runJobs()
    const done = (await app.inject({ url: `/v1/reviews/${run.id}`, headers: bearer(key) })).json()
    t.equal(done.state, 'failed')
    t.match(done.error, /no row could be read/)
    t.notMatch(done.error, config.dataDir, "the server's folders are not shown")
    const errors = await app.inject({ url: `/v1/reviews/${run.id}/files/errors.csv`, headers: bearer(key) })
    t.match(errors.body, /1,,error,"expected 95 fields, found 1"/)
  }
)

/** Uploads a DOJ file as a review, runs it, and answers the finished run. */
async function reviewOf(t: { app: TestApp['app']; runJobs: TestApp['runJobs'] }, key: string, lines: string[]) {
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/reviews?asOf=2026-11-28',
    headers: { ...bearer(key), 'content-type': 'text/csv' },
    payload: `${lines.join('\n')}\n`
  })
  await t.runJobs()
  return (await t.app.inject({ url: `/v1/reviews/${created.json().id}`, headers: bearer(key) })).json()
}

/** The newest determination of each of a person's convictions, by canonical section and date. */
async function latestOf(handle: TestApp['handle'], personId: string) {
  const rows = await handle.db
    .selectFrom('determinations as d')
    .innerJoin('convictions as c', 'c.id', 'd.conviction_id')
    .select(['d.id', 'd.outcome', 'c.code_section', 'c.conviction_date'])
    .where('c.person_id', '=', personId)
    .orderBy('d.id')
    .execute()
  return Object.fromEntries(rows.map((r) => [`${r.code_section} ${r.conviction_date}`, r.outcome]))
}

t.test(
  "a REST case for a person a DOJ review decided keeps the other county's super strike: one person, one answer (finding 9)",
  async (t) => {
    const ctx = await buildTestApp(t)
    const key = await ctx.keyFor('deputy_da', 'SAN FRANCISCO')
    const done = await reviewOf(ctx, key, [
      courtRow('001002001000', '187 PC-MURDER', {
        SUBJECT_ID: '7001',
        STP_EVENT_DATE: '20000101',
        STP_ORI_CNTY_NAME: 'LOS ANGELES',
        STP_ORI_DESCR: 'CASC LOS ANGELES',
        OFN: 'LA1'
      }),
      courtRow('002002001000', '11359 HS-POSSESS FOR SALE', { SUBJECT_ID: '7001', STP_ORI_DESCR: 'CASC SAN FRANCISCO' })
    ])
    t.equal(done.summary.convictionsByOutcome.not_eligible, 1)
    const person = await ctx.handle.db
      .selectFrom('people')
      .select('id')
      .where('doj_subject_id', '=', '7001')
      .executeTakeFirstOrThrow()
    const stored = await ctx.handle.db
      .selectFrom('convictions')
      .select(['code_section', 'court_county'])
      .where('person_id', '=', person.id)
      .orderBy('conviction_date')
      .execute()
    t.same(
      stored,
      [
        { code_section: 'PC 187', court_county: 'LOS ANGELES' },
        { code_section: 'HS 11359', court_county: null }
      ],
      'the whole record is kept, with the county that convicted'
    )

    const rest = await ctx.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({
        person: { dojSubjectId: '7001', dob: '1970-02-03', cii: undefined },
        case: { caseNumber: 'SCN-REST' },
        counts: [
          {
            codeSection: '11359 HS',
            severity: 'F',
            disposition: 'convicted',
            convictionDate: '2012-03-01',
            sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
          }
        ]
      })
    })
    t.equal(rest.statusCode, 201, rest.body)
    t.same(
      await latestOf(ctx.handle, person.id),
      { 'HS 11359 2010-05-01': 'not_eligible', 'HS 11359 2012-03-01': 'not_eligible' },
      'neither the DOJ count nor the new one is reduced'
    )
  }
)

t.test(
  'a DOJ review brings a new fact to a person already on file by REST: their earlier determination is re-decided, with an event',
  async (t) => {
    const ctx = await buildTestApp(t)
    const key = await ctx.keyFor('deputy_da', 'SAN FRANCISCO')
    const rest = (
      await ctx.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({ person: { dojSubjectId: '7002' } })
      })
    ).json()
    t.equal(rest.counts[0].determination.outcome, 'reduce_to_misdemeanor')
    await reviewOf(ctx, key, [
      courtRow('001002001000', '187PC-MURDER', {
        SUBJECT_ID: '7002',
        PRI_DOB: '19700203',
        STP_EVENT_DATE: '20000101',
        STP_ORI_CNTY_NAME: 'ALAMEDA',
        STP_ORI_DESCR: 'CASC ALAMEDA'
      }),
      courtRow('002002001000', '11358 HS-CULTIVATE', {
        SUBJECT_ID: '7002',
        PRI_DOB: '19700203',
        STP_EVENT_DATE: '20110101',
        OFN: 'SCN777'
      })
    ])
    const after = (await ctx.app.inject({ url: `/v1/cases/${rest.id}`, headers: bearer(key) })).json()
    t.equal(
      after.counts[0].determination.outcome,
      'not_eligible',
      'the prior PC 187 from the DOJ file reaches the REST case'
    )
    const events = await ctx.handle.db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('type', '=', 'determination.made')
      .execute()
    t.ok(
      events.some(
        (e) =>
          JSON.parse(e.payload).outcome === 'not_eligible' && JSON.parse(e.payload).convictionId === rest.counts[0].id
      ),
      'the DA system hears of the change'
    )
  }
)

t.test(
  'a DOJ file whose rows for one person are apart stores each conviction and determination once (finding 9)',
  async (t) => {
    const ctx = await buildTestApp(t)
    const key = await ctx.keyFor('deputy_da', 'SAN FRANCISCO')
    const lines = [...generateDojRows({ rows: 1500, seed: 12, malformedRate: 0 })].map((l) => l.trimEnd())
    // Every third row to the end: almost every person's rows are apart.
    const scattered = [...lines.filter((_, i) => i % 3 !== 0), ...lines.filter((_, i) => i % 3 === 0)]
    const done = await reviewOf(ctx, key, scattered)
    t.equal(done.state, 'done')
    t.equal(done.summary.readMode, 'regrouped')
    const rows = await ctx.handle.db
      .selectFrom('determinations')
      .select('conviction_id')
      .where('review_run_id', '=', done.id)
      .execute()
    t.equal(rows.length, done.summary.prop64ConvictionsInCounty, 'one row per decided count')
    t.equal(new Set(rows.map((r) => r.conviction_id)).size, rows.length, 'no conviction decided twice')
    const counts = await ctx.handle.db.selectFrom('convictions').select(['case_id', 'count_order']).execute()
    t.equal(new Set(counts.map((c) => `${c.case_id}|${c.count_order}`)).size, counts.length, 'no count stored twice')

    // The same file in its own order gives the same answers.
    const inOrder = await reviewOf(ctx, key, lines)
    t.same(inOrder.summary.convictionsByOutcome, done.summary.convictionsByOutcome)
    t.same(inOrder.summary.ledger, done.summary.ledger)
    const again = await ctx.handle.db.selectFrom('convictions').select('id').execute()
    t.equal(again.length, counts.length, 'reading the file again stores no count twice')
  }
)

t.test(
  'a policy named like an object property (__proto__, constructor, toString) is a 400, and nothing is stored or queued',
  async (t) => {
    const { app, handle, keyFor, config } = await buildTestApp(t)
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    for (const policy of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/reviews?asOf=2026-11-28&policy=${policy}`,
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        payload: dojFile(20)
      })
      t.equal(res.statusCode, 400, policy)
      t.equal(res.json().details[0].path, '/policy', policy)
    }
    t.equal((await handle.db.selectFrom('review_runs').selectAll().execute()).length, 0, 'no review row')
    t.equal((await handle.db.selectFrom('jobs').selectAll().execute()).length, 0, 'no job')
    const uploads = join(config.dataDir, 'uploads')
    t.same(existsSync(uploads) ? readdirSync(uploads) : [], [], 'no uploaded file left behind')
  }
)
