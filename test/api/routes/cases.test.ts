import t from 'tap'
import { startRetention } from '../../../src/jobs/retention-job.js'
import { seededRandom } from '../../../src/seeded-random.js'
import { bearer, buildTestApp, bulkBehindRead, caseBody, TEST_DATABASE_URL } from '../../helper.js'

t.test('a DA system stores a case and reads it back with its counts', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'San Francisco')
  const created = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.match(body.id, /^[0-9a-f-]{36}$/)
  t.equal(body.county, 'SAN FRANCISCO')
  t.equal(body.counts.length, 1)
  t.equal(body.counts[0].codeSection, '11359 HS')
  t.equal(body.counts[0].sentenceEndDate, '2010-05-31', '30 days of jail from 2010-05-01')

  const read = await app.inject({ method: 'GET', url: `/v1/cases/${body.id}`, headers: bearer(key) })
  t.equal(read.statusCode, 200)
  t.same(read.json(), body)
  t.equal(read.headers['cache-control'], 'no-store')
})

t.test("the case a new person's POST answers with is the case read back, whatever its counts", async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const random = seededRandom(14)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  for (let i = 0; i < 25; i++) {
    // Count numbers out of order, dispositions that decide nothing, spellings as DA systems write them.
    const numbers = [3, 1, 12, 2].slice(0, 1 + Math.floor(random() * 4))
    const counts = numbers.map((countNumber) => ({
      countNumber,
      codeSection: pick(['11359 HS', '11359HS', 'HS 11357(b)', '11360(a) H&S', '187PC', '459 PC', 'POSS MARIJUANA']),
      severity: pick(['F', 'M', 'I']),
      disposition: pick(['convicted', 'convicted', 'dismissed']),
      convictionDate: pick(['2009-03-01', '2012-07-15', '2017-12-01']),
      ...(random() < 0.5 ? { sentence: [{ kind: 'jail', length: 30, unit: 'days' }] } : {})
    }))
    const created = await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({
        person: { dojSubjectId: String(7_000_000 + i), cii: `F${String(i).padStart(8, '0')}`, aliases: ['ROE, JO'] },
        case: { caseNumber: `SCN${700000 + i}` },
        counts
      })
    })
    t.equal(created.statusCode, 201)
    const read = await app.inject({ method: 'GET', url: `/v1/cases/${created.json().id}`, headers: bearer(key) })
    t.strictSame(created.json(), read.json(), `case ${i}: ${counts.length} counts`)
  }
})

t.test('the same Idempotency-Key and body replays the first result with 200', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const headers = { ...bearer(key), 'idempotency-key': 'cms-42' }
  const first = await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  const again = await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 200)
  t.same(again.json(), first.json())
  const { n } = await handle.db
    .selectFrom('court_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(n), 1, 'one case stored')
})

t.test('a replayed answer is audited like a read, and stored answers are purged once past their TTL', async (t) => {
  const { app, handle, keyFor, clock, runJobs } = await buildTestApp(t, { idempotencyTtlHours: 48 })
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const headers = { ...bearer(key), 'idempotency-key': 'cms-43' }
  await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  const replays = await handle.db
    .selectFrom('audit_events')
    .select(['record_id', 'county'])
    .where('action', '=', 'idempotent_answer.replay')
    .execute()
  t.same(replays, [{ record_id: 'cms-43', county: 'SAN FRANCISCO' }])

  await startRetention(handle.db, clock.now())
  clock.set(new Date(clock.now().getTime() + 47 * 3_600_000))
  await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: { ...bearer(key), 'idempotency-key': 'cms-44' },
    payload: caseBody({ person: { dojSubjectId: '1000044' }, case: { caseNumber: 'SCN44' } })
  })
  clock.set(new Date(clock.now().getTime() + 2 * 3_600_000))
  await runJobs()
  const kept = await handle.db.selectFrom('idempotency_keys').select('key').execute()
  t.same(
    kept.map((k) => k.key),
    ['cms-44'],
    'the 49-hour-old answer is gone, the 2-hour-old one kept'
  )
})

