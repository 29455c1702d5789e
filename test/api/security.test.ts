import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { sql } from 'kysely'
import t from 'tap'
import { request } from 'undici'
import { createApiClient, type Role } from '../../src/db/api-client-repository.js'
import type { Database } from '../../src/db/schema.js'
import { createJobRunner } from '../../src/jobs/job-runner.js'
import { isPublicAddress, publicOnlyAgent, refusedWebhookUrl } from '../../src/webhooks/outbound-address.js'
import { webhookJob } from '../../src/webhooks/webhook-delivery.js'
import { bearer, buildTestApp, caseBody } from '../helper.js'

const SF = 'SAN FRANCISCO'
const RECORD_ROLES: Role[] = ['da_system', 'deputy_da', 'clerk', 'admin']

/**
 * Who may call what, written once: each operation of the API (and /metrics) with the roles it admits.
 * Admin keys are admitted everywhere. The matrix test derives every expected status from this table and
 * fails when the app has an operation the table does not name, so a new route cannot go unjudged.
 */
const ACCESS: Record<string, readonly Role[]> = {
  'POST /v1/cases': ['da_system', 'deputy_da'],
  'POST /v1/cases/batch': ['da_system', 'deputy_da'],
  'GET /v1/cases/{id}': RECORD_ROLES,
  'PATCH /v1/cases/{id}': ['da_system', 'deputy_da'],
  'GET /v1/policy': RECORD_ROLES,
  'PUT /v1/policy': ['deputy_da'],
  'GET /v1/determinations': RECORD_ROLES,
  'POST /v1/determinations/{id}/decision': ['deputy_da'],
  'POST /v1/determinations/decisions': ['deputy_da'],
  'GET /v1/session': ['da_system', 'deputy_da', 'clerk'],
  'POST /v1/reviews': ['deputy_da', 'da_system'],
  'GET /v1/reviews/{id}': RECORD_ROLES,
  'GET /v1/reviews/{id}/determinations': RECORD_ROLES,
  'GET /v1/reviews/{id}/files/{file}': RECORD_ROLES,
  'POST /v1/cases/{id}/documents': ['deputy_da', 'da_system'],
  'GET /v1/cases/{id}/documents': RECORD_ROLES,
  'GET /v1/documents/{id}': RECORD_ROLES,
  'POST /v1/reviews/{id}/documents': ['deputy_da', 'da_system'],
  'GET /v1/reviews/{id}/documents': RECORD_ROLES,
  'POST /v1/filings': ['deputy_da', 'da_system'],
  'GET /v1/filings': RECORD_ROLES,
  'GET /v1/filings/{id}': RECORD_ROLES,
  'GET /v1/filings/{id}/message.xml': RECORD_ROLES,
  'POST /v1/filings/{id}/settlement': ['deputy_da'],
  'POST /v1/filings/{id}/cancellation': ['deputy_da', 'da_system'],
  'POST /v1/outcome-reports': ['clerk', 'deputy_da'],
  'GET /v1/outcome-reports/{id}': ['clerk', 'deputy_da', 'da_system'],
  'GET /v1/outcome-reports/{id}/reconciliation.csv': ['clerk', 'deputy_da', 'da_system'],
  'GET /v1/exports/doj-updates': ['deputy_da', 'clerk'],
  'POST /v1/webhooks': ['da_system'],
  'GET /v1/webhooks': ['da_system'],
  'DELETE /v1/webhooks/{id}': ['da_system'],
  'GET /v1/webhooks/{id}/deliveries': ['da_system'],
  'GET /v1/events': ['da_system', 'deputy_da'],
  'GET /v1/metrics/pipeline': RECORD_ROLES,
  'GET /metrics': ['metrics']
}
/** Bodies that pass validation, where the route checks the body before the record (so tenancy is what is tested). */
const BODIES: Record<string, object> = {
  'POST /v1/determinations/{id}/decision': { outcome: 'not_eligible', reason: 'authorisation matrix' },
  'POST /v1/determinations/decisions': { ids: ['x'], outcome: 'not_eligible', reason: 'authorisation matrix' },
  'POST /v1/filings/{id}/settlement': { atCourt: false, note: 'authorisation matrix' },
  'POST /v1/filings/{id}/cancellation': { note: 'authorisation matrix' },
  'PATCH /v1/cases/{id}': { courtCaseId: 'CPF-1' }
}
/** Operations anyone may call: liveness and readiness. */
const OPEN = new Set(['GET /healthz', 'GET /readyz'])

