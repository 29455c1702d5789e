import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { generatedCounty, outcomeTable, reconciliationTable } from '../../src/cli/demo.js'
import { COL, splitCsvRecord } from '../../src/ingest/doj-file.js'
import { assertBuilt, CLI, childEnv, freePort, processDatabase, startServe } from '../serve-process.js'

t.setTimeout(300_000)

t.test('the generated county holds exactly the people asked for', async (t) => {
  for (const people of [1, 20, 137]) {
    const county = generatedCounty({ people, seed: 64, county: 'SAN FRANCISCO' })
    const subjects = new Set(
      county.csv
        .trimEnd()
        .split('\n')
        .map((line) => splitCsvRecord(line)[COL.SUBJECT_ID])
    )
    t.equal(subjects.size, people, `${people} people`)
    t.equal(county.people, people)
    t.equal(county.rows, county.csv.trimEnd().split('\n').length)
  }
})

t.test('outcomes are a table, relief first, with what each outcome means and the total', async (t) => {
  t.same(outcomeTable({ not_eligible: 5, needs_review: 20, dismiss_and_seal: 3, reduce_to_misdemeanor: 1300 }), [
    'outcome                convictions  meaning',
    'dismiss_and_seal                 3  relief: dismissed and sealed',
    'reduce_to_misdemeanor        1,300  relief: reduced to a misdemeanor',
    "needs_review                    20  a deputy DA decides (the dashboard's review queue)",
    'not_eligible                     5  no relief under HS 11361.8',
    'total                        1,328'
  ])
})

t.test('the reconciliation is a table that says what each figure counts', async (t) => {
  const lines = reconciliationTable({
    matched: 1954,
    alreadyRecorded: 0,
    conflicts: 1,
    unmatched: 2,
    omitted: 3,
    malformed: 4
  })
  t.equal(lines[0], 'reconciliation    number  of what')
  t.equal(lines[1], 'matched            1,954  convictions whose ruling the report recorded (or confirmed)')
  t.match(lines[4]!, /^unmatched {14}2 {2}report lines/)
  t.match(lines[5]!, /^omitted {16}3 {2}filings/)
})

/** Runs `clearfile demo` against a served instance, with that server's environment. */
function runDemo(address: string, env: Record<string, string>, people: number) {
  return spawnSync(process.execPath, [CLI, 'demo', '--url', address, '--people', String(people), '--timeout', '120'], {
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 200_000
  })
}

