import t from 'tap'
import { bearer, buildTestApp, caseBody } from '../../helper.js'

t.test('a county without a policy of its own uses the statewide default', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const res = (await app.inject({ url: '/v1/policy', headers: bearer(key) })).json()
  t.equal(res.id, null)
  t.equal(res.policy.name, 'Statewide default: the law floor')
})

t.test('a gogen options file set as the county policy decides the next cases', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
  const set = await app.inject({
    method: 'PUT',
    url: '/v1/policy',
    headers: bearer(deputy),
    payload: {
      baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'], reduce: [] },
      additionalRelief: {}
    }
  })
  t.equal(set.statusCode, 200)
  t.equal(set.json().policy.name, 'gogen eligibility options')
  const da = await keyFor('da_system', 'SAN FRANCISCO')
  const created = (
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(da), payload: caseBody() })
  ).json()
  t.equal(created.counts[0].determination.outcome, 'dismiss_and_seal')
  t.match(created.counts[0].determination.reason, /Dismiss all HS 11359 convictions/)
})

t.test('an invalid policy is a 400 naming the path; only deputy DAs set policy; admins name the county', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
  const bad = await app.inject({
    method: 'PUT',
    url: '/v1/policy',
    headers: bearer(deputy),
    payload: {
      name: 'x',
      version: '1',
      disqualifiers: 'enforce',
      rules: [{ when: { severity: ['X'] }, then: 'floor', reason: 'r' }]
    }
  })
  t.equal(bad.statusCode, 400)
  t.match(
    bad.json().details.map((d: { path: string }) => d.path),
    ['/rules/0/when/severity/0']
  )
  const clerk = await keyFor('clerk', 'SAN FRANCISCO')
  t.equal((await app.inject({ method: 'PUT', url: '/v1/policy', headers: bearer(clerk), payload: {} })).statusCode, 403)
  const admin = await keyFor('admin')
  t.equal((await app.inject({ url: '/v1/policy', headers: bearer(admin) })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/policy?county=Alameda', headers: bearer(admin) })).json().county, 'ALAMEDA')
  t.equal((await app.inject({ url: '/v1/policy?county=Alameda', headers: bearer(deputy) })).statusCode, 403)
})