t.test(
  'the authorisation matrix: every route × role × own or other county × no, bad, revoked or expired key',
  async (t) => {
    const { app, handle, clock, keyFor } = await buildTestApp(t, { authFailuresPerMinute: 100_000 })
    const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
    const operations = [
      ...Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
      'GET /metrics'
    ].filter((op) => !OPEN.has(op))
    t.same(operations.filter((op) => !ACCESS[op]).sort(), [], 'every operation of the app is in the table')
    t.same(
      Object.keys(ACCESS).filter((op) => !operations.includes(op)),
      [],
      'the table names no route the app lacks'
    )

    // San Francisco's records, made through the API; the other county is Alameda.
    const sfSystem = await keyFor('da_system', SF)
    const kase = (
      await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(sfSystem), payload: caseBody() })
    ).json()
    const hook = (
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: bearer(sfSystem),
        payload: { url: 'https://da.example.org/events', events: ['outcome.recorded'] }
      })
    ).json()
    const ids: Record<string, string> = {
      cases: kase.id,
      determinations: kase.counts[0].determination.id,
      webhooks: hook.id
    }
    const urlOf = (op: string) =>
      op
        .split(' ')[1]!
        .replace(
          /\/(\w[\w-]*)\/\{id\}/g,
          (_m, coll: string) => `/${coll}/${ids[coll] ?? '00000000-0000-4000-8000-000000000000'}`
        )
        .replace('{file}', 'determinations.csv')
    /** The operations whose id names a real San Francisco record: another county's key must not learn it exists. */
    const realRecord = (op: string) => /\/(cases|determinations|webhooks)\/\{id\}/.test(op)

    const expired = await createApiClient(
      handle.db,
      { role: 'deputy_da', county: SF, expiresAt: new Date(clock.now().getTime() + 1000) },
      clock.now()
    )
    const revoked = await keyFor('deputy_da', SF)
    await handle.db
      .updateTable('api_clients')
      .set({ revoked_at: clock.now().toISOString() })
      .where('key_prefix', '=', revoked.slice(0, 12))
      .execute()
    clock.set(new Date(clock.now().getTime() + 2000))
    const holders: Array<{ label: string; key: string | null; role?: Role; county?: string | null }> = [
      { label: 'no key', key: null },
      { label: 'a malformed key', key: 'not-a-key' },
      { label: 'an unknown key', key: `cfk_${'x'.repeat(43)}` },
      { label: 'a revoked key', key: revoked },
      { label: 'an expired key', key: expired.key }
    ]
    for (const role of ['da_system', 'deputy_da', 'clerk'] as const) {
      holders.push({ label: `${role} of SF`, key: await keyFor(role, SF), role, county: SF })
      holders.push({ label: `${role} of ALAMEDA`, key: await keyFor(role, 'ALAMEDA'), role, county: 'ALAMEDA' })
    }
    holders.push({ label: 'admin', key: await keyFor('admin'), role: 'admin', county: null })
    holders.push({ label: 'metrics', key: await keyFor('metrics'), role: 'metrics', county: null })

    // Deleting the webhook goes last, so every other route still sees it.
    const ordered = [...operations].sort((a, b) => Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')))
    let cells = 0
    const wrong: string[] = []
    for (const op of ordered) {
      const method = op.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
      for (const h of holders) {
        const res = await app.inject({
          method,
          url: urlOf(op),
          headers: h.key ? bearer(h.key) : {},
          ...(method === 'POST' || method === 'PUT' || method === 'PATCH' ? { payload: BODIES[op] ?? {} } : {})
        })
        cells++
        const code = /json/.test(String(res.headers['content-type'])) ? (res.json() as { code?: string }).code : ''
        let expected: string
        let ok: boolean
        if (!h.role) {
          expected = '401'
          ok = res.statusCode === 401 && code === 'CLEARFILE_ERR_UNAUTHENTICATED'
        } else if (h.role !== 'admin' && !ACCESS[op]!.includes(h.role)) {
          expected = '403 forbidden'
          ok = res.statusCode === 403 && code === 'CLEARFILE_ERR_FORBIDDEN'
        } else if (h.county === 'ALAMEDA' && realRecord(op)) {
          expected = "404: another county's record does not exist for this key"
          ok = res.statusCode === 404
        } else {
          expected = 'admitted (no 401/403, no 5xx)'
          ok = res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500
        }
        if (!ok) wrong.push(`${op} with ${h.label}: ${res.statusCode} ${code}, expected ${expected}`)
      }
    }
    t.same(wrong, [], `${cells} cells`)
    t.ok(cells >= operations.length * holders.length)
    t.notMatch(
      (await handle.db.selectFrom('api_clients').select('last_used_at').where('role', '=', 'metrics').execute())[0]!
        .last_used_at,
      /^$/,
      'a key that was accepted says when'
    )
  }
)

