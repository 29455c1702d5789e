import t from 'tap'
import { bearer, buildTestApp, caseBody } from '../../helper.js'

/** A felony 11360 after a prior PC 207: the super strike needs a fact, so the conviction goes to review. */
const reviewCase = caseBody({
  counts: [
    { codeSection: '207 PC', severity: 'F', disposition: 'convicted', convictionDate: '2001-01-01' },
    { codeSection: '11360 HS', severity: 'F', disposition: 'convicted', convictionDate: '2010-05-01' }
  ]
})

t.test('the review queue lists needs_review determinations with the case and person they concern', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const da = await keyFor('da_system', 'SAN FRANCISCO')
  await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(da), payload: reviewCase })
  const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
  const queue = (
    await app.inject({ url: '/v1/determinations?outcome=needs_review&undecided=true', headers: bearer(deputy) })
  ).json()
  t.equal(queue.items.length, 1)
  const item = queue.items[0]
  t.equal(item.section, 'HS 11360')
  t.equal(item.case.caseNumber, 'SCN123456')
  t.equal(item.person.name, 'GARCIA, MARIA')
  t.match(item.reason, /intent to commit a sex offense/)
  t.equal(queue.next, null)
})

t.test(
  "a deputy DA's decision is recorded with its reason and audited, and the engine's outcome stays visible",
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const da = await keyFor('da_system', 'SAN FRANCISCO')
    const created = (
      await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(da), payload: reviewCase })
    ).json()
    const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
    const [item] = (
      await app.inject({ url: '/v1/determinations?outcome=needs_review', headers: bearer(deputy) })
    ).json().items
    const decided = await app.inject({
      method: 'POST',
      url: `/v1/determinations/${item.id}/decision`,
      headers: bearer(deputy),
      payload: { outcome: 'reduce_to_misdemeanor', reason: 'The 2001 kidnapping file shows no sexual intent' }
    })
    t.equal(decided.statusCode, 200)
    const view = decided.json()
    t.equal(view.outcome, 'needs_review', 'the engine’s outcome is kept')
    t.equal(view.decision.outcome, 'reduce_to_misdemeanor')
    t.equal(view.decision.reason, 'The 2001 kidnapping file shows no sexual intent')

    const caseView = (await app.inject({ url: `/v1/cases/${created.id}`, headers: bearer(deputy) })).json()
    t.equal(caseView.counts[1].determination.decision.outcome, 'reduce_to_misdemeanor')
    const undecided = (
      await app.inject({ url: '/v1/determinations?outcome=needs_review&undecided=true', headers: bearer(deputy) })
    ).json()
    t.equal(undecided.items.length, 0, 'off the queue')

    const audit = await handle.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'determination.decide')
      .execute()
    t.equal(audit.length, 1)
    t.same(JSON.parse(audit[0]!.detail!), {
      engineOutcome: 'needs_review',
      previousDecision: null,
      decision: 'reduce_to_misdemeanor'
    })
    const events = await handle.db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'determination.made')
      .execute()
    const decisionEvent = events.map((e) => JSON.parse(e.payload)).find((p) => p.by === 'deputy_da')
    t.match(decisionEvent, { outcome: 'reduce_to_misdemeanor', reasonGiven: true })
    t.notMatch(JSON.stringify(events), /kidnapping file/, "the deputy's free text never goes out in events or webhooks")
  }
)

t.test('only deputy DAs decide, only in their county, and a decision needs a reason', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const da = await keyFor('da_system', 'SAN FRANCISCO')
  await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(da), payload: reviewCase })
  const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
  const [item] = (await app.inject({ url: '/v1/determinations?outcome=needs_review', headers: bearer(deputy) })).json()
    .items
  const body = { outcome: 'not_eligible', reason: 'prior record' }
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/determinations/${item.id}/decision`,
        headers: bearer(da),
        payload: body
      })
    ).statusCode,
    403
  )
  const la = await keyFor('deputy_da', 'LOS ANGELES')
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/determinations/${item.id}/decision`,
        headers: bearer(la),
        payload: body
      })
    ).statusCode,
    404
  )
  const noReason = await app.inject({
    method: 'POST',
    url: `/v1/determinations/${item.id}/decision`,
    headers: bearer(deputy),
    payload: { outcome: 'not_eligible' }
  })
  t.equal(noReason.statusCode, 400)
  t.equal(noReason.json().details[0].path, '/reason')
  t.equal(
    (await app.inject({ url: '/v1/determinations', headers: bearer(la) })).json().items.length,
    0,
    'LA sees none of SF’s'
  )
})
