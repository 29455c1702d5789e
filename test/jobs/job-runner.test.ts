import t from 'tap'
import Type from 'typebox'
import { fixedClock, systemClock } from '../../src/clock.js'
import {
  defineJob,
  enqueue,
  enqueueAll,
  handle,
  handleBatch,
  payloadOf,
  type RegisteredJob
} from '../../src/jobs/job-definition.js'
import { claimJob, claimMoreJobs, UNTIL_DONE } from '../../src/jobs/job-queue.js'
import { backoffMs, createJobRunner } from '../../src/jobs/job-runner.js'
import { POLL_JOB, RECONCILE_JOB, SUBMIT_JOB } from '../../src/filing/filing-jobs.js'
import { WEBHOOK_JOB } from '../../src/webhooks/webhook-delivery.js'
import { REVIEW_JOB } from '../../src/ingest/review-runs.js'
import { openTestDatabase, until } from '../helper.js'

const Payload = Type.Object({ id: Type.String() })
const SHORT = defineJob({ name: 'test.short', payload: Payload, maxAttempts: 3, key: (p) => `test.short:${p.id}` })
const BATCHED = defineJob({
  name: 'test.batched',
  payload: Payload,
  maxAttempts: 3,
  key: (p) => `test.batched:${p.id}`
})

