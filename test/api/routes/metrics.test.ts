import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulatedCourt } from '../../../adapters/simulator/court.js'
import { bearer, buildTestApp, caseBody } from '../../helper.js'

const daProfilesFile = fileURLToPath(new URL('../../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test(
  'the pipeline figures count what the records say, per court, overall and by week; /metrics has queue depth, latency and errors',
  async (t) => {
    const court = await startSimulatedCourt({
      reviewDelayMs: 10,
      rulingDelayMs: 10,
      acceptRate: 1,
      rulings: { granted: 1, denied: 0, partially_granted: 0 },
      faults: { serverError: 0 }
    })
    t.teardown(() => court.close())
    const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
    writeFileSync(
      courtsFile,
      JSON.stringify([
        {
          id: 'CA-SF',
          name: 'Superior Court of California, County of San Francisco',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: court.url
        }
      ])
    )
    const { app, keyFor, runJobs, clock } = await buildTestApp(t, {
      daProfilesFile,
      courtsFile,
      pollIntervalSeconds: 1
    })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const cases = [
      caseBody({ person: { dojSubjectId: '5000001', cii: 'D00000001' }, case: { caseNumber: 'SCN500001' } }),
      caseBody({ person: { dojSubjectId: '5000002', cii: 'D00000002' }, case: { caseNumber: 'SCN500002' } }),
      // Convicted after Prop 64 took effect: HS 11361.8 does not reach it.
      caseBody({
        person: { dojSubjectId: '5000003', cii: 'D00000003' },
        case: { caseNumber: 'SCN500003' },
        counts: [
          {
            codeSection: '11359 HS',
            severity: 'F',
            disposition: 'convicted',
            convictionDate: '2018-03-01',
            sentence: []
          }
        ]
      })
    ]
    for (const body of cases) {
      const kase = (await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: body })).json()
      if (body.case.caseNumber === 'SCN500003') continue
      await app.inject({ method: 'POST', url: `/v1/cases/${kase.id}/documents`, headers: bearer(key) })
      await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: kase.id } })
    }
    for (let i = 0; i < 4; i++) {
      await sleep(30)
      clock.set(new Date(clock.now().getTime() + 1500))
      await runJobs()
    }
    const figures = (await app.inject({ url: '/v1/metrics/pipeline', headers: bearer(key) })).json()
    t.equal(figures.county, 'SAN FRANCISCO')
    t.match(figures.overall, {
      motionsPrepared: 2,
      submitted: 2,
      accepted: 2,
      rejected: 0,
      granted: 2,
      denied: 0,
      open: 0
    })
    t.equal(figures.overall.eligible, 2)
    t.equal(
      figures.overall.needsReview + figures.overall.notEligible,
      1,
      'the conviction after Prop 64 is not counted eligible'
    )
    t.same(
      figures.courts.map((c: { court: string }) => c.court),
      ['CA-SF']
    )
    t.same(figures.weekly, [{ week: '2026-11-23', prepared: 2, submitted: 2, granted: 2 }])
    const la = await keyFor('deputy_da', 'LOS ANGELES')
    t.match((await app.inject({ url: '/v1/metrics/pipeline', headers: bearer(la) })).json().overall, {
      motionsPrepared: 0,
      submitted: 0
    })

    const metrics = await app.inject({ url: '/metrics' })
    t.match(metrics.headers['content-type'], /text\/plain; version=0\.0\.4/)
    t.match(metrics.body, /clearfile_submit_latency_seconds_count\{court="CA-SF"\} 2\n/)
    t.match(metrics.body, /clearfile_filings\{court="CA-SF",state="granted"\} 2\n/)
    t.match(metrics.body, /# TYPE clearfile_queue_depth gauge\n/)
    t.match(metrics.body, /# TYPE clearfile_court_errors_total counter\n/)
    t.notMatch(metrics.body, /GARCIA|SCN5000/, 'counts only')
  }
)
