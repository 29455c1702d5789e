import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Pool } from 'undici'
import { caseBody } from '../helper.js'
import { assertBuilt, CLI, freePort, startServe } from '../serve-process.js'

const DA_PROFILES = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
const run = (args: string[], extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 })

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

t.test(
  'serve migrates a new SQLite file, prints an admin key, answers /healthz and stops cleanly on SIGTERM',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    chmodSync(dir, 0o755) // as an operator might have made it
    const serve = await startServe(['--port', '0', '--db', join(dir, 'clearfile.db')], { CLEARFILE_DATA_DIR: dir })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    t.equal(statSync(dir).mode & 0o777, 0o700, 'the data folder is made private')
    t.equal(statSync(join(dir, 'clearfile.db')).mode & 0o777, 0o600, 'and the database file too')
    t.match(serve.errors(), /admin key was created[\s\S]*cfk_/)
    t.notMatch(serve.output(), /cfk_/, 'the key never goes out with the logs')
    const health = await fetch(`${serve.address}/healthz`)
    t.equal(health.status, 200)
    const ready = await (await fetch(`${serve.address}/readyz`)).json()
    t.same(ready, { status: 'ready', database: 'sqlite' })
    serve.child.kill('SIGTERM')
    t.equal(await serve.exited, 0)
    t.match(serve.output(), /shutting down/)
  }
)

t.test(
  'SIGTERM under load on SQLite: every request sent gets an answer (its result, or 503 while draining), none is reset',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    const serve = await startServe(['--port', '0', '--db', join(dir, 'clearfile.db')], {
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_RUN_JOBS: 'false'
    })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }
    // A DA system's client: a few keep-alive connections, each carrying one request after another.
    const client = new Pool(serve.address, { connections: 8 })
    t.teardown(() => client.destroy())
    const send = async (i: number) => {
      const body = caseBody({
        person: { dojSubjectId: String(700_000 + i), cii: `A${String(20_000_000 + i)}` },
        case: { caseNumber: `SCN-T${i}` }
      })
      try {
        const res = await client.request({ path: '/v1/cases', method: 'POST', headers, body: JSON.stringify(body) })
        await res.body.dump()
        return String(res.statusCode)
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause
        return `error ${cause?.code ?? (err as Error).message}`
      }
    }
    // The signal comes when the first answers are back: most of the 300 are in flight or waiting in sockets.
    let answered = 0
    const outcomes = Array.from({ length: 300 }, (_, i) =>
      send(i).then((r) => {
        if (++answered === 10) serve.child.kill('SIGTERM')
        return r
      })
    )
    const results = await Promise.all(outcomes)
    const tally: Record<string, number> = {}
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1
    // Refused connections carried no request (safe to send again); a reset one may have carried one.
    t.same(
      Object.keys(tally).filter((k) => k !== '201' && k !== '503' && !k.includes('ECONNREFUSED')),
      [],
      `every request sent was answered: ${JSON.stringify(tally)}`
    )
    t.ok(tally['503'], 'those that came while draining were told to come back')
    t.equal(await serve.exited, 0, 'and the process ended cleanly')
  }
)

t.test(
  'without a courts file, serve files with a simulated Superior Court per county, each calling back for its own filings',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    // Two counties: each gets a court of its own, with a callback secret of its own.
    const sf = JSON.parse(readFileSync(DA_PROFILES, 'utf8'))[0]
    const profiles = join(dir, 'profiles.json')
    writeFileSync(profiles, JSON.stringify([sf, { ...sf, county: 'ALAMEDA', courtCounty: 'County of Alameda' }]))
    const port = await freePort()
    const serve = await startServe(['--port', String(port), '--db', join(dir, 'clearfile.db')], {
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_DA_PROFILES: profiles,
      CLEARFILE_POLL_INTERVAL_SECONDS: '600'
    })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    t.match(serve.output(), /filing with the simulated Superior Court/)
    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }
    const fileIn = async (county: string, subject: string) => {
      const body = caseBody({ case: { county }, person: { dojSubjectId: subject } })
      const kase = (await (
        await fetch(`${serve.address}/v1/cases`, { method: 'POST', headers, body: JSON.stringify(body) })
      ).json()) as { id: string }
      await fetch(`${serve.address}/v1/cases/${kase.id}/documents`, { method: 'POST', headers, body: '{}' })
      return (await (
        await fetch(`${serve.address}/v1/filings`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ caseId: kase.id })
        })
      ).json()) as { id: string; court: string }
    }
    const filings = [await fileIn('SAN FRANCISCO', '1'), await fileIn('ALAMEDA', '2')]
    t.same(
      filings.map((f) => f.court),
      ['CA-SIM-SAN-FRANCISCO', 'CA-SIM-ALAMEDA']
    )
    // No CLEARFILE_PUBLIC_URL: the callback address is made from the port serve was given.
    // The poll interval is ten minutes: only the courts' callbacks can bring the clerks' decisions this soon.
    for (const filing of filings) {
      let view: { state: string; events: Array<{ source: string }> } = { state: '', events: [] }
      for (let i = 0; i < 150 && !['accepted', 'rejected'].includes(view.state); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        view = (await (await fetch(`${serve.address}/v1/filings/${filing.id}`, { headers })).json()) as typeof view
      }
      t.match(
        view.state,
        /^(accepted|rejected)$/,
        serve
          .output()
          .split('\n')
          .filter((l) => /FilingAssemblyMDE|error|warn/i.test(l))
          .join('\n')
      )
      t.ok(
        view.events.some((e) => e.source === 'callback'),
        `${filing.court} called back`
      )
    }
    t.notMatch(serve.output(), /callback.refused|not authenticated/, 'no callback was refused')
  }
)

