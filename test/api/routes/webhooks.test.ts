import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { verifyWebhook } from '../../../src/webhooks/webhook-delivery.js'
import { bearer, buildTestApp, caseBody } from '../../helper.js'

/** A DA system's endpoint that fails its first `failures` requests with a 503, then answers 204; it keeps what arrived. */
async function receiver(t: { teardown: (fn: () => unknown) => void }, failures: number) {
  const got: Array<{ body: string; signature: string; eventId: string; status: number }> = []
  let seen = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = seen++ < failures ? 503 : 204
      got.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['clearfile-signature']),
        eventId: String(req.headers['clearfile-event-id']),
        status
      })
      res.statusCode = status
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/clearfile-events`, got }
}

t.test(
  'a receiver that fails three times then succeeds gets every event once, in order, each signed as documented',
  async (t) => {
    const { app, keyFor, runJobs, clock, handle } = await buildTestApp(t)
    const system = await keyFor('da_system', 'SAN FRANCISCO')
    const hook = await receiver(t, 3)
    const created = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(system),
      payload: { url: hook.url, events: ['determination.made'] }
    })
    t.equal(created.statusCode, 201, created.body)
    const { id, secret } = created.json()
    t.match(secret, /^whsec_/)
    t.notOk(
      'secret' in (await app.inject({ url: '/v1/webhooks', headers: bearer(system) })).json().items[0],
      'the secret is shown once'
    )

    // Two people taken in: two determinations, two events.
    for (const [i, person] of [
      { dojSubjectId: '3000001', cii: 'B00000001' },
      { dojSubjectId: '3000002', cii: 'B00000002', name: 'SMITH, JO' }
    ].entries()) {
      await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(system),
        payload: caseBody({ person, case: { caseNumber: `SCN20000${i}` } })
      })
    }
    const events = (await app.inject({ url: '/v1/events', headers: bearer(system) })).json()
    t.equal(events.items.length, 2)
    // Each retry waits out its backoff: move the clock an hour between rounds.
    for (let round = 0; round < 8; round++) {
      await runJobs()
      clock.set(new Date(clock.now().getTime() + 3_600_000))
    }
    t.same(
      hook.got.map((g) => g.status),
      [503, 503, 503, 204, 204]
    )
    const delivered = hook.got.filter((g) => g.status === 204)
    t.same(
      delivered.map((d) => d.eventId),
      events.items.map((e: { id: string }) => e.id),
      'every event once, in order'
    )
    for (const d of delivered) {
      const ts = Number(/t=(\d+)/.exec(d.signature)![1])
      t.ok(verifyWebhook(secret, d.body, d.signature, ts), 'the signature verifies with the documented recipe')
      t.notOk(
        verifyWebhook(secret, d.body.replace('determination', 'xdetermination'), d.signature, ts),
        'a changed body does not'
      )
      t.notOk(verifyWebhook(secret, d.body, d.signature, ts + 600), 'nor an old delivery replayed')
      t.equal(JSON.parse(d.body).type, 'determination.made')
      t.notMatch(d.body, /GARCIA|SMITH|1970-02-03|A12345678/, 'no names, dates of birth or CII in events')
    }
    const log = (await app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: bearer(system) })).json().items
    t.same(log.map((l: { status: string; attempt: number }) => `${l.status}#${l.attempt}`).reverse(), [
      'failed#1',
      'failed#2',
      'failed#3',
      'delivered#4',
      'delivered#1'
    ])
    const hookRow = await handle.db
      .selectFrom('webhooks')
      .select('last_event_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    t.equal(String(hookRow.last_event_id), events.items[1].id)
  }
)

t.test('the events feed pages by cursor, per county; another county sees none of it', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const system = await keyFor('da_system', 'SAN FRANCISCO')
  for (let i = 0; i < 3; i++) {
    await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(system),
      payload: caseBody({
        person: { dojSubjectId: `400000${i}`, cii: `C0000000${i}` },
        case: { caseNumber: `SCN30000${i}` }
      })
    })
  }
  const first = (await app.inject({ url: '/v1/events?limit=2', headers: bearer(system) })).json()
  t.equal(first.items.length, 2)
  const rest = (await app.inject({ url: `/v1/events?after=${first.next}`, headers: bearer(system) })).json()
  t.equal(rest.items.length, 1)
  const none = (await app.inject({ url: `/v1/events?after=${rest.next}`, headers: bearer(system) })).json()
  t.same([none.items.length, none.next], [0, rest.next], 'nothing new: the same cursor')
  const la = await keyFor('da_system', 'LOS ANGELES')
  t.equal((await app.inject({ url: '/v1/events', headers: bearer(la) })).json().items.length, 0)
  t.equal((await app.inject({ url: '/v1/events?county=SAN%20FRANCISCO', headers: bearer(la) })).statusCode, 403)
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: bearer(system),
        payload: { url: 'ftp://x', events: ['outcome.recorded'] }
      })
    ).statusCode,
    400
  )
})
