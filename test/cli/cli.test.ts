import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { assertBuilt, runCli } from '../serve-process.js'

const run = runCli

t.before(assertBuilt)

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
    t.match(missing.stderr, /--doj .*nope\.csv: no such file; expected the DOJ bulk research file/)
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
    // By person: a motion for a person's several cases is filed in each case, each message naming its one case.
    const byPerson = run([
      'review',
      '--doj',
      file,
      '--county',
      'SAN FRANCISCO',
      '--as-of',
      '2026-11-28',
      '--out',
      join(d, 'by-person'),
      '--motions',
      'person',
      '--profiles',
      fixture('da-profiles.json'),
      '--filings',
      '--court',
      'CA-SF',
      '--courts',
      fixture('courts.json')
    ])
    t.equal(byPerson.status, 0, byPerson.stderr)
    const personMotions = readFileSync(join(d, 'by-person', 'motions', 'manifest.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .filter((l) => l.includes(',motion,'))
      .map((l) => l.split(',')[3]!.replace(/"/g, '').split('; '))
    t.ok(
      personMotions.some((cases) => cases.length > 1),
      'some person has several cases in one motion'
    )
    const docketIds = readdirSync(join(d, 'by-person', 'filings')).map((f) => [
      ...readFileSync(join(d, 'by-person', 'filings', f), 'utf8').matchAll(/<nc:CaseDocketID>([^<]*)</g)
    ])
    t.ok(
      docketIds.every((ids) => ids.length === 1 && !ids[0]![1]!.includes(',')),
      'every filing names one case'
    )
    t.same(
      docketIds.map((ids) => ids[0]![1]).sort(),
      personMotions.flat().sort(),
      'one filing in each case of each motion'
    )
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
