import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { App } from '../../src/app.js'
import { type Db, dialectOf } from '../../src/db/database.js'
import type { EventType } from '../../src/db/event-repository.js'
import { createJobRunner } from '../../src/jobs/job-runner.js'
import { appendEvents } from '../../src/webhooks/events.js'
import { eventBody, verifyWebhook, WEBHOOK_JOB, webhookJob } from '../../src/webhooks/webhook-delivery.js'
import { bearer, buildTestApp, countingStatements } from '../helper.js'

const SF = 'SAN FRANCISCO'
/** How long the delivery job waits for a receiver here: short, so a hung receiver costs the test little. */
const TIMEOUT_MS = 300

interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  eventId: string
  /** What the receiver answered: a status, or `hang` (no answer at all). */
  answer: number | 'hang'
}

type Answer = number | 'hang'

/**
 * A DA system's endpoint on loopback. `answer(n)` says what to do with the n-th request (0-based): answer with a
 * status (when its promise settles, if it gives one), or `hang` and never answer. Every request is kept, in order
 * of arrival.
 */
async function receiver(t: Test, answer: (n: number) => Answer | Promise<Answer> = () => 204) {
  const got: Received[] = []
  const hung: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const n = got.length
      got.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        eventId: String(req.headers['clearfile-event-id']),
        answer: 'hang'
      })
      const a = await answer(n)
      got[n]!.answer = a
      if (a === 'hang') hung.push(res)
      else {
        res.statusCode = a
        res.end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      })
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/clearfile-events`, got }
}

/** A loopback URL nothing listens on: a port taken, then let go. */
async function refusingUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}/clearfile-events`
}

/**
 * The app (for subscriptions, through the API as a DA system makes them) and a job runner that runs only the
 * delivery job, with a short receiver timeout.
 */
async function setup(t: Test) {
  const test = await buildTestApp(t)
  const { handle, clock } = test
  const db = handle.db
  const system = await test.keyFor('da_system', SF)
  const runner = createJobRunner({
    db,
    clock,
    jobs: [webhookJob({ db, clock, timeoutMs: TIMEOUT_MS, allowPrivateNetworks: true })]
  })
  /** The subscription's delivery job: waiting, backing off or idling. */
  const job = (webhookId: string) =>
    db
      .selectFrom('jobs')
      .selectAll()
      .where('dedupe_key', '=', WEBHOOK_JOB.key({ webhookId }))
      .where('done_at', 'is', null)
      .executeTakeFirst()
  /** Every delivery attempt logged for the subscription, oldest first, as `eventId:status#attempt:http`. */
  const log = async (webhookId: string) =>
    (
      await db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('id').execute()
    ).map((d) => `${d.event_id}:${d.status}#${d.attempt}:${d.response_status ?? d.error}`)
  return {
    ...test,
    db,
    system,
    drain: () => runner.drain(),
    job,
    log,
    subscribe: (url: string, events: EventType[]) => subscribe(test.app, system, url, events),
    append: (types: EventType[], county = SF) => append(db, types, county, clock.now()),
    /** Moves the clock on by `ms`. */
    advance: (ms: number) => clock.set(new Date(clock.now().getTime() + ms))
  }
}

async function subscribe(app: App, key: string, url: string, events: EventType[]) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url, events } })
  if (res.statusCode !== 201) throw new Error(`subscription not created: ${res.body}`)
  return res.json() as { id: string; secret: string }
}

/** Appends one event per type, as a feature does in the transaction of its change; returns their ids in order. */
async function append(db: Db, types: EventType[], county: string, at: Date): Promise<string[]> {
  const before = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  await db.transaction().execute((trx) =>
    appendEvents(
      trx,
      types.map((type, i) => ({
        county,
        type,
        recordType: 'filing',
        recordId: `filing-${i + 1}`,
        payload: { filingId: `filing-${i + 1}`, n: i + 1 },
        at: at.toISOString()
      }))
    )
  )
  const rows = await db
    .selectFrom('events')
    .select('id')
    .where('id', '>', Number(before?.id ?? 0))
    .orderBy('id')
    .execute()
  return rows.map((r) => String(r.id))
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000)

