import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runStatewide } from '../../bench/statewide-run.js'
import { isPostgresUrl } from '../../src/config.js'
import { TEST_DATABASE_URL } from '../helper.js'
import { assertBuilt, CLI, processDatabase } from '../serve-process.js'

/*
 * bench:statewide at a small fraction, as a test of correctness (never of speed): the whole service and the
 * court as their own processes, on the suite's database. Every count is accounted for, whatever the timings.
 */
/** Runs a small share of the state through the service, and checks every count is accounted for. */
async function accountedFor(t: Test, workers: number) {
  assertBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-statewide-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const said: string[] = []
  const r = await runStatewide({
    scale: 0.002,
    seed: 3,
    scope: 'case',
    databaseUrl: await processDatabase(t, dir),
    dir,
    cli: CLI,
    asOf: '2026-12-01',
    stageTimeoutSeconds: 240,
    workers,
    say: (line) => said.push(line)
  })
  t.same(r.problems, [], 'nothing found wrong')
  t.ok(r.counties > 10, `people in many counties (${r.counties})`)
  t.ok(r.prop64Convictions > 100 && r.convictionsWithRelief > 50, 'convictions decided, some with relief')
  t.ok(r.filings > 0, 'filings queued')
  t.equal(r.filingsAtCourt, r.filings, 'filings queued = filings the court holds')
  t.equal(r.duplicateSends, 0, 'no filing sent twice')
  t.equal(r.duplicateFilingsAtCourt, 0, 'the court holds no filing twice')
  t.equal(r.lost, 0, 'every filing decided')
  t.equal(r.outcomeMismatches, 0, "every recorded outcome is the court's")
  const ruled = (r.byState.granted ?? 0) + (r.byState.denied ?? 0) + (r.byState.partially_granted ?? 0)
  t.equal(ruled + (r.byState.rejected ?? 0), r.filings, 'filings = ruled + rejected by the clerk')
  t.equal(r.report.lines, ruled, "the clerk's reports have a line per ruled filing")
  t.equal(r.report.unmatched + r.report.conflicts, 0, "every line of the clerk's reports matched, none in conflict")
  t.equal(r.papers, 2 * r.filings, 'a motion and a proposed order per filing')
  t.equal(r.callbacks.sent, r.filings, 'the court called back once per filing, each taken')
  t.same(
    r.stages.map((s) => s.stage),
    [
      'generate DOJ files (not the service)',
      'upload DOJ files',
      'review (determinations stored)',
      'papers (PDFs drawn and stored)',
      'filings queued',
      'submitted to the court',
      'rulings recorded',
      "clerk's reports reconciled"
    ],
    'every stage measured'
  )
  for (const s of r.stages)
    t.ok(s.seconds >= 0 && s.peakRssMiB.clearfile > 0 && s.peakRssMiB.court > 0, `${s.stage}: time and memory`)
  // A read that was not answered 200 would be among the problems above.
  const reads = r.stages.reduce((n, s) => n + s.apiRead.probes, 0)
  t.ok(reads > 0, `an API read was probed beside /healthz (${reads} times)`)
}

t.test('a small share of the state goes through the whole service with every count accounted for', async (t) => {
  await accountedFor(t, 0)
})

t.test(
  'the same with the server answering HTTP only and a worker process running the jobs, as on two machines',
  { skip: isPostgresUrl(TEST_DATABASE_URL) ? false : 'workers share a PostgreSQL database' },
  async (t) => {
    await accountedFor(t, 1)
  }
)
