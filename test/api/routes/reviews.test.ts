import t from 'tap'
import { generateDojRows } from '../../../src/ingest/generate-doj.js'
import { bearer, buildTestApp } from '../../helper.js'

const dojFile = (rows: number, seed = 9) => [...generateDojRows({ rows, seed, header: true })].join('')

t.test('a DOJ file uploaded to /v1/reviews is reviewed in the background, with progress, figures and stored results', async (t) => {
  const { app, handle, keyFor, runJobs } = await buildTestApp(t)
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

  const stored = await handle.db.selectFrom('determinations').selectAll().where('review_run_id', '=', run.id).execute()
  t.equal(stored.length, done.summary.prop64ConvictionsInCounty, 'every determination is stored against its conviction')

  const page = (await app.inject({ url: `/v1/reviews/${run.id}/determinations?outcome=needs_review&limit=5`, headers: bearer(key) })).json()
  t.ok(page.items.length > 0 && page.items.length <= 5)
  for (const item of page.items) t.equal(item.outcome, 'needs_review')
  t.ok(page.next)
  const next = (await app.inject({ url: `/v1/reviews/${run.id}/determinations?outcome=needs_review&limit=5&after=${page.next}`, headers: bearer(key) })).json()
  t.notSame(next.items.map((i: { id: string }) => i.id), page.items.map((i: { id: string }) => i.id), 'the next page is another page')

  const caseView = (await app.inject({ url: `/v1/cases/${page.items[0].case.id}`, headers: bearer(key) })).json()
  t.ok(caseView.counts.some((c: { determination: { reviewId: string } | null }) => c.determination?.reviewId === run.id), 'the case shows the review’s determination')

  const csv = await app.inject({ url: `/v1/reviews/${run.id}/files/determinations.csv`, headers: bearer(key) })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /text\/csv/)
  t.match(csv.body, /^subject_id,count_order,case_number,name,code_section/)
  t.equal(csv.body.trimEnd().split('\n').length - 1, done.summary.prop64ConvictionsInCounty)

  const audit = await handle.db.selectFrom('audit_events').select('action').where('county', '=', 'SAN FRANCISCO').execute()
  const actions = new Set(audit.map((a) => a.action))
  for (const a of ['review.create', 'review.determine', 'determination.list', 'review.download']) t.ok(actions.has(a), a)
})

t.test("another county's review is a 404; a clerk may not start one", async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const sf = await keyFor('deputy_da', 'SAN FRANCISCO')
  const run = (await app.inject({ method: 'POST', url: '/v1/reviews?asOf=2026-11-28', headers: { ...bearer(sf), 'content-type': 'text/csv' }, payload: dojFile(50) })).json()
  const la = await keyFor('deputy_da', 'LOS ANGELES')
  t.equal((await app.inject({ url: `/v1/reviews/${run.id}`, headers: bearer(la) })).statusCode, 404)
  const clerk = await keyFor('clerk', 'SAN FRANCISCO')
  t.equal((await app.inject({ method: 'POST', url: '/v1/reviews?asOf=2026-11-28', headers: { ...bearer(clerk), 'content-type': 'text/csv' }, payload: 'x' })).statusCode, 403)
})

t.test('a review asks for a date and a known policy', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const noDate = await app.inject({ method: 'POST', url: '/v1/reviews', headers: { ...bearer(key), 'content-type': 'text/csv' }, payload: 'x' })
  t.equal(noDate.statusCode, 400)
  t.equal(noDate.json().details[0].path, '/asOf')
  const badPolicy = await app.inject({ method: 'POST', url: '/v1/reviews?asOf=2026-11-28&policy=lenient', headers: { ...bearer(key), 'content-type': 'text/csv' }, payload: 'x' })
  t.equal(badPolicy.statusCode, 400)
  t.equal(badPolicy.json().details[0].path, '/policy')
})

t.test('a file that is not a DOJ file ends the review as failed with the reason, and its files are still there', async (t) => {
  const { app, keyFor, runJobs } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const run = (await app.inject({ method: 'POST', url: '/v1/reviews?asOf=2026-11-28', headers: { ...bearer(key), 'content-type': 'text/csv' }, payload: 'hello\nworld\n' })).json()
  const early = await app.inject({ url: `/v1/reviews/${run.id}/files/errors.csv`, headers: bearer(key) })
  t.equal(early.statusCode, 409, 'files come when the review has finished')
  await runJobs()
  const done = (await app.inject({ url: `/v1/reviews/${run.id}`, headers: bearer(key) })).json()
  t.equal(done.state, 'failed')
  t.match(done.error, /no row could be read/)
  const errors = await app.inject({ url: `/v1/reviews/${run.id}/files/errors.csv`, headers: bearer(key) })
  t.match(errors.body, /1,,error,"expected 95 fields, found 1"/)
})
