import t from 'tap'
import { buildTestApp } from '../../helper.js'

t.test('liveness and readiness answer without a key while the database takes writes', async (t) => {
  const { app } = await buildTestApp(t)
  const live = await app.inject({ url: '/healthz' })
  t.equal(live.statusCode, 200)
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { status: 'ready', database: /sqlite|postgres/ })
})

t.test('while the service drains, readiness is a 503 with the error body, and liveness still answers', async (t) => {
  const { app } = await buildTestApp(t)
  const drained = app.drain(1500)
  const ready = await app.inject({ url: '/readyz' })
  // It was a 500 (FST_ERR_FAILED_ERROR_SERIALIZATION) while the 503 schema took only the Ready shape.
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().code, 'CLEARFILE_ERR_SHUTTING_DOWN')
  t.equal(ready.headers['retry-after'], '5')
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  await drained
})