t.test('the same Idempotency-Key with a different body is a 409 and stores nothing new', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const headers = { ...bearer(key), 'idempotency-key': 'cms-43' }
  await app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  const reused = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers,
    payload: caseBody({ case: { caseNumber: 'SCN999999' } })
  })
  t.equal(reused.statusCode, 409)
  t.equal(reused.json().code, 'CLEARFILE_ERR_IDEMPOTENCY_KEY_REUSED')
  const rows = await handle.db.selectFrom('court_cases').select('case_number').execute()
  t.same(
    rows.map((r) => r.case_number),
    ['SCN123456']
  )
})

t.test('two concurrent requests with one Idempotency-Key store one case and return the same id', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const headers = { ...bearer(key), 'idempotency-key': 'race-1' }
  const [a, b] = await Promise.all([
    app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() }),
    app.inject({ method: 'POST', url: '/v1/cases', headers, payload: caseBody() })
  ])
  t.same([a!.statusCode, b!.statusCode].sort(), [200, 201], `${a!.body.slice(0, 200)} / ${b!.body.slice(0, 200)}`)
  t.equal(a!.json().id, b!.json().id)
  const { n } = await handle.db
    .selectFrom('court_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(n), 1)
})

t.test("another county's case is a 404, as if it did not exist; admin sees it", async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const sf = await keyFor('da_system', 'SAN FRANCISCO')
  const la = await keyFor('deputy_da', 'LOS ANGELES')
  const admin = await keyFor('admin')
  const { id } = (
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(sf), payload: caseBody() })
  ).json()

  const cross = await app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: bearer(la) })
  const missing = await app.inject({
    method: 'GET',
    url: '/v1/cases/00000000-0000-4000-8000-000000000000',
    headers: bearer(la)
  })
  t.equal(cross.statusCode, 404)
  t.equal(cross.json().code, 'CLEARFILE_ERR_NOT_FOUND')
  t.same(
    { ...cross.json(), requestId: '' },
    { ...missing.json(), requestId: '' },
    'indistinguishable from a case that does not exist'
  )
  t.equal((await app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: bearer(admin) })).statusCode, 200)
})

t.test('a key cannot file a case into another county', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const la = await keyFor('da_system', 'LOS ANGELES')
  const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(la), payload: caseBody() })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'CLEARFILE_ERR_COUNTY_SCOPE')
  t.same(res.json().details, [{ path: '/case/county', message: 'is not the county of this API key' }])
  t.equal((await handle.db.selectFrom('people').selectAll().execute()).length, 0)
})

t.test('a clerk key may read cases but not create them', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const clerk = await keyFor('clerk', 'SAN FRANCISCO')
  const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(clerk), payload: caseBody() })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'CLEARFILE_ERR_FORBIDDEN')
})

t.test('invalid input is a 400 naming the JSON path of every problem', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const payload = caseBody({
    person: { dob: '1970-02-30' },
    counts: [
      { codeSection: '11359 HS', severity: 'X', disposition: 'convicted', convictionDate: '2010-05-01' },
      { severity: 'M', disposition: 'convicted' }
    ]
  })
  const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.code, 'CLEARFILE_ERR_VALIDATION')
  const paths = body.details.map((d: { path: string }) => d.path)
  t.ok(paths.includes('/person/dob'), 'impossible date')
  t.ok(paths.includes('/counts/0/severity'), 'unknown severity')
  t.ok(paths.includes('/counts/1/codeSection'), 'missing code section')
  t.equal((await handle.db.selectFrom('people').selectAll().execute()).length, 0, 'nothing stored')
})

t.test(
  'a body is taken as sent: a number is not a string, a string is not a number, null is not empty text',
  async (t) => {
    const { app, keyFor } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const payload = caseBody({
      person: { name: null, dojSubjectId: 1000001 },
      counts: [
        {
          codeSection: '11359 HS',
          severity: 'F',
          disposition: 'convicted',
          convictionDate: '2010-05-01',
          sentence: [{ kind: 'jail', length: '30', unit: 'days' }]
        }
      ]
    })
    const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload })
    t.equal(res.statusCode, 400)
    const problems = Object.fromEntries(
      res.json().details.map((d: { path: string; message: string }) => [d.path, d.message])
    )
    t.match(problems, {
      '/person/name': 'must be string',
      '/person/dojSubjectId': 'must be string',
      '/counts/0/sentence/0/length': /must be (number|integer)/
    })
    const listed = await app.inject({ url: '/v1/filings?limit=5', headers: bearer(key) })
    t.equal(listed.statusCode, 200, 'a query string is still read as text made into numbers')
  }
)

