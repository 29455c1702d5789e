import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { generateDojRows } from '../../src/ingest/generate-doj.js'
import { bearer, buildTestApp, caseBody, fileCase, filesUnder, sanFranciscoCourtsFile } from '../helper.js'
import { S3RVER_KEYS, startS3 } from './s3-server.js'

/*
 * The service on a document store that is not this machine's disk: a DOJ review's upload and outputs, a case's
 * papers, its filing message and a clerk's large outcome report all go through the store, and the data folder holds
 * nothing of them once each step is done.
 */
const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const storage of ['database', 's3'] as const) {
  t.test(
    `with storage: ${storage}, a review, a case's papers, its filing message and a large outcome report go through the store and leave the data folder empty`,
    async (t) => {
      const court = await startSimulatedCourt({ reviewDelayMs: 20, rulingDelayMs: 3_600_000, acceptRate: 1 })
      t.teardown(() => court.close())
      const settings =
        storage === 's3'
          ? {
              storage,
              s3Endpoint: await startS3(t),
              s3Bucket: 'clearfile',
              s3AccessKeyId: S3RVER_KEYS.accessKeyId,
              s3SecretAccessKey: S3RVER_KEYS.secretAccessKey
            }
          : { storage }
      const { app, services, config, keyFor, runJobs, clock } = await buildTestApp(t, {
        daProfilesFile,
        courtsFile: sanFranciscoCourtsFile(court.url),
        pollIntervalSeconds: 1,
        outcomeReportInlineMaxBytes: 0,
        ...settings
      })
      t.equal(services.store.kind, storage)
      const key = await keyFor('deputy_da', 'SAN FRANCISCO')

      const review = (
        await app.inject({
          method: 'POST',
          url: '/v1/reviews?asOf=2026-11-28',
          headers: { ...bearer(key), 'content-type': 'text/csv' },
          payload: [...generateDojRows({ rows: 400, seed: 4, header: true })].join('')
        })
      ).json()
      t.ok(await services.store.has(`uploads/${review.id}.csv`), 'the upload waits in the store')
      await runJobs()
      const done = (await app.inject({ url: `/v1/reviews/${review.id}`, headers: bearer(key) })).json()
      t.equal(done.state, 'done')
      const csv = await app.inject({ url: `/v1/reviews/${review.id}/files/determinations.csv`, headers: bearer(key) })
      t.equal(csv.statusCode, 200)
      t.match(csv.body, /^subject_id,/, 'the determinations come back from the store')
      t.notOk(await services.store.has(`uploads/${review.id}.csv`), 'the upload is deleted once decided')

      const { caseId, filingId } = await fileCase(app, key, caseBody())
      for (let i = 0; i < 3; i++) {
        await sleep(40)
        clock.set(new Date(clock.now().getTime() + 1500))
        await runJobs()
      }
      const filing = (await app.inject({ url: `/v1/filings/${filingId}`, headers: bearer(key) })).json()
      t.equal(filing.state, 'accepted', 'filed from the store and accepted')
      const docs = (await app.inject({ url: `/v1/cases/${caseId}/documents`, headers: bearer(key) })).json()
      const pdf = await app.inject({ url: `/v1/documents/${docs.items[0].id}`, headers: bearer(key) })
      t.equal(pdf.statusCode, 200)
      t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
      const message = await app.inject({ url: `/v1/filings/${filingId}/message.xml`, headers: bearer(key) })
      t.equal(message.statusCode, 200)
      t.match(message.body, /ReviewFilingRequestMessage/)

      const clerk = await keyFor('clerk', 'SAN FRANCISCO')
      const report = await app.inject({
        method: 'POST',
        url: '/v1/outcome-reports?filename=report.csv',
        headers: { ...bearer(clerk), 'content-type': 'text/csv' },
        payload: `case_number,filing_id,ruling,order_date\nSCN123456,${filingId},granted,2026-11-20\n`
      })
      t.equal(report.statusCode, 202, 'reconciled in the background, from the store')
      await runJobs()
      const reconciled = (
        await app.inject({ url: `/v1/outcome-reports/${report.json().id}`, headers: bearer(clerk) })
      ).json()
      t.equal(reconciled.state, 'done')
      t.equal((await app.inject({ url: `/v1/filings/${filingId}`, headers: bearer(key) })).json().state, 'granted')
      t.notOk(await services.store.has(`outcome-reports/${report.json().id}.upload`), 'the report is deleted once read')

      t.same(filesUnder(config.dataDir), [], 'nothing of it stays in the data folder')
    }
  )
}
