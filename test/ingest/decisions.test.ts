import t from 'tap'
import { bearer, buildTestApp } from '../helper.js'
import { seedRecords } from '../../bench/seed-records.js'

t.test(
  'a deputy DA decides 200 convictions at once with one reason: each gets the decision, an event and an audit row, and they leave the queue',
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const seeded = await seedRecords(handle.db, { county: 'SAN FRANCISCO', n: 250, courts: ['CA-SF'] })
    const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
    const ids = seeded.slice(0, 200).map((s) => s.determinationId)
    const res = await app.inject({
      method: 'POST',
      url: '/v1/determinations/decisions',
      headers: bearer(deputy),
      payload: { ids, outcome: 'dismiss_and_seal', reason: 'Sentences completed per the court docket, checked 11/30' }
    })
    t.equal(res.statusCode, 200, res.body)
    t.equal(res.json().decided, 200)
    t.same(
      res.json().items.map((d: { id: string; decision: { outcome: string } }) => [d.id, d.decision.outcome]),
      ids.map((id) => [id, 'dismiss_and_seal'])
    )
    const decided = await handle.db
      .selectFrom('determinations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('decided_outcome', '=', 'dismiss_and_seal')
      .where('decision_reason', '=', 'Sentences completed per the court docket, checked 11/30')
      .executeTakeFirstOrThrow()
    t.equal(Number(decided.n), 200, 'stored on each')
    const audits = await handle.db
      .selectFrom('audit_events')
      .select('record_id')
      .where('action', '=', 'determination.decide')
      .execute()
    t.same(audits.map((a) => a.record_id).sort(), [...ids].sort(), 'one audit row each')
    const events = await handle.db
      .selectFrom('events')
      .select('record_id')
      .where('type', '=', 'determination.made')
      .execute()
    t.same(events.map((e) => e.record_id).sort(), [...ids].sort(), 'one event each')
    const queue = (
      await app.inject({
        url: '/v1/determinations?outcome=needs_review&undecided=true&limit=1',
        headers: bearer(deputy)
      })
    ).json()
    t.equal(queue.total, 50, 'the queue holds the 50 left')
  }
)

t.test(
  'a bulk decision naming one determination of another county, or one that does not exist, decides none',
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const sf = await seedRecords(handle.db, { county: 'SAN FRANCISCO', n: 5, courts: ['CA-SF'] })
    const alameda = await seedRecords(handle.db, { county: 'ALAMEDA', n: 1, courts: ['CA-AL'], prefix: 'A' })
    const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
    for (const stranger of [alameda[0]!.determinationId, 'no-such-determination']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/determinations/decisions',
        headers: bearer(deputy),
        payload: { ids: [...sf.map((s) => s.determinationId), stranger], outcome: 'not_eligible', reason: 'checked' }
      })
      t.equal(res.statusCode, 404, stranger)
      t.equal(res.json().code, 'CLEARFILE_ERR_NOT_FOUND')
    }
    const decided = await handle.db
      .selectFrom('determinations')
      .select('id')
      .where('decided_outcome', 'is not', null)
      .execute()
    t.same(decided, [], 'nothing decided')
    const clerk = await keyFor('clerk', 'SAN FRANCISCO')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/determinations/decisions',
      headers: bearer(clerk),
      payload: { ids: [sf[0]!.determinationId], outcome: 'not_eligible', reason: 'checked' }
    })
    t.equal(res.statusCode, 403, 'a clerk may not decide')
    const tooMany = await app.inject({
      method: 'POST',
      url: '/v1/determinations/decisions',
      headers: bearer(deputy),
      payload: { ids: Array.from({ length: 501 }, (_, i) => `d${i}`), outcome: 'not_eligible', reason: 'checked' }
    })
    t.equal(tooMany.json().code, 'CLEARFILE_ERR_VALIDATION', 'more than 500 at once is refused')
  }
)