t.test(
  'refused keys from one address are answered 429 after the limit, logged with the address and never the key',
  async (t) => {
    const { app, keyFor, logs, clock } = await buildTestApp(t, { authFailuresPerMinute: 5 })
    const good = await keyFor('deputy_da', SF)
    const wrongKey = `cfk_${'y'.repeat(43)}`
    const from = (remoteAddress: string, key: string) =>
      app.inject({ url: '/v1/policy', headers: bearer(key), remoteAddress })
    const statuses = []
    for (let i = 0; i < 7; i++) statuses.push((await from('198.51.100.7', wrongKey)).statusCode)
    t.same(statuses, [401, 401, 401, 401, 401, 429, 429])
    const limited = await from('198.51.100.7', good)
    t.equal(limited.statusCode, 429, 'past the limit even a right key waits: guesses cost the guesser time')
    t.equal(limited.json().code, 'CLEARFILE_ERR_RATE_LIMITED')
    t.equal(limited.headers['retry-after'], '60')
    t.equal((await from('203.0.113.9', good)).statusCode, 200, 'another address is not held up')
    clock.set(new Date(clock.now().getTime() + 61_000))
    t.equal((await from('198.51.100.7', good)).statusCode, 200, 'a minute later the address may try again')
    const refusals = logs.filter((l) => l.includes('API key refused'))
    t.equal(refusals.length, 5)
    t.match(refusals[0], /"ip":"198\.51\.100\.7"/)
    t.match(refusals[0], /"keyPrefix":"cfk_yyyyyyyy"/)
    t.notMatch(logs.join(''), 'y'.repeat(20), 'the key itself is never logged')
  }
)

t.test('behind a trusted proxy, refused keys are counted by the client address the proxy names', async (t) => {
  const { app, logs } = await buildTestApp(t, { authFailuresPerMinute: 2, trustProxy: '127.0.0.1' })
  const from = (client: string) =>
    app.inject({
      url: '/v1/policy',
      headers: { ...bearer(`cfk_${'w'.repeat(43)}`), 'x-forwarded-for': client },
      remoteAddress: '127.0.0.1'
    })
  t.same(
    [
      (await from('198.51.100.1')).statusCode,
      (await from('198.51.100.1')).statusCode,
      (await from('198.51.100.1')).statusCode
    ],
    [401, 401, 429]
  )
  t.equal((await from('198.51.100.2')).statusCode, 401, 'another client behind the same proxy is not held up')
  t.match(logs.join(''), /"ip":"198\.51\.100\.2"/)
})

