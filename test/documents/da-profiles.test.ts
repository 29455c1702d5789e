import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadDaProfiles, profileFor } from '../../src/documents/da-profiles.js'

t.test('DA profiles come from a configuration file, one per county', async (t) => {
  const profiles = loadDaProfiles(fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url)))
  t.equal(profileFor(profiles, 'San Francisco').electedDa.barNumber, '123456')
  t.throws(() => profileFor(profiles, 'Alameda'), {
    code: 'CLEARFILE_ERR_CONFIG',
    message: /no DA profile for Alameda/
  })
})

t.test('a profile missing its bar number is refused, naming where', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'clearfile-profiles-')), 'p.json')
  writeFileSync(
    file,
    JSON.stringify([
      {
        county: 'X',
        courtCounty: 'County of X',
        office: 'o',
        address: ['a'],
        phone: 'p',
        email: 'e@x',
        electedDa: { name: 'n' },
        filingDeputy: { name: 'm', barNumber: '1', title: 't' }
      }
    ])
  )
  t.throws(() => loadDaProfiles(file), { code: 'CLEARFILE_ERR_CONFIG', message: /\/0\/electedDa/ })
})