t.test('a conviction needs a conviction date on or after the date of birth', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({
      counts: [
        { codeSection: '11357 HS', severity: 'M', disposition: 'convicted' },
        { codeSection: '11358 HS', severity: 'F', disposition: 'convicted', convictionDate: '1960-01-01' },
        {
          codeSection: '11360 HS',
          severity: 'F',
          disposition: 'convicted',
          convictionDate: '2011-01-01',
          sentence: [{ kind: 'prison' }]
        }
      ]
    })
  })
  t.equal(res.statusCode, 400)
  t.same(
    res.json().details.map((d: { path: string }) => d.path),
    ['/counts/0/convictionDate', '/counts/1/convictionDate', '/counts/2/sentence/0']
  )
})

t.test('a batch with one bad case stores nothing and names the bad case', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const cases = Array.from({ length: 5 }, (_, i) =>
    caseBody({
      person: { dojSubjectId: `20000${i}`, cii: `B0000000${i}` },
      case: { caseNumber: `SCN20000${i}` }
    })
  )
  cases[3]!.counts[0]!.convictionDate = '2099-01-01'
  const res = await app.inject({ method: 'POST', url: '/v1/cases/batch', headers: bearer(key), payload: { cases } })
  t.equal(res.statusCode, 400)
  t.same(res.json().details, [{ path: '/cases/3/counts/0/convictionDate', message: 'is in the future' }])
  t.equal((await handle.db.selectFrom('court_cases').selectAll().execute()).length, 0)
  t.equal((await handle.db.selectFrom('people').selectAll().execute()).length, 0)
  t.equal((await handle.db.selectFrom('audit_events').selectAll().execute()).length, 0)
})

t.test('a batch whose later case repeats an earlier one is refused whole with a 409 naming it', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cases/batch',
    headers: bearer(key),
    payload: { cases: [caseBody(), caseBody()] }
  })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'CLEARFILE_ERR_CASE_EXISTS')
  t.equal(res.json().details[0].path, '/cases/1/case/caseNumber')
  t.equal((await handle.db.selectFrom('court_cases').selectAll().execute()).length, 0)
})

t.test(
  "on PostgreSQL a batch of cases is bulk work: it waits for bulk work's share of the connections, a single case does not",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only: SQLite has one connection' },
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const cases = Array.from({ length: 3 }, (_, i) =>
      caseBody({ person: { dojSubjectId: `30000${i}`, cii: `C0000000${i}` }, case: { caseNumber: `SCN30000${i}` } })
    )
    const { bulk, read, bulkAnsweredFirst } = await bulkBehindRead(
      handle.db,
      () => app.inject({ method: 'POST', url: '/v1/cases/batch', headers: bearer(key), payload: { cases } }),
      () => app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
    )
    t.equal(read.statusCode, 201, 'the single case was stored while every bulk share was held')
    t.notOk(bulkAnsweredFirst, 'the batch waited for a share')
    t.equal(bulk.statusCode, 201)
    t.equal(bulk.json().cases.length, 3, 'and was then stored whole')
  }
)

t.test('a batch of 1,000 cases is stored in one go and 1,001 is refused', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const cases = Array.from({ length: 1001 }, (_, i) =>
    caseBody({
      person: {
        dojSubjectId: String(3_000_000 + i),
        cii: `C${String(i).padStart(8, '0')}`,
        name: `PERSON, NUMBER ${i}`
      },
      case: { caseNumber: `SCN${300000 + i}` }
    })
  )
  const tooMany = await app.inject({ method: 'POST', url: '/v1/cases/batch', headers: bearer(key), payload: { cases } })
  t.equal(tooMany.statusCode, 400)
  t.equal(tooMany.json().details[0].path, '/cases')
  const ok = await app.inject({
    method: 'POST',
    url: '/v1/cases/batch',
    headers: bearer(key),
    payload: { cases: cases.slice(0, 1000) }
  })
  t.equal(ok.statusCode, 201)
  t.equal(ok.json().cases.length, 1000)
  t.equal((await handle.db.selectFrom('convictions').selectAll().execute()).length, 1000)
})