t.test(
  'a receiver that answers 2xx gets each event once, in order, one POST per event, signed with the subscription secret',
  async (t) => {
    const { subscribe, append, drain, advance, db, clock, log } = await setup(t)
    const hook = await receiver(t)
    const { id, secret } = await subscribe(hook.url, ['filing.state_changed', 'outcome.recorded'])
    const ids = await append(['filing.state_changed', 'outcome.recorded', 'filing.state_changed'])
    await drain()

    t.same(
      hook.got.map((g) => g.eventId),
      ids,
      'every event, in the order it happened'
    )
    t.ok(
      hook.got.every((g) => g.method === 'POST' && g.path === '/clearfile-events'),
      'each one POSTed to the URL'
    )
    const events = await db.selectFrom('events').selectAll().orderBy('id').execute()
    for (const [i, g] of hook.got.entries()) {
      t.same(JSON.parse(g.body), eventBody(events[i]!), `event ${g.eventId}: the body is the event as the feed has it`)
      t.equal(g.headers['content-type'], 'application/json')
      t.equal(g.headers['user-agent'], 'clearfile-webhooks')
      const signature = String(g.headers['clearfile-signature'])
      t.match(signature, new RegExp(`^t=${seconds(clock.now())},v1=[0-9a-f]{64}$`), 'signed at the time it was sent')
      t.ok(verifyWebhook(secret, g.body, signature, seconds(clock.now())), 'the signature verifies with the secret')
      t.notOk(
        verifyWebhook(secret, g.body.replace('"n":', '"m":'), signature, seconds(clock.now())),
        'a tampered body does not'
      )
      t.notOk(verifyWebhook(secret, g.body, signature, seconds(clock.now()) + 301), 'nor one replayed five minutes on')
      t.notOk(verifyWebhook(`${secret}x`, g.body, signature, seconds(clock.now())), 'nor another secret')
    }
    t.same(await log(id), [`${ids[0]}:delivered#1:204`, `${ids[1]}:delivered#1:204`, `${ids[2]}:delivered#1:204`])
    const row = await db.selectFrom('webhooks').select('last_event_id').where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(String(row.last_event_id), ids[2], 'the cursor is at the last event delivered')

    advance(60_000)
    await drain()
    t.equal(hook.got.length, 3, 'later runs send nothing again')
  }
)

t.test(
  'a receiver that answers 500 gets the same event again after a growing backoff, and nothing later before it',
  async (t) => {
    const { subscribe, append, drain, advance, clock, job, log } = await setup(t)
    const hook = await receiver(t, (n) => (n < 2 ? 500 : 204))
    const { id } = await subscribe(hook.url, ['filing.state_changed'])
    const [first, second] = (await append(['filing.state_changed', 'filing.state_changed'])) as [string, string]

    await drain()
    t.same(
      hook.got.map((g) => `${g.eventId}:${g.answer}`),
      [`${first}:500`],
      'the failed event stops the run: the next one is not sent first'
    )
    let waiting = (await job(id))!
    t.match(waiting.last_error, /HTTP 500/)
    const wait1 = new Date(waiting.run_at).getTime() - clock.now().getTime()
    t.ok(wait1 >= 1000 && wait1 <= 2000, `first retry 1-2 s later (${wait1} ms)`)

    await drain()
    t.equal(hook.got.length, 1, 'nothing is sent again before the backoff is over')

    clock.set(waiting.run_at)
    await drain()
    t.same(
      hook.got.map((g) => `${g.eventId}:${g.answer}`),
      [`${first}:500`, `${first}:500`],
      'the same event again, still not the next'
    )
    waiting = (await job(id))!
    const wait2 = new Date(waiting.run_at).getTime() - clock.now().getTime()
    t.ok(wait2 >= 2000 && wait2 <= 4000, `second retry 2-4 s later (${wait2} ms)`)

    advance(wait2)
    await drain()
    t.same(
      hook.got.map((g) => `${g.eventId}:${g.answer}`),
      [`${first}:500`, `${first}:500`, `${first}:204`, `${second}:204`]
    )
    t.same(
      await log(id),
      [`${first}:failed#1:500`, `${first}:failed#2:500`, `${first}:delivered#3:204`, `${second}:delivered#1:204`],
      'every attempt is in the delivery log with its status'
    )
    waiting = (await job(id))!
    t.equal(waiting.attempts, 0, 'once delivered, the job idles without counting the failures against it')
  }
)