/** A job that runs until released: for asserting what runs while it does. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

t.test(
  'a status poll and a webhook delivery queued behind a long DOJ review and a stuck submission run at once: each kind has lanes of its own',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const log: string[] = []
    const release = gate()
    // The real kinds (their lanes are what is tested), done by stand-ins that say when they run.
    const jobs: RegisteredJob[] = [
      handle(REVIEW_JOB, async ({ runId }) => {
        log.push(`review ${runId} started`)
        await release.opened
        log.push(`review ${runId} done`)
      }),
      handle(SUBMIT_JOB, async ({ filingId }) => {
        log.push(`submit ${filingId} started`)
        await release.opened
        log.push(`submit ${filingId} done`)
      }),
      handle(POLL_JOB, async ({ filingId }) => {
        log.push(`poll ${filingId}`)
      }),
      handle(WEBHOOK_JOB, async ({ webhookId }) => {
        log.push(`deliver ${webhookId}`)
      })
    ]
    t.same(
      [REVIEW_JOB.lane, SUBMIT_JOB.lane, POLL_JOB.lane, RECONCILE_JOB.lane, WEBHOOK_JOB.lane],
      ['long', 'submit', 'court', 'court', 'deliver']
    )
    const now = systemClock.now()
    await enqueue(db, REVIEW_JOB, { runId: 'r1' }, { runAt: now, now })
    // More submissions than submit lanes, all stuck on a court that does not answer.
    for (const id of ['s1', 's2', 's3']) await enqueue(db, SUBMIT_JOB, { filingId: id }, { runAt: now, now })
    await enqueue(db, POLL_JOB, { filingId: 'f1' }, { runAt: now, now })
    const runner = createJobRunner({ db, clock: systemClock, jobs, pollMs: 10 })
    runner.start()
    t.teardown(() => runner.stop())
    // Each lane claims on its own: wait until the review and a submission hold theirs (on a loaded machine the poll
    // lane can finish f1 before the others have claimed anything).
    await until(() => log.includes('poll f1') && log.includes('review r1 started') && log.includes('submit s1 started'))
    // Queued while the review and a submission run: taken as soon as their own lanes are free.
    await enqueue(db, POLL_JOB, { filingId: 'f2' }, { runAt: systemClock.now(), now: systemClock.now() })
    await enqueue(db, WEBHOOK_JOB, { webhookId: 'w1' }, { runAt: systemClock.now(), now: systemClock.now() })
    await until(() => log.includes('poll f2') && log.includes('deliver w1'))
    t.notOk(
      log.some((l) => l.endsWith('done')),
      'both polls and the delivery ran while the review and the submission were still running'
    )
    t.notOk(log.includes('submit s2 started'), 'one submit lane: the next submission waits for it')
    release.open()
    await until(() => log.includes('review r1 done') && log.includes('submit s3 done'))
  }
)

t.test('within a lane, the next job starts when the last ends, not when every lane has finished a round', async (t) => {
  const { db } = await openTestDatabase(t)
  const log: string[] = []
  const slow = gate()
  const SLOW = defineJob({ name: 'test.slow', payload: Payload, maxAttempts: 1, key: (p) => `test.slow:${p.id}` })
  const jobs = [
    handle(SLOW, async () => {
      log.push('slow started')
      await slow.opened
      log.push('slow done')
    }),
    handle(SHORT, async ({ id }) => {
      log.push(`short ${id}`)
    })
  ]
  const now = systemClock.now()
  await enqueue(db, SLOW, { id: 's' }, { runAt: now, now })
  await enqueue(db, SHORT, { id: 'a' }, { runAt: now, now })
  await enqueue(db, SHORT, { id: 'b' }, { runAt: now, now })
  const runner = createJobRunner({ db, clock: systemClock, jobs, pollMs: 10, lanes: { default: 2 } })
  runner.start()
  t.teardown(() => runner.stop())
  await until(() => log.includes('short a') && log.includes('short b'))
  t.notOk(log.includes('slow done'), 'the other lane went on to b without waiting for the slow job')
  slow.open()
  await until(() => log.includes('slow done'))
})

t.test(
  'a failing job is retried with backoff until its kind gives up, and a rescheduled job starts its attempts over',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const clock = fixedClock('2026-01-01T00:00:00.000Z')
    let tries = 0
    const runner = createJobRunner({
      db,
      clock,
      jobs: [
        handle(SHORT, async () => {
          tries++
          throw new Error('court down')
        })
      ]
    })
    await enqueue(db, SHORT, { id: 'x' }, { runAt: clock.now(), now: clock.now() })
    for (let i = 0; i < 5; i++) {
      await runner.drain()
      clock.set(new Date(clock.now().getTime() + 3_600_000))
    }
    t.equal(tries, 3, 'three attempts (maxAttempts), then given up')
    const row = await db.selectFrom('jobs').selectAll().where('kind', '=', 'test.short').executeTakeFirstOrThrow()
    t.ok(row.done_at)
    t.equal(row.last_error, 'court down')
    t.ok(backoffMs(1) >= 1000 && backoffMs(30) <= 3_600_000, 'backoff grows and is capped at an hour')

    const POLLED = defineJob({
      name: 'test.poll',
      payload: Payload,
      maxAttempts: UNTIL_DONE,
      key: (p) => `test.poll:${p.id}`
    })
    let polls = 0
    const poller = createJobRunner({
      db,
      clock,
      jobs: [
        handle(POLLED, async () => (++polls < 3 ? { rescheduleAt: new Date(clock.now().getTime() + 1000) } : undefined))
      ]
    })
    await enqueue(db, POLLED, { id: 'p' }, { runAt: clock.now(), now: clock.now() })
    for (let i = 0; i < 4; i++) {
      await poller.drain()
      clock.set(new Date(clock.now().getTime() + 1000))
    }
    t.equal(polls, 3)
    const polled = await db.selectFrom('jobs').selectAll().where('kind', '=', 'test.poll').executeTakeFirstOrThrow()
    t.ok(polled.done_at)
    t.equal(polled.attempts, 1, 'a reschedule is not a failure: attempts start over')
  }
)

t.test(
  "a worker's claim lapses after the lock time without a heartbeat, and another worker takes the job",
  async (t) => {
    const { db } = await openTestDatabase(t)
    const clock = fixedClock('2026-01-01T00:00:00.000Z')
    await enqueue(db, SHORT, { id: 'c' }, { runAt: clock.now(), now: clock.now() })
    const first = await claimJob(db, 'worker-a', ['test.short'], clock.now(), 60_000)
    t.ok(first)
    t.notOk(await claimJob(db, 'worker-b', ['test.short'], clock.now(), 60_000), 'claimed: nobody else takes it')
    clock.set(new Date(clock.now().getTime() + 61_000))
    const second = await claimJob(db, 'worker-b', ['test.short'], clock.now(), 60_000)
    t.equal(second?.id, first!.id, 'the claim of a dead worker lapses')
    t.equal(second?.lock_owner, 'worker-b')
  }
)

t.test('a job kind checks its payload when queued and when run, and queues one job per key', async (t) => {
  const { db } = await openTestDatabase(t)
  const now = systemClock.now()
  await t.rejects(
    enqueue(db, SHORT, { id: 7 } as unknown as { id: string }, { runAt: now, now }),
    /does not fit its schema/
  )
  await enqueue(db, SHORT, { id: 'k' }, { runAt: now, now })
  await enqueue(db, SHORT, { id: 'k' }, { runAt: now, now })
  const rows = await db.selectFrom('jobs').selectAll().where('kind', '=', 'test.short').execute()
  t.equal(rows.length, 1)
  t.same(payloadOf(SHORT, rows[0]!), { id: 'k' })
  t.throws(() => payloadOf(SHORT, { ...rows[0]!, payload: '{"id":1}' }), /does not fit its schema/)
})

t.test('while the database fails, a lane backs off and says so once, then once more when it is back', async (t) => {
  const { db } = await openTestDatabase(t)
  let claims = 0
  let failing = true
  const errors: string[] = []
  const warnings: string[] = []
  // The real database behind a door that fails like a lost connection while `failing`.
  const flaky = new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction' || prop === 'selectFrom' || prop === 'updateTable') {
        claims++
        if (failing) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' })
      }
      const value = Reflect.get(target, prop, target)
      // kysely keeps its state in private fields: its methods must run on the real object.
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  const runner = createJobRunner({
    db: flaky,
    clock: systemClock,
    jobs: [handle(SHORT, async () => {})],
    pollMs: 10,
    lanes: { default: 1, long: 1 },
    log: { error: (_o, msg) => errors.push(msg), warn: (_o, msg) => warnings.push(msg) }
  })
  runner.start()
  await new Promise((resolve) => setTimeout(resolve, 700))
  const during = claims
  failing = false
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await runner.stop()
  // Without backoff a lane polling every 10 ms would ask about 70 times in 700 ms.
  t.ok(during <= 20, `${during} tries in 700 ms while failing`)
  t.equal(errors.length, 1, 'one error for the whole outage (one lane has this job kind)')
  t.equal(warnings.filter((w) => /again/.test(w)).length, 1, 'and one line when it is over')
})

t.test(
  'asking the court about an ambiguous send is retried at most a minute apart, however long it failed',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const clock = fixedClock('2026-11-28T12:00:00.000Z')
    const runner = createJobRunner({
      db,
      clock,
      jobs: [
        handle(RECONCILE_JOB, async () => {
          throw new Error('court down')
        })
      ]
    })
    await enqueue(db, RECONCILE_JOB, { filingId: 'f' }, { runAt: clock.now(), now: clock.now() })
    const waits: number[] = []
    for (let i = 0; i < 12; i++) {
      await runner.drain()
      const row = await db
        .selectFrom('jobs')
        .select('run_at')
        .where('kind', '=', RECONCILE_JOB.name)
        .executeTakeFirstOrThrow()
      waits.push(Date.parse(row.run_at) - clock.now().getTime())
      clock.set(new Date(row.run_at))
    }
    t.ok(
      waits.every((w) => w <= 60_000),
      `waits ${waits.map((w) => Math.round(w / 1000)).join(', ')} s`
    )
    t.ok(waits[0]! < waits[5]!, 'still growing at first')
    t.ok(backoffMs(30) <= 3_600_000 && backoffMs(30, 60_000) <= 60_000)
  }
)

t.test(
  'claims take the earliest due job of their kinds, one each, however many wait and however many claim at once',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const at = new Date('2026-11-28T12:00:00.000Z')
    const OTHER = defineJob({ name: 'test.other', payload: Payload, maxAttempts: 3, key: (p) => `test.other:${p.id}` })
    // 300 due jobs of one kind, 40 of another before and after them, and 20 not yet due: more than one look at
    // the head of the queue.
    const runAt = (i: number) => new Date(at.getTime() - 3_600_000 + i * 1000)
    await enqueueAll(
      db,
      SHORT,
      Array.from({ length: 300 }, (_, i) => ({ id: `s${i}` })),
      { runAt: runAt(10), now: at }
    )
    for (let i = 0; i < 40; i++) await enqueue(db, OTHER, { id: `o${i}` }, { runAt: runAt(i * 2 + 1), now: at })
    for (let i = 0; i < 20; i++)
      await enqueue(db, OTHER, { id: `later${i}` }, { runAt: new Date(at.getTime() + 60_000), now: at })
    const first = await claimJob(db, 'w0', ['test.other', 'test.short'], at, 60_000)
    t.equal(payloadOf(OTHER, first!).id, 'o0', 'the earliest due of either kind')
    for (let i = 1; i < 5; i++) await claimJob(db, 'w0', ['test.other', 'test.short'], at, 60_000)
    const sixth = await claimJob(db, 'w0', ['test.short', 'test.other'], at, 60_000)
    t.equal(sixth?.kind, 'test.short', 'then the next by run_at, whatever its kind')
    // 400 claims at once for the 334 jobs still due: each claimed once, the rest find none (the 20 later ones stay).
    const claims = await Promise.all(
      Array.from({ length: 400 }, (_, i) => claimJob(db, `w${i % 8}`, ['test.short', 'test.other'], at, 60_000))
    )
    const ids = claims.filter((c) => c !== undefined).map((c) => c.id)
    t.equal(new Set(ids).size, ids.length, 'no job claimed twice')
    t.equal(ids.length, 334, 'every due job claimed')
    t.equal(await claimJob(db, 'w9', ['test.other'], at, 60_000), undefined, 'none left due, the later ones wait')
    t.ok(await claimJob(db, 'w9', ['test.other'], new Date(at.getTime() + 61_000), 60_000), 'until they are due')
  }
)

t.test(
  'a kind done in batches takes its due jobs together, each keeping its own outcome: done, run later, or failed and retried',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const clock = fixedClock('2026-01-01T00:00:00.000Z')
    const batches: string[][] = []
    let failing = false
    const runner = createJobRunner({
      db,
      clock,
      jobs: [
        handleBatch(BATCHED, 3, async (batch) => {
          batches.push(batch.map((b) => b.payload.id))
          if (failing) throw new Error('database gone')
          return batch.map(({ payload }) =>
            payload.id === 'later'
              ? { rescheduleAt: new Date(clock.now().getTime() + 5000) }
              : payload.id === 'bad'
                ? { failed: new Error('court down') }
                : undefined
          )
        })
      ]
    })
    for (const [i, id] of ['a', 'later', 'bad', 'b'].entries())
      await enqueue(db, BATCHED, { id }, { runAt: new Date(clock.now().getTime() - 10 + i), now: clock.now() })
    t.equal(await runner.drain(), 4, 'four jobs ran')
    t.same(batches, [['a', 'later', 'bad'], ['b']], 'three at a time, the earliest first')
    const rows = async () =>
      new Map(
        (await db.selectFrom('jobs').selectAll().where('kind', '=', BATCHED.name).execute()).map((r) => [
          payloadOf(BATCHED, r).id,
          r
        ])
      )
    let job = await rows()
    t.ok(job.get('a')!.done_at && job.get('b')!.done_at, 'done')
    t.same(
      [job.get('later')!.done_at, job.get('later')!.run_at, job.get('later')!.attempts, job.get('later')!.lock_owner],
      [null, new Date(clock.now().getTime() + 5000).toISOString(), 0, null],
      'run again later, its attempts started over'
    )
    t.equal(job.get('bad')!.done_at, null)
    t.equal(job.get('bad')!.last_error, 'court down')
    t.ok(Date.parse(job.get('bad')!.run_at) > clock.now().getTime(), 'retried after a backoff')

    // A batch whose work throws fails each of its jobs, each retried by its own count.
    failing = true
    clock.set(new Date(clock.now().getTime() + 3_600_000))
    t.equal(await runner.drain(), 2)
    job = await rows()
    t.same(
      ['later', 'bad'].map((id) => [job.get(id)!.last_error, job.get(id)!.attempts, job.get(id)!.done_at]),
      [
        ['database gone', 1, null],
        ['database gone', 2, null]
      ]
    )
  }
)

t.test(
  'a worker killed in the middle of a batch loses every job of it, and another worker takes them over',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const clock = fixedClock('2026-01-01T00:00:00.000Z')
    await enqueueAll(
      db,
      BATCHED,
      ['a', 'b', 'c'].map((id) => ({ id })),
      { runAt: clock.now(), now: clock.now() }
    )
    // The dead worker's claim: the first job and the rest of its batch.
    const first = await claimJob(db, 'dead', [BATCHED.name], clock.now(), 60_000)
    const rest = await claimMoreJobs(db, 'dead', BATCHED.name, clock.now(), 60_000, 5)
    t.equal(rest.length, 2, 'the rest of the due jobs, no more')
    t.same(await claimMoreJobs(db, 'other', BATCHED.name, clock.now(), 60_000, 5), [], 'held: nobody else takes them')
    const ran: string[] = []
    const runner = createJobRunner({
      db,
      clock,
      jobs: [
        handleBatch(BATCHED, 10, async (batch) => {
          ran.push(...batch.map((b) => b.payload.id))
          return batch.map(() => undefined)
        })
      ]
    })
    t.equal(await runner.drain(), 0, 'nothing to take while the claim lasts')
    clock.set(new Date(clock.now().getTime() + 61_000))
    t.equal(await runner.drain(), 3)
    t.same(ran.sort(), ['a', 'b', 'c'], 'every job of the lapsed batch, each once')
    t.ok(first)
  }
)
