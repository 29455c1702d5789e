import t from 'tap'
import { loadConfig } from '../../../src/config.js'
import { bearer, buildTestApp, sanFranciscoCourtsFile } from '../../helper.js'

t.test(
  "a key learns its role, what it may do, its county's time zone and its county's courts by name, and no other county's",
  async (t) => {
    const courtsFile = sanFranciscoCourtsFile('http://127.0.0.1:9/ecf', {}, [
      {
        id: 'CA-ALAMEDA',
        name: 'Superior Court of California, County of Alameda',
        county: 'ALAMEDA',
        adapter: 'simulator',
        endpoint: 'http://127.0.0.1:9/ecf'
      }
    ])
    const { app, keyFor } = await buildTestApp(t, { courtsFile, timeZone: 'America/Denver' })
    const session = async (role: 'clerk' | 'deputy_da' | 'da_system') =>
      (await app.inject({ url: '/v1/session', headers: bearer(await keyFor(role, 'SAN FRANCISCO')) })).json()
    const clerk = await session('clerk')
    t.same(clerk, {
      role: 'clerk',
      county: 'SAN FRANCISCO',
      timeZone: 'America/Denver',
      may: { decide: false, uploadOutcomeReports: true, file: false, settle: false, cancel: false },
      courts: [{ id: 'CA-SF', name: 'Superior Court of California, County of San Francisco', county: 'SAN FRANCISCO' }]
    })
    t.same((await session('deputy_da')).may, {
      decide: true,
      uploadOutcomeReports: true,
      file: true,
      settle: true,
      cancel: true
    })
    t.same((await session('da_system')).may, {
      decide: false,
      uploadOutcomeReports: false,
      file: true,
      settle: false,
      cancel: true
    })
    // What `may` says is what the routes enforce: the clerk's decision is refused.
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/determinations/decisions',
      headers: bearer(await keyFor('clerk', 'SAN FRANCISCO')),
      payload: { ids: ['x'], outcome: 'not_eligible', reason: 'checked' }
    })
    t.equal(refused.statusCode, 403)
    t.equal((await app.inject({ url: '/v1/session' })).statusCode, 401, 'no key, no session')
  }
)

t.test('a time zone the runtime does not know is refused at start, naming where it came from', async (t) => {
  t.throws(() => loadConfig({ env: { CLEARFILE_TIME_ZONE: 'America/Springfield' } }), {
    code: 'CLEARFILE_ERR_CONFIG',
    message: /CLEARFILE_TIME_ZONE \(timeZone\): not an IANA time zone/
  })
  t.equal(loadConfig({ env: {} }).timeZone, 'America/Los_Angeles', 'California by default')
})
