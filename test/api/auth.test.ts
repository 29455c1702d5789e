import { sql } from 'kysely'
import t from 'tap'
import { revokeApiClient } from '../../src/db/api-client-repository.js'
import { buildApp } from '../../src/app.js'
import { createServices } from '../../src/services.js'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { bearer, buildTestApp, TEST_DATABASE_URL } from '../helper.js'

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
  t.equal(res.json().status, 'unavailable')
})

t.test('the OpenAPI document lists the case routes with their error responses', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.ok(doc.paths['/v1/cases'].post, 'POST /v1/cases')
  t.ok(doc.paths['/v1/cases/batch'].post, 'POST /v1/cases/batch')
  t.ok(doc.paths['/v1/cases/{id}'].get, 'GET /v1/cases/{id}')
  t.same(Object.keys(doc.paths['/v1/cases'].post.responses).sort(), ['200', '201', '400', '401', '403', '409', '429'])
  t.equal((await app.inject({ url: '/docs/' })).statusCode, 200, 'the browsable docs page')
})
