import { sql } from 'kysely'
import t from 'tap'
import { openDatabase } from '../../src/db/database.js'
import { migrateOrThrow } from '../../src/db/migrate.js'
import { asBulkWork } from '../../src/db/work-priority.js'

/** A row to write: an audit event, the table every test database has. */
const auditRow = (recordId: string) => ({
  at: '2026-11-30T00:00:00.000Z',
  actor_id: 'test',
  actor_role: 'admin',
  county: null,
  action: 'test.write',
  record_type: 'test',
  record_id: recordId,
  request_id: null,
  detail: null
})

// SQLite's own behaviour: these run on SQLite whichever database the suite is given.
async function sqliteDb(t: { teardown: (fn: () => unknown) => void }) {
  const handle = await openDatabase({ url: ':memory:' })
  t.teardown(() => handle.destroy())
  await migrateOrThrow(handle.db)
  return handle.db
}

t.test('the event loop turns between SQLite transactions: 200 waiting writes do not hold back a timer', async (t) => {
  const db = await sqliteDb(t)
  let finished = 0
  let finishedWhenTheLoopTurned: number | undefined
  const writes = Array.from({ length: 200 }, (_, i) =>
    db.transaction().execute(async (trx) => {
      await trx
        .insertInto('audit_events')
        .values(auditRow(String(i)))
        .execute()
      await trx.selectFrom('audit_events').select('id').where('record_id', '=', String(i)).execute()
      finished++
    })
  )
  // A request that needs no database (GET /healthz) is an I/O callback like this one.
  setImmediate(() => {
    setImmediate(() => {
      finishedWhenTheLoopTurned = finished
    })
  })
  await Promise.all(writes)
  t.equal(finished, 200)
  t.ok(
    finishedWhenTheLoopTurned !== undefined && finishedWhenTheLoopTurned < 200,
    `the loop turned after ${finishedWhenTheLoopTurned} of 200 writes, not after all of them`
  )
  const rows = await db.selectFrom('audit_events').select('record_id').where('action', '=', 'test.write').execute()
  t.equal(rows.length, 200, 'every write stored once')
})

t.test('the event loop turns inside one long SQLite transaction, between its statements', async (t) => {
  const db = await sqliteDb(t)
  let statements = 0
  let statementsWhenTheLoopTurned: number | undefined
  // A request that needs no database (GET /healthz) is an I/O callback like this one.
  setImmediate(() => {
    setImmediate(() => {
      statementsWhenTheLoopTurned = statements
    })
  })
  // One transaction of 300 statements, each made slow enough (~1 ms) that together they are far past 2 ms.
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < 300; i++) {
      await sql`insert into audit_events (at, actor_id, actor_role, action, record_type, record_id)
        select ${auditRow('').at}, 'test', 'admin', 'test.write', 'test', ${String(i)}
        from (with recursive n(x) as (select 1 union all select x + 1 from n where x < 5000) select max(x) from n)`.execute(
        trx
      )
      statements++
    }
  })
  t.ok(
    statementsWhenTheLoopTurned !== undefined && statementsWhenTheLoopTurned < 300,
    `the loop turned after ${statementsWhenTheLoopTurned} of the transaction's 300 statements, not after all of them`
  )
  const rows = await db.selectFrom('audit_events').select('record_id').where('action', '=', 'test.write').execute()
  t.equal(rows.length, 300, 'all of it committed')
})

t.test('a transaction is never interleaved with another while the loop turns', async (t) => {
  const db = await sqliteDb(t)
  await sql`create table counter (n integer not null)`.execute(db)
  await sql`insert into counter values (0)`.execute(db)
  // Read, yield, write back: without the connection held throughout, increments would be lost.
  await Promise.all(
    Array.from({ length: 100 }, () =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx)
        await new Promise((resolve) => setImmediate(resolve))
        await sql`update counter set n = ${rows[0]!.n + 1}`.execute(trx)
      })
    )
  )
  const { rows } = await sql<{ n: number }>`select n from counter`.execute(db)
  t.equal(rows[0]!.n, 100)
})

t.test(
  "a request's statements and transactions wait for the one connection ahead of bulk work's, which all still run",
  async (t) => {
    const db = await sqliteDb(t)
    const order: string[] = []
    // A job runner's backlog: 100 transactions of bulk work asking for the connection at once.
    const jobs = asBulkWork(() =>
      Array.from({ length: 100 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('audit_events')
            .values(auditRow(`job ${i}`))
            .execute()
          order.push(`job ${i}`)
        })
      )
    )
    // Then a request: a read, and a transaction of its own (an audited read writes).
    const read = db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => order.push(`read saw ${r.n}`))
    const write = db.transaction().execute(async (trx) => {
      await trx.insertInto('audit_events').values(auditRow('request')).execute()
      order.push('request wrote')
    })
    await Promise.all([...jobs, read, write])
    t.same(order.slice(0, 3), ['job 0', 'read saw 1', 'request wrote'], 'after the transaction holding it, the request')
    t.equal(order.filter((o) => o.startsWith('job ')).length, 100, 'every job ran')
    t.same(
      order.slice(3),
      Array.from({ length: 99 }, (_, i) => `job ${i + 1}`),
      'the jobs in the order they asked'
    )
  }
)

t.test('statements are prepared once and the cache starts over past its size; streaming still works', async (t) => {
  const db = await sqliteDb(t)
  // 600 distinct texts (an in-list of each length) pass the cache's 500 and still answer rightly.
  await db.insertInto('audit_events').values(auditRow('id-0')).execute()
  const found: number[] = []
  for (let n = 1; n <= 600; n++) {
    const ids = Array.from({ length: n }, (_, i) => `id-${i}`)
    const rows = await db.selectFrom('audit_events').select('id').where('record_id', 'in', ids).execute()
    found.push(rows.length)
  }
  t.same(new Set(found), new Set([1]), 'each of 600 statements found the one row')
  const inserted = await db.insertInto('audit_events').values(auditRow('x')).executeTakeFirst()
  t.equal(Number(inserted.numInsertedOrUpdatedRows), 1)
  t.ok(Number(inserted.insertId) > 0, 'the insert id is returned')
  const streamed: string[] = []
  for await (const row of db.selectFrom('audit_events').select('record_id').stream()) streamed.push(row.record_id)
  t.same(streamed, ['id-0', 'x'])
})
