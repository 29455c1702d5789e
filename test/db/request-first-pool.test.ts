import { sql } from 'kysely'
import t from 'tap'
import { isDatabaseUnavailable, openDatabase } from '../../src/db/database.js'
import { asBulkWork } from '../../src/db/work-priority.js'
import { TEST_DATABASE_URL } from '../helper.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')
const skip = postgres ? false : 'PostgreSQL only (DATABASE_URL): SQLite has one connection (see sqlite-dialect)'

/** A gate background transactions wait at, holding their connections, until it opens. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

async function pool(t: { teardown: (fn: () => unknown) => void }, poolSize: number, connectionTimeoutMs = 60_000) {
  const handle = await openDatabase({ url: TEST_DATABASE_URL, poolSize, connectionTimeoutMs })
  t.teardown(() => handle.destroy())
  return handle.db
}

t.test(
  "bulk work holds all but two of the pool's connections, the rest waiting their turn, and a request takes one of the two at once",
  { skip },
  async (t) => {
    const db = await pool(t, 5)
    const held = gate()
    const order: string[] = []
    let holding = 0
    let most = 0
    const jobs = asBulkWork(() =>
      Array.from({ length: 8 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx)
          order.push(`job ${i}`)
          most = Math.max(most, ++holding)
          await held.opened
          holding--
        })
      )
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(order.length, 3, 'three of five connections went to bulk work, the rest wait')
    // Two requests at once, each a transaction that holds its connection while the other asks for one.
    const both = gate()
    let inside = 0
    const requests = [1, 2].map(() =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`select 1 as n`.execute(trx)
        if (++inside === 2) both.open()
        await both.opened
        return rows[0]!.n
      })
    )
    t.same(await Promise.all(requests), [1, 1], 'both requests ran, side by side, while bulk work waited')
    t.equal(order.length, 3, 'no bulk work took a connection the requests gave back')
    held.open()
    await Promise.all(jobs)
    t.same(
      [...order].sort(),
      Array.from({ length: 8 }, (_, i) => `job ${i}`),
      'every job ran'
    )
    t.equal(most, 3, 'never more than three at once')
  }
)

t.test(
  'bulk work waits for its share only as long as for a connection, then fails as pg-pool does, and the share is not lost',
  { skip },
  async (t) => {
    const db = await pool(t, 3, 300)
    const held = gate()
    const holder = asBulkWork(() =>
      db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        await held.opened
      })
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    await t.rejects(
      asBulkWork(() => sql`select 1`.execute(db)),
      /timeout exceeded when trying to connect/,
      'the second background query, past the one share of a three-connection pool, timed out'
    )
    held.open()
    await holder
    // The share came back once the holder finished: bulk work runs again, one query after another.
    const answers = await asBulkWork(() =>
      Promise.all([1, 2, 3].map((n) => sql<{ n: number }>`select ${n}::int as n`.execute(db)))
    )
    t.same(
      answers.map((a) => a.rows[0]!.n),
      [1, 2, 3]
    )
    const { rows } = await sql<{ n: number }>`select 4::int as n`.execute(db)
    t.same(rows, [{ n: 4 }], 'and requests as ever')
  }
)

t.test(
  'a connection PostgreSQL ends while bulk work holds it gives its share back, and bulk work runs again',
  { skip },
  async (t) => {
    // A three-connection pool leaves bulk work one share: were the ended connection's share lost, the next bulk
    // query would time out.
    const db = await pool(t, 3, 1_000)
    const started = gate()
    let pid = 0
    const doomed = asBulkWork(() =>
      db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
        pid = rows[0]!.pid
        started.open()
        await sql`select pg_sleep(30)`.execute(trx)
      })
    )
    // Its failure is taken as it comes: it may come before the answer to the statement that ends it.
    const failed = doomed.then(
      () => null,
      (err: unknown) => err
    )
    await started.opened
    const { rows } = await sql<{ ended: boolean }>`select pg_terminate_backend(${pid}) as ended`.execute(db)
    t.same(rows, [{ ended: true }], 'PostgreSQL ended the bulk transaction’s connection')
    const failure = await failed
    t.ok(
      isDatabaseUnavailable(failure),
      `the bulk transaction failed as the database being away, which jobs retry (${String(failure)})`
    )
    const answers = await asBulkWork(() =>
      Promise.all([1, 2].map((n) => sql<{ n: number }>`select ${n}::int as n`.execute(db)))
    )
    t.same(
      answers.map((a) => a.rows[0]!.n),
      [1, 2],
      'bulk work took its share again, one query after the other'
    )
  }
)