t.test(
  'review writes determinations, summary and errors, takes a gogen options file as --policy, and exits non-zero on a file it cannot read',
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-review-'))
    const { generateDojFile } = await import('../../src/ingest/generate-doj.js')
    const file = join(d, 'doj.csv')
    await generateDojFile(file, { rows: 2000, seed: 4, header: true })
    const options = join(d, 'gogen.json')
    writeFileSync(
      options,
      JSON.stringify({
        baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'], reduce: [] },
        additionalRelief: {}
      })
    )
    const res = run([
      'review',
      '--doj',
      file,
      '--county',
      'San Francisco',
      '--as-of',
      '2026-11-28',
      '--policy',
      options,
      '--out',
      join(d, 'out')
    ])
    t.equal(res.status, 0, res.stderr)
    t.match(res.stdout, /2000 rows read/)
    const summary = JSON.parse(readFileSync(join(d, 'out', 'summary.json'), 'utf8'))
    t.equal(summary.policy.name, 'gogen eligibility options')
    t.same(
      Object.keys(summary.convictionsByOutcome),
      ['dismiss_and_seal'],
      'gogen dismisses everything in its dismiss list'
    )
    t.ok(existsSync(join(d, 'out', 'errors.csv')))

    const missing = run([
      'review',
      '--doj',
      join(d, 'nope.csv'),
      '--county',
      'X',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'o2')
    ])
    t.equal(missing.status, 1)
    t.match(missing.stderr, /cannot read .*nope\.csv: ENOENT/)
    writeFileSync(join(d, 'empty.csv'), '')
    const empty = run([
      'review',
      '--doj',
      join(d, 'empty.csv'),
      '--county',
      'X',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'o3')
    ])
    t.equal(empty.status, 2)
    t.match(empty.stderr, /clearfile: the file is empty/)
    const badDate = run(['review', '--doj', file, '--county', 'X', '--as-of', '2026-13-01', '--out', join(d, 'o4')])
    t.equal(badDate.status, 1)
    t.match(badDate.stderr, /--as-of 2026-13-01 is not a YYYY-MM-DD date/)
  }
)

t.test(
  'review --motions writes each case’s motion and proposed order, content-named, with a manifest; the same run gives the same files',
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-motions-'))
    const { generateDojFile } = await import('../../src/ingest/generate-doj.js')
    const file = join(d, 'doj.csv')
    await generateDojFile(file, { rows: 1500, seed: 8 })
    const profiles = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
    const manifests: string[] = []
    for (const out of ['a', 'b']) {
      const res = run([
        'review',
        '--doj',
        file,
        '--county',
        'SAN FRANCISCO',
        '--as-of',
        '2026-11-28',
        '--out',
        join(d, out),
        '--motions',
        'case',
        '--profiles',
        profiles
      ])
      t.equal(res.status, 0, res.stderr)
      manifests.push(readFileSync(join(d, out, 'motions', 'manifest.csv'), 'utf8'))
    }
    t.equal(manifests[0], manifests[1], 'deterministic: same names, same hashes')
    const rows = manifests[0]!
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
    t.ok(rows.length >= 10)
    t.equal(
      rows.filter((r) => r[1] === 'motion').length,
      rows.filter((r) => r[1] === 'proposed_order').length,
      'a proposed order with every motion'
    )
    const { createHash } = await import('node:crypto')
    for (const r of rows.slice(0, 6)) {
      const bytes = readFileSync(join(d, 'a', 'motions', r[0]!))
      t.equal(createHash('sha256').update(bytes).digest('hex'), r[4], `${r[0]} is named by its content`)
      t.ok(Number(r[5]) >= 2)
    }
    const bulk = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'bulk'),
      '--motions',
      'bulk',
      '--profiles',
      profiles
    ])
    t.equal(bulk.status, 0, bulk.stderr)
    const bulkRows = readFileSync(join(d, 'bulk', 'motions', 'manifest.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
    t.same(
      bulkRows.map((l) => l.split(',')[1]),
      ['motion', 'schedule'],
      'one bulk motion and its schedule for the one court'
    )
    const noProfiles = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'c'),
      '--motions',
      'case'
    ])
    t.equal(noProfiles.status, 1)
    t.match(noProfiles.stderr, /--motions needs --profiles/)
  }
)