t.test('webhook URLs into the server’s own network are refused, in every spelling', async (t) => {
  const { app, keyFor } = await buildTestApp(t, { webhookAllowPrivateNetworks: false })
  const system = await keyFor('da_system', SF)
  const internal = [
    'http://127.0.0.1:5432/',
    'http://169.254.169.254/latest/meta-data/',
    'http://localhost:3000/',
    'http://LOCALHOST./x',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://10.1.2.3/',
    'http://172.20.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
    'https://user:pass@da.example.org/'
  ]
  for (const url of internal) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(system),
      payload: { url, events: ['outcome.recorded'] }
    })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().details?.[0]?.path, '/url', url)
  }
  for (const url of ['https://da.example.org/hooks', 'https://8.8.8.8/x', 'https://[2606:4700::1111]/']) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(system),
      payload: { url, events: ['outcome.recorded'] }
    })
    t.equal(res.statusCode, 201, url)
  }
  t.equal(
    refusedWebhookUrl('http://127.0.0.1:9/', { allowPrivateNetworks: true }),
    null,
    'a DA system on the same private network may be allowed by configuration'
  )
})

t.test(
  'delivery refuses a name that resolves to an internal address, at connect time, and the receiver hears nothing',
  async (t) => {
    let heard = 0
    const server = createServer((_req, res) => {
      heard++
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => server.close(resolve)))
    const port = (server.address() as AddressInfo).port
    const agent = publicOnlyAgent()
    t.teardown(() => agent.close())
    await t.rejects(
      request(`http://localhost:${port}/`, { dispatcher: agent, method: 'POST', body: '{}' }),
      /localhost resolves only to internal addresses/
    )

    // A subscription stored with an internal URL (before the rule, or by hand) is not delivered to either.
    const { app, handle, clock, keyFor } = await buildTestApp(t, { webhookAllowPrivateNetworks: false })
    const system = await keyFor('da_system', SF)
    const hook = (
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: bearer(system),
        payload: { url: 'https://da.example.org/events', events: ['determination.made'] }
      })
    ).json()
    await handle.db
      .updateTable('webhooks')
      .set({ url: `http://127.0.0.1:${port}/` })
      .where('id', '=', hook.id)
      .execute()
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(system), payload: caseBody() })
    const runner = createJobRunner({
      db: handle.db,
      clock,
      jobs: [webhookJob({ db: handle.db, clock, allowPrivateNetworks: false, dispatcher: agent })]
    })
    await runner.drain()
    const log = (await app.inject({ url: `/v1/webhooks/${hook.id}/deliveries`, headers: bearer(system) })).json().items
    t.equal(log[0].status, 'failed')
    t.match(log[0].error, 'is an internal network address; not delivered')
    t.equal(log[0].responseStatus, null, 'nothing about the internal service is learned')
    t.equal(heard, 0)
  }
)

t.test('isPublicAddress: every address of the internal ranges is internal, in IPv4 and mapped IPv6', async (t) => {
  const octet = fc.integer({ min: 0, max: 255 })
  fc.assert(
    fc.property(octet, octet, octet, (a, b, c) => {
      for (const ip of [`127.${a}.${b}.${c}`, `10.${a}.${b}.${c}`, `169.254.${b}.${c}`, `192.168.${b}.${c}`]) {
        if (isPublicAddress(ip) || isPublicAddress(`::ffff:${ip}`)) return false
      }
      return !isPublicAddress(`172.${16 + (a % 16)}.${b}.${c}`)
    })
  )
  t.ok(isPublicAddress('8.8.8.8'))
  t.ok(isPublicAddress('2606:4700::1111'))
  t.notOk(isPublicAddress('not an address'))
})

