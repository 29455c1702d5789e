import t from 'tap'
import { newPersonRow } from '../../src/ingest/person-records.js'
import { peopleWithCases } from './people-with-cases.js'
import { activeWebhooks } from '../../src/db/event-repository.js'
import { insertRows, insertSlices } from '../../src/db/insert-rows.js'
import { insertWebhook } from '../../src/db/webhook-repository.js'
import { countingStatements, openTestDatabase } from '../helper.js'

const now = '2026-12-02T00:00:00.000Z'

const count = async (
  db: Awaited<ReturnType<typeof openTestDatabase>>['db'],
  table: 'people' | 'court_cases' | 'convictions' | 'events'
) =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  )

t.test('people, their cases and counts are stored together, parents and children alike', async (t) => {
  const { db } = await openTestDatabase(t)
  const rows = peopleWithCases(3)
  await insertRows(db, [
    { table: 'people', rows: rows.people },
    { table: 'court_cases', rows: rows.cases },
    { table: 'convictions', rows: rows.convictions }
  ])
  t.equal(await count(db, 'people'), 3)
  t.equal(await count(db, 'court_cases'), 3)
  t.equal(await count(db, 'convictions'), 6)
})

t.test('a count whose case is not stored is refused, and nothing of that insert is kept', async (t) => {
  const { db } = await openTestDatabase(t)
  const rows = peopleWithCases(2)
  await t.rejects(
    db.transaction().execute((trx) =>
      insertRows(trx, [
        { table: 'people', rows: rows.people },
        { table: 'convictions', rows: rows.convictions }
      ])
    )
  )
  t.equal(await count(db, 'people'), 0)
  t.equal(await count(db, 'convictions'), 0)
})

t.test('more rows than one statement may carry are split, all stored, events in the order given', async (t) => {
  const { db } = await openTestDatabase(t)
  // Over SQLite's parameters per statement in every table, and over PostgreSQL's 5,000 rows per table and 20,000 rows
  // per statement: 5,500 people, cases and 11,000 counts, 6,000 events.
  const rows = peopleWithCases(5500, 100)
  const events = Array.from({ length: 6000 }, (_, i) => ({
    county: 'SAN FRANCISCO',
    type: 'determination.made',
    record_type: 'determination',
    record_id: `d${i}`,
    payload: '{}',
    at: now
  }))
  await db.transaction().execute((trx) =>
    insertRows(trx, [
      { table: 'people', rows: rows.people },
      { table: 'court_cases', rows: rows.cases },
      { table: 'convictions', rows: rows.convictions },
      { table: 'events', rows: events }
    ])
  )
  t.equal(await count(db, 'people'), 5500)
  t.equal(await count(db, 'court_cases'), 5500)
  t.equal(await count(db, 'convictions'), 11000)
  const stored = await db.selectFrom('events').select('record_id').orderBy('id').execute()
  t.same(
    stored.map((e) => e.record_id),
    events.map((e) => e.record_id)
  )
})

t.test('text comes back exactly as given: quotes, backslashes, line breaks, accents, emoji, JSON, nulls', async (t) => {
  const { db } = await openTestDatabase(t)
  const names = ['O\'BRIEN, "JR"', 'back\\slash \\u0041', 'line\nbreak\ttab', 'ZOË 😀 ÑÚÑEZ', '{"a":[1,"x"]}', ' ']
  const people = names.map((name, i) => ({
    ...newPersonRow(
      { name: 'X', dob: i % 2 ? null : '1970-02-03', cii: null },
      { county: 'SAN FRANCISCO', now, audit: [] }
    ),
    name,
    aliases: JSON.stringify([name, `${name}\u2028`])
  }))
  await insertRows(db, [{ table: 'people', rows: people }])
  const stored = await db.selectFrom('people').selectAll().execute()
  const byId = new Map(stored.map((p) => [p.id, p]))
  for (const p of people) t.strictSame(byId.get(p.id), p, JSON.stringify(p.name))
})