t.test('a second case for the same DOJ subject joins the same person and keeps a new name as an alias', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const first = (
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  ).json()
  const second = (
    await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({ person: { name: 'GARCIA-LOPEZ, MARIA' }, case: { caseNumber: 'SCN654321' } })
    })
  ).json()
  t.equal(second.person.id, first.person.id)
  t.equal(second.person.name, 'GARCIA, MARIA')
  t.same(second.person.aliases, ['GARCIA-LOPEZ, MARIA'])
})

t.test('the same DOJ subject id with another date of birth is a 409, never merged', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  const res = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({ person: { dob: '1971-02-03' }, case: { caseNumber: 'SCN7' } })
  })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'CLEARFILE_ERR_PERSON_MISMATCH')
  t.equal(res.json().details[0].path, '/person/dob')
})

t.test('co-defendants may share a case number', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const a = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  const b = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({ person: { name: 'NGUYEN, AN', dojSubjectId: '1000002', cii: 'A22222222', dob: '1980-01-01' } })
  })
  t.equal(a.statusCode, 201)
  t.equal(b.statusCode, 201)
  t.not(a.json().id, b.json().id)
})

t.test('every read and write of a record adds an audit event naming who, what and when', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const created = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  const { id, person } = created.json()
  await app.inject({ method: 'GET', url: `/v1/cases/${id}`, headers: bearer(key) })
  const client = await handle.db
    .selectFrom('api_clients')
    .select('id')
    .where('role', '=', 'da_system')
    .executeTakeFirstOrThrow()
  const audit = await handle.db.selectFrom('audit_events').selectAll().orderBy('id').execute()
  t.same(
    audit.map((a) => [a.action, a.record_type, a.record_id]),
    [
      ['person.create', 'person', person.id],
      ['case.create', 'court_case', id],
      ['determination.create', 'person', person.id],
      ['case.read', 'court_case', id]
    ]
  )
  for (const a of audit) {
    t.equal(a.actor_id, client.id)
    t.equal(a.actor_role, 'da_system')
    t.equal(a.county, 'SAN FRANCISCO')
    t.equal(a.at, '2026-11-28T12:00:00.000Z')
    t.ok(a.request_id)
  }
  t.notMatch(JSON.stringify(audit), /GARCIA|1970-02-03|A12345678/, 'audit rows carry ids, not identities')
})

t.test("a request's logs never contain the name, DOB or CII it carried", async (t) => {
  const { app, logs, keyFor } = await buildTestApp(t, { logLevel: 'trace' })
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const payload = caseBody({ person: { name: 'ZZTOP, UNIQUENAME', dob: '1961-07-19', cii: 'Q98765432' } })
  const ok = await app.inject({ method: 'POST', url: '/v1/cases?name=ZZTOP', headers: bearer(key), payload })
  t.equal(ok.statusCode, 201)
  await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: { ...payload, counts: [{ severity: 'Q' }] }
  })
  await app.inject({ method: 'GET', url: `/v1/cases/${ok.json().id}`, headers: bearer(key) })
  const text = logs.join('')
  const requests = text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.req || line.res)
  const id = ok.json().id
  t.same(
    requests.map((l) => [l.level, l.msg, l.req?.method, l.req?.url, l.res?.statusCode, typeof l.responseTime]),
    [
      [20, 'incoming request', 'POST', '/v1/cases?name=…', undefined, 'undefined'],
      [30, 'request completed', 'POST', '/v1/cases?name=…', 201, 'number'],
      [20, 'incoming request', 'POST', '/v1/cases', undefined, 'undefined'],
      [30, 'request completed', 'POST', '/v1/cases', 400, 'number'],
      [20, 'incoming request', 'GET', `/v1/cases/${id}`, undefined, 'undefined'],
      [30, 'request completed', 'GET', `/v1/cases/${id}`, 200, 'number']
    ],
    'each request logged once at info, when answered (method, path without query values, status, time), and as it came in at debug'
  )
  t.notMatch(text, /ZZTOP|UNIQUENAME|1961-07-19|Q98765432/)
  t.notMatch(text, new RegExp(key), 'nor the API key')
})

