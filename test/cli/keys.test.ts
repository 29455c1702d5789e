import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { assertBuilt, runCli } from '../serve-process.js'

const run = runCli

t.before(assertBuilt)

t.test('a bad configuration exits non-zero with a message naming the key', async (t) => {
  const res = run(['serve'], { PORT: 'abc' })
  t.equal(res.status, 1)
  t.match(res.stderr, /clearfile: invalid configuration: PORT \(port\): must be integer/)
})

t.test('keys create prints a key once and keys list never shows it', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'clearfile-cli-')), 'keys.db')
  const created = run(['keys', 'create', '--role', 'clerk', '--county', 'Alameda', '--db', db])
  t.equal(created.status, 0, created.stderr)
  const key = created.stdout.trim()
  t.match(key, /^cfk_[A-Za-z0-9_-]{43}$/)
  const listed = run(['keys', 'list', '--db', db])
  t.match(listed.stdout, /clerk\tALAMEDA/)
  t.notMatch(listed.stdout, key.slice(12))
})

t.test('a county key without --county and an unknown role are refused', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'clearfile-cli-')), 'keys.db')
  const noCounty = run(['keys', 'create', '--role', 'da_system', '--db', db])
  t.equal(noCounty.status, 1)
  t.match(noCounty.stderr, /needs --county/)
  const badRole = run(['keys', 'create', '--role', 'judge', '--db', db])
  t.not(badRole.status, 0)
  t.match(badRole.stderr, /da_system, deputy_da, clerk, admin, metrics/)
  const countyMetrics = run(['keys', 'create', '--role', 'metrics', '--county', 'Alameda', '--db', db])
  t.equal(countyMetrics.status, 1)
  t.match(countyMetrics.stderr, /a metrics key takes no --county/)
})

t.test('keys rotate prints a new key and the old one works on only for the overlap; list shows both', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'clearfile-cli-')), 'keys.db')
  const old = run(['keys', 'create', '--role', 'deputy_da', '--county', 'Alameda', '--name', 'desk 4', '--db', db])
  const oldKey = old.stdout.trim()
  const rotated = run(['keys', 'rotate', oldKey.slice(0, 12), '--overlap-hours', '2', '--expires-in', '90', '--db', db])
  t.equal(rotated.status, 0, rotated.stderr)
  const newKey = rotated.stdout.trim()
  t.match(newKey, /^cfk_/)
  t.not(newKey, oldKey)
  t.match(rotated.stderr, `replaces ${oldKey.slice(0, 12)}…, which works for 2 more hours`)
  const listed = run(['keys', 'list', '--db', db]).stdout.trim().split('\n')
  t.equal(listed.length, 2)
  t.match(listed[0], /^cfk_\S+…\tdeputy_da\tALAMEDA\tdesk 4\tactive until \S+\tnever used$/)
  t.match(listed[1], /\tdeputy_da\tALAMEDA\tdesk 4\tactive until /, 'the new key: same role, county, name; 90 days')
  const again = run(['keys', 'rotate', oldKey.slice(0, 12), '--overlap-hours', '0', '--db', db])
  t.equal(again.status, 0, 'the old key can still be rotated during its overlap')
  t.match(run(['keys', 'list', '--db', db]).stdout, /revoked/)
  const gone = run(['keys', 'rotate', oldKey.slice(0, 12), '--db', db])
  t.equal(gone.status, 1)
  t.match(gone.stderr, /no active key/)
})

t.test('migrate applies the migrations once', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'clearfile-cli-')), 'm.db')
  t.match(run(['migrate', '--db', db]).stdout, /applied: 0001-data-model/)
  t.match(run(['migrate', '--db', db]).stdout, /already up to date/)
})