t.test('slices are each made once, in order, and stored whole and in order', async (t) => {
  const { db } = await openTestDatabase(t)
  const made: number[] = []
  await db.transaction().execute((trx) =>
    insertSlices(trx, [0, 1, 2, 3], (k) => {
      made.push(k)
      const rows = peopleWithCases(50, 1000 * k)
      return [
        { table: 'people', rows: rows.people },
        { table: 'court_cases', rows: rows.cases },
        { table: 'convictions', rows: rows.convictions },
        {
          table: 'events',
          rows: rows.people.map((p) => ({
            county: 'SAN FRANCISCO',
            type: 'determination.made',
            record_type: 'person',
            record_id: p.id,
            payload: '{}',
            at: now
          }))
        }
      ]
    })
  )
  t.same(made, [0, 1, 2, 3])
  t.equal(await count(db, 'people'), 200)
  t.equal(await count(db, 'convictions'), 400)
  const people = await db.selectFrom('people').select(['id', 'doj_subject_id']).execute()
  const subjectOf = new Map(people.map((p) => [p.id, Number(p.doj_subject_id)]))
  const order = (await db.selectFrom('events').select('record_id').orderBy('id').execute()).map(
    (e) => subjectOf.get(e.record_id)!
  )
  t.same(
    order,
    [...order].sort((a, b) => a - b),
    'events in the order of their slices'
  )
})

t.test('a slice the database refuses fails the whole transaction: no slice before it is kept', async (t) => {
  const { db } = await openTestDatabase(t)
  const first = peopleWithCases(20)
  await t.rejects(
    db.transaction().execute((trx) =>
      insertSlices(trx, [0, 1, 2], (k) =>
        // The third slice repeats the first slice's people (their primary keys).
        k === 2
          ? [{ table: 'people', rows: first.people }]
          : [{ table: 'people', rows: k === 0 ? first.people : peopleWithCases(20, 100).people }]
      )
    )
  )
  t.equal(await count(db, 'people'), 0)
})

t.test('a slice that cannot be made fails with its own error, even while the one before is refused', async (t) => {
  const { db } = await openTestDatabase(t)
  const rows = peopleWithCases(5)
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => process.off('unhandledRejection', onUnhandled))
  await t.rejects(
    db.transaction().execute((trx) =>
      insertSlices(trx, [0, 1], (k) => {
        if (k === 1) throw new Error('slice 1 cannot be made')
        // Counts whose case is not stored: the database refuses this slice while the next is being made.
        return [{ table: 'convictions', rows: rows.convictions }]
      })
    ),
    { message: 'slice 1 cannot be made' }
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(unhandled, [], 'the refused slice is not an unhandled rejection')
  t.equal(await count(db, 'convictions'), 0)
})

t.test(
  'a select given with the rows is answered with them: on PostgreSQL by the statement that inserts them',
  async (t) => {
    const { db, dialect } = await openTestDatabase(t)
    const hook = (id: string, county: string, disabledAt: string | null) => ({
      id,
      county,
      url: 'https://da.example/hook',
      events: '["*"]',
      secret: 's',
      created_by: null,
      created_at: now,
      disabled_at: disabledAt,
      last_event_id: 0
    })
    for (const h of [
      hook('w-sf', 'SAN FRANCISCO', null),
      hook('w-sf-off', 'SAN FRANCISCO', now),
      hook('w-la', 'LOS ANGELES', null)
    ])
      await insertWebhook(db, h)
    const counted = countingStatements(db)
    const rows = peopleWithCases(2)
    const read = await counted.db.transaction().execute(async (trx) => {
      counted.reset()
      const answer = await insertSlices(
        trx,
        [rows.people.slice(0, 1), rows.people.slice(1)],
        (people) => [{ table: 'people', rows: people }],
        activeWebhooks(trx, ['SAN FRANCISCO'])
      )
      return answer
    })
    t.same(
      read.map((h) => h.id),
      ['w-sf'],
      "the county's active subscriptions only"
    )
    t.equal(await count(db, 'people'), 2)
    t.equal(counted.count(), dialect === 'postgres' ? 2 : 3, 'on PostgreSQL no statement of its own')
    t.same(
      await insertSlices(db, [], () => [], activeWebhooks(db, ['SAN FRANCISCO'])),
      [],
      'with nothing to insert it is not asked'
    )
    t.same(
      (await insertRows(db, [], activeWebhooks(db, ['LOS ANGELES']))).map((h) => h.id),
      ['w-la'],
      'insertRows with no rows still answers it'
    )
  }
)
