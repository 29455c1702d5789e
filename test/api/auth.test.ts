import { sql } from 'kysely'
import t from 'tap'
import { Writable } from 'node:stream'
import { createApiClient, revokeApiClient } from '../../src/db/api-client-repository.js'
import { buildApp } from '../../src/app.js'
import { createServices } from '../../src/services.js'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { bearer, buildTestApp, caseBody, openTestDatabase, TEST_DATABASE_URL } from '../helper.js'

t.test('a /v1 request without a key is a 401 with a machine-readable code', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/v1/cases/anything' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'CLEARFILE_ERR_UNAUTHENTICATED')
})

t.test('a wrong key, a malformed header and a revoked key are each a 401', async (t) => {
  const { app, handle, clock, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  for (const authorization of [`Bearer ${key}x`, `Basic ${key}`, 'Bearer', `Bearer cfk_${'A'.repeat(43)}`]) {
    const res = await app.inject({ method: 'GET', url: '/v1/cases/x', headers: { authorization } })
    t.equal(res.statusCode, 401, authorization.slice(0, 12))
  }
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/cases/x', headers: bearer(key) })).statusCode,
    404,
    'the key works'
  )
  t.equal(await revokeApiClient(handle.db, key.slice(0, 12), clock.now()), 1)
  t.equal(
    (await app.inject({ method: 'GET', url: '/v1/cases/x', headers: bearer(key) })).statusCode,
    401,
    'until revoked'
  )
})

t.test('only the hash of a key is stored', async (t) => {
  const { handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('clerk', 'ALAMEDA')
  const rows = await handle.db.selectFrom('api_clients').selectAll().execute()
  t.equal(rows.length, 1)
  t.notMatch(JSON.stringify(rows), new RegExp(key.slice(12)), 'the secret part appears nowhere')
  t.equal(rows[0]!.county, 'ALAMEDA')
  t.match(rows[0]!.key_sha256, /^[0-9a-f]{64}$/)
})

t.test('health and readiness need no key and report the database', async (t) => {
  const { app, handle } = await buildTestApp(t)
  t.same((await app.inject({ url: '/healthz' })).json(), { status: 'ok' })
  t.same((await app.inject({ url: '/readyz' })).json(), { status: 'ready', database: handle.dialect })
})

t.test('readiness is a 503 when the database is gone', async (t) => {
  // A database that cannot answer: a destroyed SQLite handle, or a PostgreSQL port nobody listens on.
  const gone = await openDatabase({
    url: TEST_DATABASE_URL.startsWith('postgres') ? 'postgres://postgres@127.0.0.1:1/none' : ':memory:'
  })
  if (gone.dialect === 'sqlite') {
    await sql`select 1`.execute(gone.db) // kysely opens lazily; open it so destroy really closes it
    await gone.destroy()
  } else {
    t.teardown(() => gone.destroy())
  }
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent' } })
  const app = await buildApp(
    createServices({ config, db: gone.db, dialect: gone.dialect, clock: fixedClock('2026-01-01') })
  )
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', database: gone.dialect, reason: 'unreachable' })
  t.equal(res.headers['retry-after'], '5')
  const api = await app.inject({ url: '/v1/policy', headers: bearer(`cfk_${'z'.repeat(43)}`) })
  t.equal(api.statusCode, 503, 'the API says the database is away, not that something broke')
  t.equal(api.json().code, 'CLEARFILE_ERR_DATABASE_UNAVAILABLE')
  t.equal(api.headers['retry-after'], '5')
})

t.test(
  'a database that takes no writes is not ready, and a write to it is a 503 with Retry-After, never a 500',
  async (t) => {
    const handle = await openTestDatabase(t)
    const key = (await createApiClient(handle.db, { role: 'da_system', county: 'SAN FRANCISCO' }, new Date())).key
    // Read-only as a standby or a read-only file is. PostgreSQL: one connection of its own on the same schema, made
    // read-only for its session (other test files share the server, so nothing wider is touched).
    let db = handle.db
    if (handle.dialect === 'sqlite') await sql`pragma query_only = on`.execute(db)
    else {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s
      const readOnly = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 1 })
      t.teardown(() => readOnly.destroy())
      await sql`set session characteristics as transaction read only`.execute(readOnly.db)
      db = readOnly.db
    }
    const logs: string[] = []
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'))
        done()
      }
    })
    const config = loadConfig({ env: {}, overrides: { logLevel: 'info', simulatedCourt: false } })
    const app = await buildApp(
      createServices({ config, db, dialect: handle.dialect, clock: fixedClock('2026-11-28') }),
      {
        logStream
      }
    )
    t.teardown(() => app.close())
    const ready = await app.inject({ url: '/readyz' })
    t.equal(ready.statusCode, 503)
    t.equal(ready.json().reason, 'read-only')
    const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
    t.equal(res.statusCode, 503, res.body)
    t.equal(res.json().code, 'CLEARFILE_ERR_DATABASE_UNAVAILABLE')
    t.equal(res.headers['retry-after'], '5')
    t.notMatch(res.body, /readonly|read-only transaction/i, 'nothing internal in the body')
    t.notOk(
      logs.some((l) => l.includes('"level":50')),
      'logged as a warning with the driver code, not as an error with a stack'
    )
  }
)
