import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { isDatabaseUnavailable, openDatabase } from '../../src/db/database.js'
import { bearer, buildTestApp, caseBody, TEST_DATABASE_URL } from '../helper.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')

/**
 * A test app with a county's key, the name its PostgreSQL connections go by, and an administrator's connection of
 * its own: what ends the app's connections from outside, as a restart or a failover would.
 */
async function appWithAdmin(t: Parameters<typeof buildTestApp>[0]) {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const name = (await sql<{ n: string }>`select current_setting('application_name') as n`.execute(handle.db)).rows[0]!.n
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  t.teardown(() => admin.end())
  return { app, handle, key, name, admin }
}

t.test(
  'PostgreSQL ends every clearfile connection (a restart, a failover): the process stays up and the next query reconnects',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const failures: string[] = []
    // A name of its own, so only this pool's connections are ended (other test files run at the same time).
    const name = `clearfile-test-${process.pid}`
    const handle = await openDatabase({
      url: TEST_DATABASE_URL,
      poolSize: 3,
      applicationName: name,
      onConnectionError: (err) => failures.push(err.message)
    })
    t.teardown(() => handle.destroy())
    // Open a few connections and leave them idle in the pool.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(handle.db)))
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    const killed = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [name]
    )
    t.ok(killed.rowCount! >= 1, `${killed.rowCount} idle connections terminated`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.ok(failures.length >= 1, 'each failure was reported, not thrown')
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(handle.db)
    t.same(rows, [{ n: 1 }], 'the next query runs on a new connection')
  }
)

t.test(
  'PostgreSQL ends the service’s connections twice in the middle of 200 case uploads: the process keeps serving, clients told 503 try again, and every case is stored exactly once',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { app, handle, key, name, admin } = await appWithAdmin(t)
    const terminate = async () =>
      (
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
          [name]
        )
      ).rowCount ?? 0

    const statuses = new Map<number, number>()
    let started = 0
    let killed = 0
    const upload = async (i: number) => {
      const body = caseBody({
        person: { dojSubjectId: String(500_000 + i), cii: `A${String(10_000_000 + i)}` },
        case: { caseNumber: `SCN-K${i}` }
      })
      for (let attempt = 0; attempt < 100; attempt++) {
        started++
        if (started === 60 || started === 140) killed += await terminate()
        const res = await app.inject({
          method: 'POST',
          url: '/v1/cases',
          headers: { ...bearer(key), 'idempotency-key': `kill-${i}` },
          payload: body
        })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode < 500 && res.statusCode !== 409) return res.statusCode
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return 0
    }
    const results: number[] = []
    for (let i = 0; i < 200; i += 20)
      results.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => upload(i + j)))))
    t.ok(killed >= 1, `${killed} connections ended mid-load`)
    t.same(
      results.filter((s) => s !== 201 && s !== 200),
      [],
      'every upload succeeded in the end'
    )
    t.notOk(statuses.has(500), `no 500 (${JSON.stringify(Object.fromEntries(statuses))})`)
    const stored = await handle.db
      .selectFrom('court_cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    t.equal(Number(stored.n), 200, 'each case stored exactly once')
    t.equal((await app.inject({ url: '/readyz' })).statusCode, 200, 'and the service is ready')
  }
)

