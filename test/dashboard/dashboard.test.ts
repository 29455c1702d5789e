import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { bearer, buildTestApp, caseBody, fileCase } from '../helper.js'
import { freePort } from '../serve-process.js'

/*
 * The dashboard end to end, in real headless Chromium (Debian's, driven by
 * playwright-core; .ci/run installs it): sign in with a key, read the pipeline
 * figures and check them against GET /v1/metrics/pipeline, decide a review,
 * upload an outcome report and read its reconciliation. A screenshot of each
 * step is saved under .test-output/.
 */
const CHROMIUM = '/usr/bin/chromium'
const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const OUTPUT = fileURLToPath(new URL('../../.test-output/', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('the dashboard shows the pipeline as the API counts it, records a review decision and reconciles an uploaded report', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: apt-get install chromium (CI installs it)` }, async (t) => {
  const { chromium } = await import('playwright-core')
  const court = await startSimulatedCourt({ reviewDelayMs: 10, rulingDelayMs: 3_600_000, acceptRate: 1 })
  t.teardown(() => court.close())
  const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
  writeFileSync(courtsFile, JSON.stringify([{ id: 'CA-SF', name: 'Superior Court of California, County of San Francisco', county: 'SAN FRANCISCO', adapter: 'simulator', endpoint: court.url }]))
  const { app, keyFor, runJobs, clock, handle } = await buildTestApp(t, { daProfilesFile, courtsFile, pollIntervalSeconds: 1 })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const filingIds: string[] = []
  for (let i = 0; i < 3; i++) {
    filingIds.push((await fileCase(app, key, caseBody({ person: { dojSubjectId: `600000${i}`, cii: `E0000000${i}` }, case: { caseNumber: `SCN60000${i}` } }))).filingId)
  }
  // A felony 11360 after a prior PC 207: the super strike needs a fact, so it waits for a deputy.
  await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody({ person: { dojSubjectId: '6000009', cii: 'E00000009', name: 'REVIEW, RITA' }, case: { caseNumber: 'SCN600009' }, counts: [
    { codeSection: '207 PC', severity: 'F', disposition: 'convicted', convictionDate: '2001-01-01' },
    { codeSection: '11360 HS', severity: 'F', disposition: 'convicted', convictionDate: '2010-05-01' }
  ] }) })
  for (let i = 0; i < 3; i++) { await sleep(30); clock.set(new Date(clock.now().getTime() + 1500)); await runJobs() }
  const port = await freePort()
  await app.listen({ host: '127.0.0.1', port })

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()) })
  mkdirSync(OUTPUT, { recursive: true })
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.getByLabel('API key').fill(key)
  await page.keyboard.press('Enter')
  await page.locator('[data-figure="submitted"]').waitFor({ timeout: 10_000 }).catch(async (err: Error) => {
    await page.screenshot({ path: join(OUTPUT, 'dashboard-sign-in-failed.png') })
    throw new Error(`${err.message}; page problems: ${problems.join(' | ')}; alert: ${await page.locator('#login-error').textContent()}`)
  })

  const api = (await app.inject({ url: '/v1/metrics/pipeline', headers: bearer(key) })).json()
  for (const figure of ['eligible', 'needsReview', 'motionsPrepared', 'submitted', 'accepted', 'rejected', 'granted', 'denied']) {
    t.equal(await page.locator(`[data-figure="${figure}"]`).textContent(), String(api.overall[figure]), `${figure} as the API counts it`)
  }
  t.equal(api.overall.submitted, 3)
  t.match(await page.locator('#weekly-chart svg title').textContent() ?? '', /3 prepared, 3 submitted, 0 granted/)
  await page.screenshot({ path: join(OUTPUT, 'dashboard-pipeline.png'), fullPage: true })

  // Keyboard only: tab to the review queue and decide.
  await page.getByRole('button', { name: 'Review queue' }).focus()
  await page.keyboard.press('Enter')
  const row = page.locator('#queue-table tbody tr').first()
  await row.waitFor()
  await row.locator('select').selectOption('reduce_to_misdemeanor')
  await row.locator('input[type=text]').fill('Facts of the 2001 case show no super strike')
  await row.getByRole('button', { name: 'Decide' }).click()
  await page.getByText(/^Decided: SCN600009/).waitFor()
  const decided = await handle.db.selectFrom('determinations').select(['decided_outcome', 'decision_reason']).where('decided_outcome', 'is not', null).execute()
  t.same(decided, [{ decided_outcome: 'reduce_to_misdemeanor', decision_reason: 'Facts of the 2001 case show no super strike' }], 'the decision reached the database')
  await page.screenshot({ path: join(OUTPUT, 'dashboard-review.png'), fullPage: true })

  await page.getByRole('button', { name: 'Filings' }).click()
  await page.locator('#filings-table tbody tr').first().getByRole('button', { name: 'Timeline' }).click()
  await page.locator('#timeline-events li').first().waitFor()
  t.ok(await page.locator('#timeline-events li').count() >= 3, 'the timeline lists the moves')

  await page.getByRole('button', { name: 'Outcome reports' }).click()
  const report = 'case_number,defendant_name,defendant_dob,court_filing_id,filing_id,code_section,ruling,order_date,docket_id\n' +
    `,,,,${filingIds[0]},,granted,2026-11-27,\n,,,,nope,,granted,,\n`
  await page.setInputFiles('#report-file', { name: 'rulings.csv', mimeType: 'text/csv', buffer: Buffer.from(report) })
  await page.getByRole('button', { name: 'Upload and reconcile' }).click()
  await page.locator('[data-summary="matched"]').waitFor()
  t.equal(await page.locator('[data-summary="matched"]').textContent(), '1')
  t.equal(await page.locator('[data-summary="unmatched"]').textContent(), '1')
  t.equal(await page.locator('[data-summary="omitted"]').textContent(), '2')
  await page.screenshot({ path: join(OUTPUT, 'dashboard-report.png'), fullPage: true })
  t.same(problems, [], 'no script errors in the page')
})
