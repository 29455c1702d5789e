import { Writable } from 'node:stream'
import t from 'tap'
import { bearer, buildTestApp, TEST_DATABASE_URL } from '../helper.js'
import { buildApp } from '../../src/app.js'
import { createServices } from '../../src/services.js'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openTestDatabase } from '../helper.js'
import { validationDetails } from '../../src/api/error-handler.js'

t.test('a 500 says nothing internal and carries the request id', async (t) => {
  const handle = await openTestDatabase(t)
  const config = loadConfig({ env: {}, overrides: { databaseUrl: TEST_DATABASE_URL, logLevel: 'silent' } })
  const app = await buildApp(
    createServices({ config, db: handle.db, dialect: handle.dialect, clock: fixedClock('2026-01-01') })
  )
  t.teardown(() => app.close())
  app.get('/boom', async () => {
    throw new Error('secret table people_pii is corrupt at /var/lib/x')
  })
  const res = await app.inject({ url: '/boom' })
  t.equal(res.statusCode, 500)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['code', 'message', 'requestId'])
  t.equal(body.code, 'CLEARFILE_ERR_INTERNAL')
  t.notMatch(res.body, /secret|people_pii|var\/lib/)
})

t.test(
  "a 500 is logged under its request id: the handler's line with the error, and the request's one line with its status",
  async (t) => {
    const handle = await openTestDatabase(t)
    const config = loadConfig({ env: {}, overrides: { databaseUrl: TEST_DATABASE_URL, logLevel: 'info' } })
    const logs: string[] = []
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'))
        done()
      }
    })
    const app = await buildApp(
      createServices({ config, db: handle.db, dialect: handle.dialect, clock: fixedClock('2026-01-01') }),
      { logStream }
    )
    t.teardown(() => app.close())
    app.get('/boom', async () => {
      throw new Error('secret table people_pii is corrupt at /var/lib/x')
    })
    const res = await app.inject({ url: '/boom?cii=A12345678' })
    t.equal(res.statusCode, 500)
    const { requestId } = res.json()
    const lines = logs
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.reqId === requestId)
    t.same(
      lines.map((l) => [l.level, l.msg, l.err?.message, l.req?.url, l.res?.statusCode]),
      [
        [50, 'request failed', 'secret table people_pii is corrupt at /var/lib/x', undefined, undefined],
        [30, 'request completed', undefined, '/boom?cii=…', 500]
      ]
    )
    t.notMatch(logs.join(''), /A12345678/, 'the query value is not logged')
  }
)

t.test('an unknown route is a 404 with its own code', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/v2/nothing' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'CLEARFILE_ERR_ROUTE_NOT_FOUND')
})

t.test('a body that is not JSON is a 400 and the wrong content type a 415', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    payload: '{"person":'
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'CLEARFILE_ERR_VALIDATION')
  const xml = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: { ...bearer(key), 'content-type': 'application/xml' },
    payload: '<case/>'
  })
  t.equal(xml.statusCode, 415)
  t.equal(xml.json().code, 'CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE')
})

t.test('a body over the configured limit is a 413', async (t) => {
  const { app, keyFor } = await buildTestApp(t, { bodyLimitBytes: 2048 })
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    payload: JSON.stringify({ pad: 'x'.repeat(4096) })
  })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'CLEARFILE_ERR_PAYLOAD_TOO_LARGE')
})

t.test('validation details point at the missing or unexpected field itself', async (t) => {
  t.same(
    validationDetails(
      [
        {
          instancePath: '/person',
          keyword: 'required',
          params: { missingProperty: 'dob' },
          message: "must have required property 'dob'"
        },
        { instancePath: '/counts/0', keyword: 'additionalProperties', params: { additionalProperty: 'x' } },
        { instancePath: '/counts/0/severity', keyword: 'enum', params: { allowedValues: ['F', 'M', 'I'] } },
        { instancePath: '', keyword: 'type', message: 'must be object' }
      ],
      'body'
    ),
    [
      { path: '/person/dob', in: 'body', message: 'is required' },
      { path: '/counts/0/x', in: 'body', message: 'is not an accepted field' },
      { path: '/counts/0/severity', in: 'body', message: 'must be one of F, M, I' },
      { path: '/', in: 'body', message: 'must be object' }
    ]
  )
})