t.test(
  'the demo against npm start says its units: people, convictions, cases, papers, filings, and that the clerk called back',
  async (t) => {
    assertBuilt()
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-demo-units-'))
    const port = await freePort()
    const env = {
      CLEARFILE_DATA_DIR: join(dir, 'data'),
      DATABASE_URL: await processDatabase(t, dir),
      PORT: String(port),
      CLEARFILE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CLEARFILE_POLL_INTERVAL_SECONDS: '2',
      LOG_LEVEL: 'warn'
    }
    const serve = await startServe([], env)
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    const demo = runDemo(serve.address, env, 20)
    t.equal(demo.status, 0, demo.stderr)
    const out = demo.stdout
    t.notMatch(out, /about \d+ people/, 'no promise of a number of people')
    t.notMatch(out, /\{"/, 'no raw JSON')
    t.match(
      out,
      /^1\/5 reviewing a generated DOJ file of SAN FRANCISCO as of \d{4}-\d{2}-\d{2}: 20 people in [\d,]+ rows/m
    )
    const read =
      /^ {4}[\d,]+ rows read: 20 people, (\d+) of them with Prop 64 convictions in SAN FRANCISCO: ([\d,]+) convictions/m.exec(
        out
      )
    t.ok(read, read ? 'the rows, people and convictions' : out)
    t.match(out, /^ {6}outcome +convictions +meaning$/m)
    const total = /^ {6}total +([\d,]+)$/m.exec(out)
    t.equal(total?.[1], read?.[2], 'the table adds up to the convictions')
    const relief = /^2\/5 preparing court papers for the ([\d,]+) convictions with relief/m.exec(out)
    t.ok(relief, relief ? 'the convictions with relief' : out)
    const papers = /^ {4}([\d,]+) papers: ([\d,]+) motions and ([\d,]+) proposed orders$/m.exec(out)
    t.ok(papers, papers ? 'the papers by kind' : out)
    t.equal(papers![2], papers![3], 'a motion and a proposed order per case')
    const filings =
      /^ {4}([\d,]+) filings queued for ([\d,]+) cases \(the ([\d,]+) convictions with relief\); each carries 2 papers: the motion and the proposed order \(([\d,]+) papers ÷ 2 = ([\d,]+) filings\)$/m.exec(
        out
      )
    t.ok(filings, filings ? 'the filings, cases and papers each carries' : out)
    t.equal(filings![1], filings![2], 'one filing per case')
    t.equal(filings![3], relief![1])
    t.equal(filings![4], papers![1])
    t.equal(filings![2], papers![2], 'one motion per case')
    t.match(out, /^ {4}the court's clerk called back about [1-9]\d* of the \d+ filings looked at/m)
    t.match(out, /^ {6}reconciliation +number +of what$/m)
    t.match(out, /^ {6}matched +[\d,]+ +convictions/m)
    t.match(out, /^ {6}conflicts +0 /m)
    t.match(out, /^motions prepared \d+ \/ submitted \d+ \/ granted \d+ /m)

    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const listed = (await (
      await fetch(`${serve.address}/v1/filings?limit=1`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as { items: Array<{ id: string }> }
    const first = (await (
      await fetch(`${serve.address}/v1/filings/${listed.items[0]!.id}`, {
        headers: { authorization: `Bearer ${admin}` }
      })
    ).json()) as { events: Array<{ source: string }> }
    t.ok(
      first.events.some((e) => e.source === 'callback'),
      'and a callback did arrive'
    )
  }
)

t.test('a court that never calls back: the demo says no callback arrived', async (t) => {
  assertBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-demo-nocallback-'))
  const courtPort = await freePort()
  // No CLEARFILE_SIMULATED_COURT_SECRET: the simulated court calls no one back.
  const court = spawn(
    process.execPath,
    [CLI, 'simulate-court', '--port', String(courtPort), '--review-delay-ms', '200', '--ruling-delay-ms', '500'],
    { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }
  )
  t.teardown(() => {
    court.kill('SIGKILL')
  })
  await new Promise<void>((resolve, reject) => {
    court.stdout.on('data', (chunk: Buffer) => {
      if (/listening at/.test(chunk.toString())) resolve()
    })
    court.on('exit', (code) => reject(new Error(`simulate-court exited ${code}`)))
  })
  const courts = join(dir, 'courts.json')
  writeFileSync(
    courts,
    JSON.stringify([
      {
        id: 'CA-SF',
        name: 'Superior Court of California, County of San Francisco',
        county: 'SAN FRANCISCO',
        adapter: 'simulator',
        endpoint: `http://127.0.0.1:${courtPort}/ecf/v4/FilingReviewMDE`,
        callbackSecretRef: 'CLEARFILE_COURT_CA_SF_SECRET'
      }
    ])
  )
  const port = await freePort()
  const env = {
    CLEARFILE_DATA_DIR: join(dir, 'data'),
    DATABASE_URL: await processDatabase(t, dir),
    PORT: String(port),
    CLEARFILE_COURTS: courts,
    CLEARFILE_DA_PROFILES: fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url)),
    CLEARFILE_COURT_CA_SF_SECRET: 'a-secret-this-court-never-uses',
    CLEARFILE_POLL_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'warn'
  }
  const serve = await startServe([], env)
  t.teardown(() => {
    serve.child.kill('SIGKILL')
  })
  const demo = runDemo(serve.address, env, 8)
  t.equal(demo.status, 0, demo.stderr)
  t.match(
    demo.stdout,
    /^ {4}no callback from the court arrived for the \d+ filings looked at; the decisions were recorded from status polls$/m
  )
  t.notMatch(demo.stdout, /called back/)
})
