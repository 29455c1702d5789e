import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { BUILT_IN_POLICIES } from '../../src/eligibility/policies.js'
import { assertBuilt, runCli } from '../serve-process.js'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
// Anything a terminal would take as drawing: escape sequences (ESC) and carriage returns.
const DRAWING = new RegExp(`${String.fromCharCode(27)}|\r`)

t.before(assertBuilt)
// A dozen CLI processes, each a second or more to start on a loaded two-core machine.
t.setTimeout(300_000)

let dir: string
let doj: string
t.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clearfile-cli-review-'))
  doj = join(dir, 'doj.csv')
  const { generateDojFile } = await import('../../src/ingest/generate-doj.js')
  await generateDojFile(doj, { rows: 600, seed: 15 })
})

const review = (...extra: string[]) => reviewInto(join(dir, `out-${Math.random().toString(36).slice(2)}`), ...extra)
const reviewInto = (out: string, ...extra: string[]) =>
  runCli(['review', '--doj', doj, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', out, ...extra])

t.test('an unknown policy name exits 1 naming the built-in policies, with no stack trace', async (t) => {
  const res = review('--policy', 'nosuch')
  t.equal(res.status, 1)
  t.equal(
    res.stderr,
    `clearfile: unknown policy "nosuch"; built-in policies: ${Object.keys(BUILT_IN_POLICIES).join(', ')}; or give a file path\n`
  )
  t.equal(res.stdout, '', 'nothing reviewed')
})

t.test('a built-in policy by name is used', async (t) => {
  const out = join(dir, 'dismiss-all')
  const res = runCli([
    'review',
    '--doj',
    doj,
    '--county',
    'SAN FRANCISCO',
    '--as-of',
    '2026-11-28',
    '--out',
    out,
    '--policy',
    'dismiss-all'
  ])
  t.equal(res.status, 0, res.stderr)
  t.equal(
    JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).policy.name,
    BUILT_IN_POLICIES['dismiss-all']!.name
  )
})

t.test('a policy file that is not there exits 1 saying where it was looked for and what was expected', async (t) => {
  const missing = join(dir, 'no-such-policy.json')
  const res = review('--policy', missing)
  t.equal(res.status, 1)
  t.match(res.stderr, `clearfile: --policy ${missing}: no such file; expected a policy file (JSON`)
  t.match(res.stderr, /or a built-in policy: statewide-default, dismiss-all, la-pilot\n$/)
  t.notMatch(res.stderr, /ENOENT|\n\s+at /, 'no errno text, no stack')

  const relative = runCli([
    'review',
    '--doj',
    doj,
    '--county',
    'X',
    '--as-of',
    '2026-11-28',
    '--out',
    dir,
    '--policy',
    './p.json'
  ])
  t.equal(relative.status, 1)
  t.match(
    relative.stderr,
    /--policy \.\/p\.json: no such file \(looked for \/.*\/p\.json\)/,
    'a relative path is shown resolved'
  )

  const folder = join(dir, 'a-folder')
  mkdirSync(folder, { recursive: true })
  const isDir = review('--policy', folder)
  t.equal(isDir.status, 1)
  t.match(isDir.stderr, `--policy ${folder} is a directory; expected a policy file`)
})

t.test('a DOJ file, DA profiles file or courts file that is not there is named with what was expected', async (t) => {
  const missingDoj = runCli([
    'review',
    '--doj',
    join(dir, 'nope.csv'),
    '--county',
    'X',
    '--as-of',
    '2026-11-28',
    '--out',
    join(dir, 'o')
  ])
  t.equal(missingDoj.status, 1)
  t.equal(
    missingDoj.stderr,
    `clearfile: --doj ${join(dir, 'nope.csv')}: no such file; expected the DOJ bulk research file (95 columns, CSV)\n`
  )
  const missingProfiles = review('--motions', 'case', '--profiles', join(dir, 'profiles.json'))
  t.equal(missingProfiles.status, 1)
  t.match(
    missingProfiles.stderr,
    `--profiles ${join(dir, 'profiles.json')}: no such file; expected the DA profiles file`
  )
  const fromEnv = runCli(
    ['review', '--doj', doj, '--county', 'SAN FRANCISCO', '--as-of', '2026-11-28', '--out', dir, '--motions', 'case'],
    { CLEARFILE_DA_PROFILES: join(dir, 'env-profiles.json') }
  )
  t.equal(fromEnv.status, 1)
  t.match(fromEnv.stderr, `CLEARFILE_DA_PROFILES ${join(dir, 'env-profiles.json')}: no such file`, 'names the variable')
  const missingCourts = review(
    '--motions',
    'case',
    '--profiles',
    fixture('da-profiles.json'),
    '--filings',
    '--court',
    'CA-SF',
    '--courts',
    join(dir, 'courts.json')
  )
  t.equal(missingCourts.status, 1)
  t.match(missingCourts.stderr, `--courts ${join(dir, 'courts.json')}: no such file; expected the courts file`)
  const unknownCourt = review(
    '--motions',
    'case',
    '--profiles',
    fixture('da-profiles.json'),
    '--filings',
    '--court',
    'CA-NOPE',
    '--courts',
    fixture('courts.json')
  )
  t.equal(unknownCourt.status, 1)
  t.match(unknownCourt.stderr, /no court CA-NOPE in .*courts\.json; its courts: CA-SF/)
  const workers = review('--workers', 'many')
  t.equal(workers.status, 1)
  t.match(workers.stderr, /--workers <n>' argument 'many' is invalid\. give a whole number of 0 or more/)
})

t.test(
  'the summary gives each step its own rate: rows/s for reading and deciding, motions/s and papers/s for rendering',
  async (t) => {
    const out = join(dir, 'out-rates')
    const res = reviewInto(out, '--motions', 'case', '--profiles', fixture('da-profiles.json'))
    t.equal(res.status, 0, res.stderr)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    t.ok(
      summary.secondsHandingOver > 0,
      `summary.json: ${summary.secondsHandingOver} s of ${summary.seconds} waiting for papers`
    )
    t.ok(
      Math.abs(summary.rowsRead / summary.rowsPerSecond - (summary.seconds - summary.secondsHandingOver)) < 0.05,
      "summary.json's rows/s is over the review's own time, the wait for papers left out"
    )
    const reading = /^600 rows read \(\d+ rejected\) and decided in ([\d.]+) s, (\d+) rows\/s;/m.exec(res.stdout)
    t.ok(reading, reading ? 'the rows read and decided, with their own time and rate' : res.stdout)
    const [seconds, rowsPerSecond] = [Number(reading![1]), Number(reading![2])]
    t.ok(seconds > 0 && rowsPerSecond > 0, `${seconds} s, ${rowsPerSecond} rows/s`)
    const papers =
      /^papers: (\d+) rendered \((\d+) motions, (\d+) proposed orders\) in ([\d.]+) s of rendering, ([\d.]+) motions\/s, ([\d.]+) papers\/s; (?:reading waited [\d.]+ s for them; )?([\d.]+) s in all$/m.exec(
        res.stdout
      )
    t.ok(papers, papers ? 'the papers rendered, with their own time and rates' : res.stdout)
    const [total, motions, orders, renderSeconds, motionsPerSecond, , allSeconds] = papers!
      .slice(1)
      .map(Number) as number[]
    t.equal(motions! + orders!, total, 'the kinds add up to the papers')
    t.equal(motions, orders, 'a proposed order with every motion')
    t.ok(motionsPerSecond! > 0 && renderSeconds! > 0)
    t.ok(allSeconds! >= renderSeconds! - 0.05, 'rendering is timed within the run, not added to reading')
    t.match(res.stdout, new RegExp(`and ${total} court papers in `))
  }
)

t.test(
  'with stderr not a terminal, review draws no progress: stderr stays empty and stdout has no escapes',
  async (t) => {
    const res = review(
      '--motions',
      'case',
      '--profiles',
      fixture('da-profiles.json'),
      '--filings',
      '--court',
      'CA-SF',
      '--courts',
      fixture('courts.json')
    )
    t.equal(res.status, 0, res.stderr)
    t.equal(res.stderr, '', 'nothing on stderr')
    t.notMatch(res.stdout, DRAWING)
    t.equal(res.stdout.trimEnd().split('\n').length, 4, 'four summary lines: decided, ledger, papers, wrote')
  }
)

t.test('an output that cannot be written (a full disk) exits 1 naming the file, with no stack trace', async (t) => {
  const out = join(dir, 'out-full')
  mkdirSync(out)
  // /dev/full takes the file open and refuses every write with ENOSPC, as a full disk does.
  symlinkSync('/dev/full', join(out, 'determinations.csv.partial'))
  const res = reviewInto(out)
  t.equal(res.status, 1)
  t.equal(res.stderr, `clearfile: --out ${out}: cannot write ${join(out, 'determinations.csv.partial')}: ENOSPC\n`)
  t.notOk(existsSync(join(out, 'determinations.csv')), 'no determinations.csv claims to be whole')
})
