import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadCourts } from '../../src/filing/courts-config.js'

t.test('the courts file lists each court with its adapter, endpoint, secret references and limits', async (t) => {
  const courts = loadCourts(fileURLToPath(new URL('../fixtures/courts.json', import.meta.url)))
  t.equal(courts.get('CA-SF')?.adapter, 'simulator')
  t.equal(courts.get('CA-SF')?.limits?.concurrency, 4)
})

t.test('a bad courts file is refused naming the entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-courts-'))
  const bad = join(dir, 'bad.json')
  writeFileSync(
    bad,
    JSON.stringify([{ id: 'X', name: 'x', county: 'x', adapter: 'simulator', credentialsRef: 'lower case' }])
  )
  t.throws(() => loadCourts(bad), { code: 'CLEARFILE_ERR_CONFIG', message: /\/0\/credentialsRef/ })
  const twice = join(dir, 'twice.json')
  const court = { id: 'X', name: 'x', county: 'x', adapter: 'simulator' }
  writeFileSync(twice, JSON.stringify([court, court]))
  t.throws(() => loadCourts(twice), { message: /\/1\/id X is listed twice/ })
})