t.test(
  'PostgreSQL ends the connection while a batch of 1,000 cases is being written a slice at a time: none of it is kept, and the retry stores each case once',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { app, handle, key, name, admin } = await appWithAdmin(t)
    // Ends the service's connection once one of the batch's writes is running, until the request is answered: an
    // insert, or the COPYs a write of 100 rows or more goes by (a batch of 1,000 cases always does).
    const killWhileInserting = (answered: () => boolean) =>
      (async () => {
        while (!answered()) {
          const r = await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
             where application_name = $1 and pid <> pg_backend_pid() and state = 'active'
               and (query like '%insert into%' or query like 'copy %')`,
            [name]
          )
          if ((r.rowCount ?? 0) > 0) return r.rowCount ?? 0
          await new Promise((resolve) => setTimeout(resolve, 2))
        }
        return 0
      })()
    const stored = async () =>
      Number(
        (
          await handle.db
            .selectFrom('court_cases')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n
      )
    // A batch the killer missed (stored before it looked) is stored whole; another batch is sent until one is hit.
    let batch = 0
    let killed = 0
    let first: Awaited<ReturnType<typeof app.inject>> | undefined
    let send!: () => Promise<Awaited<ReturnType<typeof app.inject>>>
    for (; batch < 5 && killed === 0; batch++) {
      const cases = Array.from({ length: 1000 }, (_, i) =>
        caseBody({
          person: {
            dojSubjectId: String(700_000 + 1000 * batch + i),
            cii: `B${String(20_000_000 + 1000 * batch + i)}`
          },
          case: { caseNumber: `SCN-B${batch}-${i}` }
        })
      )
      const idempotencyKey = `batch-killed-${batch}`
      send = () =>
        app.inject({
          method: 'POST',
          url: '/v1/cases/batch',
          headers: { ...bearer(key), 'idempotency-key': idempotencyKey },
          payload: { cases }
        })
      let answered = false
      const killer = killWhileInserting(() => answered)
      first = await send()
      answered = true
      killed = await killer
    }
    const before = 1000 * (batch - 1)
    t.ok(killed >= 1, 'a connection was ended while the batch was written')
    t.equal(first!.statusCode, 503, `told to try again (${first!.statusCode})`)
    t.equal(await stored(), before, 'no slice of it was kept')
    let retry = await send()
    for (let attempt = 0; attempt < 20 && retry.statusCode >= 500; attempt++) retry = await send()
    t.equal(retry.statusCode, 201)
    t.equal(retry.json().cases.length, 1000)
    t.equal(await stored(), before + 1000, 'each case stored once')
    const people = await handle.db
      .selectFrom('people')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    t.equal(Number(people.n), before + 1000)
  }
)

t.test(
  'a transaction whose connection PostgreSQL ends fails as “database unavailable”, even though the rollback that follows fails too',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1, onConnectionError: () => {} })
    t.teardown(() => handle.destroy())
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    // kysely rolls back on the dead connection and throws what the rollback threw, not what the query threw.
    const thrown = await handle.db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
        // The client hears the connection end before its next query.
        await new Promise((resolve) => setTimeout(resolve, 100))
        await sql`select 1`.execute(trx)
      })
      .then(
        () => undefined,
        (err: unknown) => err
      )
    t.ok(thrown instanceof Error, 'the transaction failed')
    t.ok(isDatabaseUnavailable(thrown), `classed unavailable: ${(thrown as Error).message}`)
  }
)

t.test(
  "a SQLite file's log is checkpointed by a thread of its own, not by the commit that fills it",
  { skip: postgres ? 'SQLite only' : false },
  async (t) => {
    const { mkdtempSync, rmSync, statSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-checkpoints-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'clearfile.db')
    const handle = await openDatabase({ url: file, checkpointInBackground: true })
    let open = true
    t.teardown(() => (open ? handle.destroy() : undefined))
    const autocheckpoint = async () =>
      (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(handle.db)).rows[0]
        ?.wal_autocheckpoint
    t.equal(await autocheckpoint(), 0, "the service's commits do not checkpoint")
    await sql`create table filler (id integer primary key, text text not null)`.execute(handle.db)
    // About 8 MB in one transaction: 2,000 pages of log, twice what a commit would checkpoint by default.
    await handle.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 80; i++)
        await sql`insert into filler (text) select ${'x'.repeat(1000)} from (select 1 from (values (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) a, (values (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) b)`.execute(
          trx
        )
    })
    // The pages reach the database file without anything more from the service's connection.
    const deadline = Date.now() + 10_000
    while (statSync(file).size < 8_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    t.ok(statSync(file).size >= 8_000_000, `the database file holds the rows (${statSync(file).size} bytes)`)
    await handle.destroy()
    open = false
    const again = await openDatabase({ url: file })
    t.teardown(() => again.destroy())
    t.equal(
      (await sql<{ n: number }>`select count(*) as n from filler`.execute(again.db)).rows[0]?.n,
      8_000,
      'every row is there when opened again'
    )
    t.equal(
      (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(again.db)).rows[0]
        ?.wal_autocheckpoint,
      1000,
      "a connection opened without it (a CLI command's) checkpoints in its commits, as SQLite's default"
    )
  }
)