t.test(
  "a case's Prop 64 counts are decided on intake with the county's policy, and shown with their explanation",
  async (t) => {
    const { app, keyFor } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const created = await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({
        counts: [
          {
            codeSection: '11359 HS',
            severity: 'F',
            disposition: 'convicted',
            convictionDate: '2010-05-01',
            sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
          },
          { codeSection: '459 PC', severity: 'F', disposition: 'convicted', convictionDate: '2010-05-01' }
        ]
      })
    })
    const [sale, burglary] = created.json().counts
    t.equal(sale.normalizedSection, 'HS 11359')
    t.equal(sale.determination.outcome, 'reduce_to_misdemeanor')
    t.equal(sale.determination.remedy, 'redesignation_or_dismissal')
    t.ok(sale.determination.citations.includes('HS 11361.8'))
    t.equal(sale.determination.explanation.children[0].rule, 'law_floor')
    t.equal(burglary.determination, null, 'not a Prop 64 conviction')
  }
)

t.test('a later case that adds a prior super strike re-decides the earlier Prop 64 conviction', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('da_system', 'SAN FRANCISCO')
  const first = (
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  ).json()
  t.equal(first.counts[0].determination.outcome, 'reduce_to_misdemeanor')
  await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({
      case: { caseNumber: 'SCN000187' },
      counts: [{ codeSection: 'PC 187', severity: 'F', disposition: 'convicted', convictionDate: '2001-03-04' }]
    })
  })
  const again = (await app.inject({ method: 'GET', url: `/v1/cases/${first.id}`, headers: bearer(key) })).json()
  t.equal(again.counts[0].determination.outcome, 'not_eligible')
  t.match(again.counts[0].determination.reason, /superStrike present \(PC 187 on 2001-03-04\)/)
})

t.test(
  'a name that prints as nothing, or hides what a paper says, is refused; real names in any script are taken',
  async (t) => {
    const { app, keyFor, handle } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const bad = [
      '   ',
      '\t',
      'GARCIA\u202eAIRAM',
      'GAR\u0000CIA',
      'GAR\u200dCIA',
      'GAR\ud800CIA',
      'GARCIA\u2066X',
      '---'
    ]
    for (const [i, name] of bad.entries()) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({
          person: { name, dojSubjectId: `77${i}`, cii: undefined },
          case: { caseNumber: `SCN-N${i}` }
        })
      })
      t.equal(res.statusCode, 400, JSON.stringify(name))
      t.equal(res.json().details?.[0]?.path, '/person/name', JSON.stringify(name))
    }
    const alias = await app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(key),
      payload: caseBody({
        person: { aliases: ['X\u202eY'], dojSubjectId: '7790', cii: undefined },
        case: { caseNumber: 'SCN-A' }
      })
    })
    t.equal(alias.statusCode, 400)
    t.equal((await handle.db.selectFrom('people').selectAll().execute()).length, 0, 'nothing stored')
    for (const [i, name] of [
      'Nguyễn Văn Thành',
      "Zoë O'Brien-Łukasiewicz",
      'ĐẶNG, THỊ HỒNG',
      'O’NEIL, SEAN'
    ].entries()) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({
          person: { name, dojSubjectId: `88${i}`, cii: undefined },
          case: { caseNumber: `SCN-U${i}` }
        })
      })
      t.equal(res.statusCode, 201, name)
    }
  }
)

t.test(
  'twenty DA requests for one person at once, without Idempotency-Key, store one person and answer no 500',
  async (t) => {
    const { app, keyFor, handle, logs } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/v1/cases',
          headers: bearer(key),
          payload: caseBody({
            person: { dojSubjectId: '269822995', cii: undefined },
            case: { caseNumber: `SCN-P${i}` }
          })
        })
      )
    )
    const statuses = responses.map((r) => r.statusCode)
    t.notOk(
      statuses.some((s) => s >= 500),
      `no 5xx: ${statuses.join(',')}`
    )
    t.ok(
      statuses.every(
        (s) =>
          s === 201 || (s === 409 && responses[statuses.indexOf(s)]!.json().code === 'CLEARFILE_ERR_CONCURRENT_WRITE')
      ),
      'each stored its case, or was told to send again'
    )
    const people = await handle.db.selectFrom('people').selectAll().where('doj_subject_id', '=', '269822995').execute()
    t.equal(people.length, 1, 'one person')
    const cases = await handle.db.selectFrom('court_cases').selectAll().where('person_id', '=', people[0]!.id).execute()
    t.equal(cases.length, statuses.filter((s) => s === 201).length, 'a case for each 201')
    t.notOk(logs.join('').includes('269822995'), 'the subject id is in no log line')
  }
)
