import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The CLI as users run it: the compiled bin (npm test builds it first).
const CLI = fileURLToPath(new URL('../../dist/src/cli/index.js', import.meta.url))
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
const run = (args: string[], extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 })

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`)
})

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
  t.match(badRole.stderr, /da_system, deputy_da, clerk, admin/)
})

t.test('migrate applies the migrations once', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'clearfile-cli-')), 'm.db')
  t.match(run(['migrate', '--db', db]).stdout, /applied: 0001-data-model/)
  t.match(run(['migrate', '--db', db]).stdout, /already up to date/)
})

t.test('serve migrates a new SQLite file, prints an admin key, answers /healthz and stops cleanly on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', join(dir, 'clearfile.db')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address in: ${out}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /"address":"(http:\/\/[^"]+)"/.exec(out)
      if (m) { clearTimeout(timer); resolve(m[1]!) }
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
  })
  t.match(out, /admin key was created[\s\S]*cfk_/)
  const health = await fetch(`${address}/healthz`)
  t.equal(health.status, 200)
  const ready = await (await fetch(`${address}/readyz`)).json()
  t.same(ready, { status: 'ready', database: 'sqlite' })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  t.match(out, /shutting down/)
})

t.test('review writes determinations, summary and errors, takes a gogen options file as --policy, and exits non-zero on a file it cannot read', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-review-'))
  const { generateDojFile } = await import('../../bench/generate-doj.js')
  const file = join(d, 'doj.csv')
  await generateDojFile(file, { rows: 2000, seed: 4, header: true })
  const options = join(d, 'gogen.json')
  writeFileSync(options, JSON.stringify({ baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'], reduce: [] }, additionalRelief: {} }))
  const res = run(['review', '--doj', file, '--county', 'San Francisco', '--as-of', '2026-11-28', '--policy', options, '--out', join(d, 'out')])
  t.equal(res.status, 0, res.stderr)
  t.match(res.stdout, /2000 rows read/)
  const summary = JSON.parse(readFileSync(join(d, 'out', 'summary.json'), 'utf8'))
  t.equal(summary.policy.name, 'gogen eligibility options')
  t.same(Object.keys(summary.convictionsByOutcome), ['dismiss_and_seal'], 'gogen dismisses everything in its dismiss list')
  t.ok(existsSync(join(d, 'out', 'errors.csv')))

  const missing = run(['review', '--doj', join(d, 'nope.csv'), '--county', 'X', '--as-of', '2026-11-28', '--out', join(d, 'o2')])
  t.equal(missing.status, 1)
  t.match(missing.stderr, /cannot read .*nope\.csv: ENOENT/)
  writeFileSync(join(d, 'empty.csv'), '')
  const empty = run(['review', '--doj', join(d, 'empty.csv'), '--county', 'X', '--as-of', '2026-11-28', '--out', join(d, 'o3')])
  t.equal(empty.status, 2)
  t.match(empty.stderr, /clearfile: the file is empty/)
  const badDate = run(['review', '--doj', file, '--county', 'X', '--as-of', '2026-13-01', '--out', join(d, 'o4')])
  t.equal(badDate.status, 1)
  t.match(badDate.stderr, /--as-of 2026-13-01 is not a YYYY-MM-DD date/)
})

t.test('review --motions writes each case’s motion and proposed order, content-named, with a manifest; the same run gives the same files', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-motions-'))
  const { generateDojFile } = await import('../../bench/generate-doj.js')
  const file = join(d, 'doj.csv')
  await generateDojFile(file, { rows: 1500, seed: 8 })
  const profiles = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
  const manifests: string[] = []
  for (const out of ['a', 'b']) {
    const res = run(['review', '--doj', file, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', join(d, out), '--motions', 'case', '--profiles', profiles])
    t.equal(res.status, 0, res.stderr)
    manifests.push(readFileSync(join(d, out, 'motions', 'manifest.csv'), 'utf8'))
  }
  t.equal(manifests[0], manifests[1], 'deterministic: same names, same hashes')
  const rows = manifests[0]!.trimEnd().split('\n').slice(1).map((l) => l.split(','))
  t.ok(rows.length >= 10)
  t.equal(rows.filter((r) => r[1] === 'motion').length, rows.filter((r) => r[1] === 'proposed_order').length, 'a proposed order with every motion')
  const { createHash } = await import('node:crypto')
  for (const r of rows.slice(0, 6)) {
    const bytes = readFileSync(join(d, 'a', 'motions', r[0]!))
    t.equal(createHash('sha256').update(bytes).digest('hex'), r[4], `${r[0]} is named by its content`)
    t.ok(Number(r[5]) >= 2)
  }
  const bulk = run(['review', '--doj', file, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', join(d, 'bulk'), '--motions', 'bulk', '--profiles', profiles])
  t.equal(bulk.status, 0, bulk.stderr)
  const bulkRows = readFileSync(join(d, 'bulk', 'motions', 'manifest.csv'), 'utf8').trimEnd().split('\n').slice(1)
  t.same(bulkRows.map((l) => l.split(',')[1]), ['motion', 'schedule'], 'one bulk motion and its schedule for the one court')
  const noProfiles = run(['review', '--doj', file, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', join(d, 'c'), '--motions', 'case'])
  t.equal(noProfiles.status, 1)
  t.match(noProfiles.stderr, /--motions needs --profiles/)
})

t.test('review --motions case --filings writes a schema-valid ECF filing per case, with both PDFs embedded', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-filings-'))
  const { generateDojFile } = await import('../../bench/generate-doj.js')
  const { ecfProblems } = await import('../../src/filing/ecf-validator.js')
  const { readdirSync } = await import('node:fs')
  const file = join(d, 'doj.csv')
  await generateDojFile(file, { rows: 800, seed: 21 })
  const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
  const res = run(['review', '--doj', file, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', join(d, 'out'),
    '--motions', 'case', '--profiles', fixture('da-profiles.json'), '--filings', '--court', 'CA-SF', '--courts', fixture('courts.json')])
  t.equal(res.status, 0, res.stderr)
  const filings = readdirSync(join(d, 'out', 'filings'))
  const motions = readFileSync(join(d, 'out', 'motions', 'manifest.csv'), 'utf8').trimEnd().split('\n').slice(1).filter((l) => l.includes(',motion,'))
  t.equal(filings.length, motions.length, 'one filing per motion')
  t.match(res.stdout, new RegExp(`${filings.length} ECF filings`))
  for (const f of filings.slice(0, 3)) {
    const xml = readFileSync(join(d, 'out', 'filings', f), 'utf8')
    t.same(ecfProblems(xml), [], f)
    t.equal((xml.match(/<nc:BinaryBase64Object>/g) ?? []).length, 2, 'motion and proposed order')
    t.match(xml, new RegExp(`<nc:IdentificationID>${f.replace('.xml', '')}</nc:IdentificationID>`))
  }
  const noCourt = run(['review', '--doj', file, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', join(d, 'o2'), '--motions', 'case', '--profiles', fixture('da-profiles.json'), '--filings'])
  t.equal(noCourt.status, 1)
  t.match(noCourt.stderr, /--filings needs --court/)
})