/** Every JSON body route, with a valid body to mutate: what a confused or hostile client sends. */
const BODY_ROUTES: Array<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; role: Role; valid: () => unknown }> = [
  { method: 'POST', url: '/v1/cases', role: 'da_system', valid: () => caseBody() },
  { method: 'POST', url: '/v1/cases/batch', role: 'da_system', valid: () => ({ cases: [caseBody()] }) },
  {
    method: 'PUT',
    url: '/v1/policy',
    role: 'deputy_da',
    valid: () => ({ name: 'fuzz', version: '1', disqualifiers: 'enforce', rules: [] })
  },
  { method: 'POST', url: '/v1/filings', role: 'deputy_da', valid: () => ({ caseId: 'x' }) },
  {
    method: 'POST',
    url: '/v1/filings/00000000-0000-4000-8000-000000000000/settlement',
    role: 'deputy_da',
    valid: () => ({ atCourt: true, courtFilingId: 'SIM-0000001', note: 'fuzz' })
  },
  {
    method: 'POST',
    url: '/v1/filings/00000000-0000-4000-8000-000000000000/cancellation',
    role: 'deputy_da',
    valid: () => ({ note: 'fuzz' })
  },
  {
    method: 'PATCH',
    url: '/v1/cases/00000000-0000-4000-8000-000000000000',
    role: 'da_system',
    valid: () => ({ courtCaseId: 'CPF-26-000123' })
  },
  {
    method: 'POST',
    url: '/v1/webhooks',
    role: 'da_system',
    valid: () => ({ url: 'https://da.example.org/e', events: ['outcome.recorded'] })
  },
  {
    method: 'POST',
    url: '/v1/reviews/00000000-0000-4000-8000-000000000000/documents',
    role: 'deputy_da',
    valid: () => ({ scope: 'case' })
  }
]

/** A valid body with one value somewhere inside replaced by arbitrary JSON, or a field added or dropped. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = []
  const walk = (v: unknown, at: string[]) => {
    paths.push(at)
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...at, k])
  }
  walk(valid, [])
  return fc
    .tuple(fc.constantFrom(...paths), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string()))
    .map(([path, value]) => {
      const copy = structuredClone(valid) as Record<string, unknown>
      if (path.length === 0) return value
      let node = copy as Record<string, unknown>
      for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>
      if (value === undefined) delete node[path[path.length - 1]!]
      else node[path[path.length - 1]!] = value
      return copy
    })
}

const TABLES = [
  'people',
  'court_cases',
  'convictions',
  'determinations',
  'filings',
  'webhooks',
  'events',
  'jobs'
] as const satisfies ReadonlyArray<keyof Database>

t.test(
  'fuzzed JSON bodies on every body route: a 4xx, never a 5xx, and a refused request writes nothing',
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const keys = new Map<Role, string>()
    for (const role of ['da_system', 'deputy_da'] as const) keys.set(role, await keyFor(role, SF))
    const counts = async () =>
      Promise.all(
        TABLES.map(async (table) =>
          Number(
            (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(handle.db)).rows[0]!.n
          )
        )
      )
    let sent = 0
    for (const route of BODY_ROUTES) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutated(route.valid()), fc.jsonValue()), async (body) => {
          const before = await counts()
          const res = await app.inject({
            method: route.method,
            url: route.url,
            headers: { ...bearer(keys.get(route.role)!), 'content-type': 'application/json' },
            payload: JSON.stringify(body) ?? 'null'
          })
          sent++
          if (res.statusCode >= 500) throw new Error(`${route.url} → ${res.statusCode} for ${JSON.stringify(body)}`)
          if (res.statusCode >= 400) {
            const after = await counts()
            if (after.join() !== before.join())
              throw new Error(`${route.url} → ${res.statusCode} yet wrote rows: ${before} → ${after}`)
            if (!/^CLEARFILE_ERR_/.test(res.json().code)) throw new Error(`no error code: ${res.body}`)
          }
        }),
        { numRuns: 40, seed: 20261129 }
      )
    }
    t.equal(sent, BODY_ROUTES.length * 40)
  }
)
