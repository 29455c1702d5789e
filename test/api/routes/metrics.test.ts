import { fileURLToPath } from 'node:url'
import { register } from 'prom-client'
import t from 'tap'
import { startSimulatedCourt } from '../../../adapters/simulator/court.js'
import { Metrics } from '../../../src/metrics.js'
import { bearer, buildTestApp, caseBody, sanFranciscoCourtsFile } from '../../helper.js'

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
    const courtsFile = sanFranciscoCourtsFile(court.url)
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

    const metrics = await app.inject({ url: '/metrics', headers: bearer(await keyFor('metrics')) })
    t.match(metrics.headers['content-type'], /text\/plain; version=0\.0\.4/)
    t.match(metrics.body, /clearfile_submit_latency_seconds_count\{court="CA-SF"\} 2\n/)
    t.match(metrics.body, /clearfile_filings\{court="CA-SF",state="granted"\} 2\n/)
    t.match(metrics.body, /# TYPE clearfile_queue_depth gauge\n/)
    t.match(metrics.body, /# TYPE clearfile_court_errors_total counter\n/)
    t.notMatch(metrics.body, /GARCIA|SCN5000/, 'counts only')
  }
)

t.test(
  'each Metrics has a registry of its own: two instances in one process count apart, and the global registry stays empty',
  async (t) => {
    const one = new Metrics()
    const two = new Metrics()
    one.observeSubmit('CA-SF', 0.3)
    one.observeSubmit('CA-SF', 12)
    one.countCourtError('CA-SF', 'CLEARFILE_ERR_COURT_UNAVAILABLE')
    one.countCourtError('CA-SF', 'CLEARFILE_ERR_COURT_UNAVAILABLE')
    two.countCourtError('CA-LA', 'CLEARFILE_ERR_COURT_TIMEOUT')
    const text = await one.render()
    t.match(text, '# HELP clearfile_submit_latency_seconds Time from sending a ReviewFiling to its receipt.\n')
    t.match(text, '# TYPE clearfile_submit_latency_seconds histogram\n')
    t.match(text, 'clearfile_submit_latency_seconds_bucket{le="0.25",court="CA-SF"} 0\n')
    t.match(text, 'clearfile_submit_latency_seconds_bucket{le="0.5",court="CA-SF"} 1\n')
    t.match(text, 'clearfile_submit_latency_seconds_bucket{le="30",court="CA-SF"} 2\n')
    t.match(text, 'clearfile_submit_latency_seconds_bucket{le="+Inf",court="CA-SF"} 2\n')
    t.match(text, 'clearfile_submit_latency_seconds_sum{court="CA-SF"} 12.3\n')
    t.match(text, '# HELP clearfile_court_errors_total Court calls that failed, by court and error code.\n')
    t.match(text, 'clearfile_court_errors_total{court="CA-SF",code="CLEARFILE_ERR_COURT_UNAVAILABLE"} 2\n')
    t.notMatch(text, /CA-LA/, "the other instance's counts are not here")
    t.match(await two.render(), 'clearfile_court_errors_total{court="CA-LA",code="CLEARFILE_ERR_COURT_TIMEOUT"} 1\n')
    t.same(register.getMetricsAsArray(), [], "nothing is registered in prom-client's global registry")
    t.equal(one.contentType, 'text/plain; version=0.0.4; charset=utf-8')
  }
)

t.test(
  'the gauges are read at each scrape: a job kind with nothing left disappears, a label is escaped, and no key is needed',
  async (t) => {
    const metrics = new Metrics()
    let jobs = [
      { kind: 'webhook.deliver', n: 2 },
      { kind: 'odd "kind"', n: 1 }
    ]
    metrics.readGaugesWith({
      queueDepth: async () => jobs,
      filings: async () => [{ court: 'CA-SF', state: 'accepted', n: 3 }]
    })
    const first = await metrics.render()
    t.match(first, '# HELP clearfile_queue_depth Background jobs not yet done, by kind.\n')
    t.match(first, 'clearfile_queue_depth{kind="webhook.deliver"} 2\n')
    t.match(first, 'clearfile_queue_depth{kind="odd \\"kind\\""} 1\n')
    t.match(first, '# HELP clearfile_filings Filings by court and state.\n# TYPE clearfile_filings gauge\n')
    t.match(first, 'clearfile_filings{court="CA-SF",state="accepted"} 3\n')
    jobs = [{ kind: 'webhook.deliver', n: 1 }]
    const second = await metrics.render()
    t.match(second, 'clearfile_queue_depth{kind="webhook.deliver"} 1\n')
    t.notMatch(second, /odd/, 'the kind with no jobs left is gone, not stuck at its last count')

    const { app, keyFor } = await buildTestApp(t)
    const system = await keyFor('da_system', 'SAN FRANCISCO')
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(system), payload: caseBody() })
    t.equal((await app.inject({ url: '/metrics' })).statusCode, 401, 'no key: refused')
    t.equal((await app.inject({ url: '/metrics', headers: bearer(system) })).statusCode, 403, 'a county key: refused')
    const scraper = await keyFor('metrics')
    t.equal(
      (await app.inject({ url: '/v1/cases/x', headers: bearer(scraper) })).statusCode,
      403,
      "the scraper's key opens no record"
    )
    const scrape = await app.inject({ url: '/metrics', headers: bearer(scraper) })
    t.equal(scrape.statusCode, 200, "the scraper's key reads /metrics")
    t.equal(scrape.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
    t.match(scrape.body, /^# HELP clearfile_submit_latency_seconds /)
    t.notMatch(scrape.body, /clearfile_filings\{/, 'no filings yet: the gauge has no series')
  }
)