t.test(
  'review --motions case --filings writes a schema-valid ECF filing per case, with both PDFs embedded',
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-filings-'))
    const { generateDojFile } = await import('../../src/ingest/generate-doj.js')
    const { ecfProblems } = await import('../../src/ecf/validator.js')
    const { readdirSync } = await import('node:fs')
    const file = join(d, 'doj.csv')
    await generateDojFile(file, { rows: 800, seed: 21 })
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
    const res = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'out'),
      '--motions',
      'case',
      '--profiles',
      fixture('da-profiles.json'),
      '--filings',
      '--court',
      'CA-SF',
      '--courts',
      fixture('courts.json')
    ])
    t.equal(res.status, 0, res.stderr)
    const filings = readdirSync(join(d, 'out', 'filings'))
    const motions = readFileSync(join(d, 'out', 'motions', 'manifest.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .filter((l) => l.includes(',motion,'))
    t.equal(filings.length, motions.length, 'one filing per motion')
    t.match(res.stdout, new RegExp(`${filings.length} ECF filings`))
    for (const f of filings.slice(0, 3)) {
      const xml = readFileSync(join(d, 'out', 'filings', f), 'utf8')
      t.same(ecfProblems(xml), [], f)
      t.equal((xml.match(/<nc:BinaryBase64Object>/g) ?? []).length, 2, 'motion and proposed order')
      t.match(xml, new RegExp(`<nc:IdentificationID>${f.replace('.xml', '')}</nc:IdentificationID>`))
    }
    const noCourt = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'o2'),
      '--motions',
      'case',
      '--profiles',
      fixture('da-profiles.json'),
      '--filings'
    ])
    t.equal(noCourt.status, 1)
    t.match(noCourt.stderr, /--filings needs --court/)
  }
)

t.test(
  'review prints the ledger, and a county with no conviction in the file exits non-zero naming the counties found',
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-county-'))
    const { generateDojFile } = await import('../../src/ingest/generate-doj.js')
    const file = join(d, 'doj.csv')
    await generateDojFile(file, { rows: 500, seed: 3, counties: ['SAN FRANCISCO', 'ALAMEDA'] })
    const ok = run([
      'review',
      '--doj',
      file,
      '--county',
      'San Francisco',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'ok')
    ])
    t.equal(ok.status, 0, ok.stderr)
    t.match(
      ok.stdout,
      /ledger: 500 rows = \d+ decided \+ \d+ not a conviction \+ \d+ outside the county \+ \d+ not a Prop 64 offense \+ \d+ unreadable/
    )
    const summary = JSON.parse(readFileSync(join(d, 'ok', 'summary.json'), 'utf8'))
    t.equal(summary.ledger.balanced, true)
    const typo = run([
      'review',
      '--doj',
      file,
      '--county',
      'San Fransisco',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'typo')
    ])
    t.equal(typo.status, 2)
    t.match(
      typo.stderr,
      /no conviction in the file is in county "SAN FRANSISCO"; counties in the file: SAN FRANCISCO \(\d+ conviction rows\), ALAMEDA \(\d+ conviction rows\)/
    )
  }
)

t.test(
  'co-defendants sharing a case number get a filing each in the offline kit, and the count printed is the files written',
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'clearfile-cli-codefendants-'))
    const { COL, DOJ_FIELD_COUNT } = await import('../../src/ingest/doj-file.js')
    const rowFor = (subject: string, name: string) => {
      const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
      Object.assign(f, {
        [COL.SUBJECT_ID]: subject,
        [COL.PRI_NAME]: name,
        [COL.PRI_DOB]: '19700203',
        [COL.STP_ORI_CNTY_NAME]: 'SAN FRANCISCO',
        [COL.STP_TYPE_DESCR]: 'COURT ACTION',
        [COL.CNT_ORDER]: '001002001000',
        [COL.STP_EVENT_DATE]: '20100501',
        [COL.OFN]: 'SCN-SHARED',
        [COL.OFFENSE_DESCR]: '11359 HS-POSSESS FOR SALE',
        [COL.DISP_DESCR]: 'CONVICTED-JAIL',
        [COL.CONV_STAT_DESCR]: 'FELONY',
        [COL.SENT_LOC_DESCR]: 'JAIL',
        [COL.SENT_LENGTH]: '30',
        [COL.SENT_TIME_CODE]: 'D',
        [COL.STP_ORI_DESCR]: 'CASC SAN FRANCISCO'
      })
      return f.map((x) => (/[",]/.test(x) ? `"${x}"` : x)).join(',')
    }
    const file = join(d, 'doj.csv')
    writeFileSync(file, `${[rowFor('101', 'GARCIA,MARIA'), rowFor('102', 'LOPEZ,JOSE')].join('\n')}\n`)
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
    const res = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'out'),
      '--motions',
      'case',
      '--profiles',
      fixture('da-profiles.json'),
      '--filings',
      '--court',
      'CA-SF',
      '--courts',
      fixture('courts.json')
    ])
    t.equal(res.status, 0, res.stderr)
    const { readdirSync } = await import('node:fs')
    t.equal(readdirSync(join(d, 'out', 'filings')).length, 2, 'one filing per defendant, none overwritten')
    t.match(res.stdout, /and 2 ECF filings/)
  }
)