t.test('a receiver that does not answer in time gets the same event again on the next run', async (t) => {
  const { subscribe, append, drain, job, clock, log } = await setup(t)
  const hook = await receiver(t, (n) => (n === 0 ? 'hang' : 200))
  const { id } = await subscribe(hook.url, ['outcome.recorded'])
  const [first, second] = (await append(['outcome.recorded', 'outcome.recorded'])) as [string, string]

  await drain()
  t.same(
    hook.got.map((g) => g.eventId),
    [first]
  )
  const [attempt] = await log(id)
  t.match(attempt, new RegExp(`^${first}:failed#1:.*timeout`, 'i'), 'the timeout is logged as the failed attempt')

  clock.set((await job(id))!.run_at)
  await drain()
  t.same(
    hook.got.map((g) => `${g.eventId}:${g.answer}`),
    [`${first}:hang`, `${first}:200`, `${second}:200`]
  )
  t.match(await log(id), [/failed#1/, `${first}:delivered#2:200`, `${second}:delivered#1:200`])
})

t.test(
  'a refused connection is a failed attempt with its error; the same event is delivered once a receiver is there',
  async (t) => {
    const { subscribe, append, drain, job, clock, log, db } = await setup(t)
    const { id } = await subscribe(await refusingUrl(), ['outcome.recorded'])
    const [first, second] = (await append(['outcome.recorded', 'outcome.recorded'])) as [string, string]

    await drain()
    t.match(await log(id), [new RegExp(`^${first}:failed#1:.*ECONNREFUSED`)], 'one attempt, the first event, refused')
    t.match((await job(id))!.last_error, /ECONNREFUSED/)

    // The DA system's endpoint comes up (at another address: the subscription is pointed at it).
    const hook = await receiver(t)
    await db.updateTable('webhooks').set({ url: hook.url }).where('id', '=', id).execute()
    clock.set((await job(id))!.run_at)
    await drain()
    t.same(
      hook.got.map((g) => g.eventId),
      [first, second]
    )
    t.match(await log(id), [/ECONNREFUSED/, `${first}:delivered#2:204`, `${second}:delivered#1:204`])
  }
)

t.test(
  'an event of a type the subscription did not ask for is skipped without a POST, and the cursor moves past it',
  async (t) => {
    const { subscribe, append, drain, db, log } = await setup(t)
    const hook = await receiver(t)
    const { id } = await subscribe(hook.url, ['outcome.recorded'])
    const ids = await append(['determination.made', 'outcome.recorded', 'filing.state_changed'])
    await drain()
    t.same(
      hook.got.map((g) => g.eventId),
      [ids[1]]
    )
    t.same(await log(id), [`${ids[1]}:delivered#1:204`], 'nothing logged for the skipped events')
    const row = await db.selectFrom('webhooks').select('last_event_id').where('id', '=', id).executeTakeFirstOrThrow()
    t.equal(String(row.last_event_id), ids[2], 'the skipped event after it is passed too')
  }
)

t.test("another county's events are not delivered", async (t) => {
  const { subscribe, append, drain, log } = await setup(t)
  const hook = await receiver(t)
  const { id } = await subscribe(hook.url, ['outcome.recorded'])
  await append(['outcome.recorded'], 'LOS ANGELES')
  const [ours] = await append(['outcome.recorded'])
  await drain()
  t.same(
    hook.got.map((g) => g.eventId),
    [ours]
  )
  t.equal((await log(id)).length, 1)
})

t.test('a disabled subscription gets nothing, and its delivery job ends', async (t) => {
  const { app, system, subscribe, append, drain, advance, job, log } = await setup(t)
  const hook = await receiver(t)
  const { id } = await subscribe(hook.url, ['outcome.recorded'])
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: bearer(system) })).statusCode, 200)
  await append(['outcome.recorded', 'outcome.recorded'])
  for (let i = 0; i < 3; i++) {
    await drain()
    advance(3_600_000)
  }
  t.equal(hook.got.length, 0, 'no POST')
  t.same(await log(id), [], 'no attempt logged')
  t.equal(await job(id), undefined, 'no delivery job waits for it')
})

t.test(
  "appending an event brings an idling delivery job forward to the event's time, and never puts one back",
  async (t) => {
    const { subscribe, append, drain, advance, clock, job, db } = await setup(t)
    const hook = await receiver(t)
    const { id } = await subscribe(hook.url, ['outcome.recorded'])
    await drain()
    const idle = (await job(id))!
    t.equal(idle.run_at, new Date(clock.now().getTime() + 5000).toISOString(), 'with nothing to send it idles 5 s')

    advance(1000)
    await append(['outcome.recorded'], 'LOS ANGELES')
    t.equal((await job(id))!.run_at, idle.run_at, "another county's event does not wake it")
    const [ours] = await append(['outcome.recorded'])
    t.equal((await job(id))!.run_at, clock.now().toISOString(), "its county's event brings it to the event's time")
    await drain()
    t.same(
      hook.got.map((g) => g.eventId),
      [ours],
      'delivered at once, the clock not moved'
    )

    // An event stamped later than the job's next run leaves that run where it is.
    const runAt = (await job(id))!.run_at
    await db.transaction().execute((trx) =>
      appendEvents(trx, [
        {
          county: SF,
          type: 'outcome.recorded',
          recordType: 'filing',
          recordId: 'filing-9',
          payload: {},
          at: new Date(clock.now().getTime() + 60_000).toISOString()
        }
      ])
    )
    t.equal((await job(id))!.run_at, runAt)
  }
)

t.test('an event appended while a delivery backs off after a failure does not cut the backoff short', async (t) => {
  const { subscribe, append, drain, clock, job } = await setup(t)
  const hook = await receiver(t, (n) => (n === 0 ? 500 : 204))
  const { id } = await subscribe(hook.url, ['outcome.recorded'])
  await append(['outcome.recorded'])
  await drain()
  const backoff = (await job(id))!.run_at
  t.ok(backoff > clock.now().toISOString(), 'backing off')
  await append(['outcome.recorded'])
  t.equal((await job(id))!.run_at, backoff, 'the retry stays where the backoff put it')
  await drain()
  t.equal(hook.got.length, 1, 'a failing receiver is not called again before the backoff is over')
})

t.test(
  'an event appended while a delivery run is in flight is delivered without waiting out the idle interval',
  async (t) => {
    const { subscribe, append, drain, clock, job } = await setup(t)
    let late: string | undefined
    // The first POST is answered only once another event has been committed.
    const hook = await receiver(t, async (n) => {
      if (n === 0) [late] = await append(['outcome.recorded'])
      return 204
    })
    const { id } = await subscribe(hook.url, ['outcome.recorded'])
    const [first] = await append(['outcome.recorded'])
    // The fixed clock does not move: a job rescheduled IDLE_MS later would not run again in this drain.
    await drain()
    t.same(
      hook.got.map((g) => g.eventId),
      [first, late],
      'the event that came in during the run is delivered by the next run, not IDLE_MS later'
    )
    t.ok((await job(id))!.run_at > clock.now().toISOString(), 'then the job idles')
  }
)

t.test(
  "an event is inserted by the statement that reads its county's subscriptions on PostgreSQL, and more events than one statement holds all arrive and wake the delivery",
  async (t) => {
    const { subscribe, drain, advance, clock, job, db } = await setup(t)
    const hook = await receiver(t)
    const { id } = await subscribe(hook.url, ['outcome.recorded'])
    await drain()
    advance(1000)
    const counted = countingStatements(db)
    const event = (n: number, at: Date) => ({
      county: SF,
      type: 'outcome.recorded' as const,
      recordType: 'filing',
      recordId: `filing-${n}`,
      payload: { n },
      at: at.toISOString()
    })
    await appendEvents(counted.db, [event(1, clock.now())])
    if (dialectOf(db) === 'postgres')
      t.equal(counted.count(), 2, 'one statement inserts the event and reads the subscriptions, one wakes the delivery')
    t.equal((await job(id))!.run_at, clock.now().toISOString(), 'the delivery is woken')

    await drain()
    advance(1000)
    // Past PostgreSQL's 65,535 parameters (and SQLite's 32,766) at six a row: several statements.
    const many = Array.from({ length: 12_000 }, (_, i) => event(i + 2, clock.now()))
    const events = async () =>
      Number(
        (
          await db
            .selectFrom('events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n
      )
    const before = await events()
    await db.transaction().execute((trx) => appendEvents(trx, many))
    const after = await events()
    t.equal(after - before, many.length, 'every event is in the feed')
    t.equal((await job(id))!.run_at, clock.now().toISOString(), 'and the delivery is woken for them')
  }
)
