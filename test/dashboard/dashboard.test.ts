import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { openDatabase } from '../../src/db/database.js'
import { assertBuilt, CLI, childEnv, freePort, processDatabase, startServe } from '../serve-process.js'
import { launchChromium, noChromium, pageProblems } from './chromium.js'

/*
 * The whole loop as a new user runs it: `npm start` (embedded defaults:
 * simulated court, demonstration DA profile), then `clearfile demo`, then the
 * dashboard in real headless Chromium (Debian's, driven by playwright-core;
 * .ci/run installs it): sign in, check the figures against
 * GET /v1/metrics/pipeline, decide a review, follow a filing, upload an outcome
 * report. Screenshots of each step go under .test-output/.
 */
const OUTPUT = fileURLToPath(new URL('../../.test-output/', import.meta.url))

t.before(assertBuilt)
t.setTimeout(600_000)

t.test(
  "npm start, then clearfile demo: a generated county goes through review, papers, filing, rulings and the clerk's report; then the dashboard shows it",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-demo-'))
    const port = await freePort()
    const databaseUrl = await processDatabase(t, dir)
    // As `npm start` runs, but on this run's database, and polling every two seconds to keep the test short.
    const env = {
      CLEARFILE_DATA_DIR: join(dir, 'data'),
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      CLEARFILE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CLEARFILE_POLL_INTERVAL_SECONDS: '2',
      LOG_LEVEL: 'warn'
    }
    const serve = await startServe([], env)
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const demo = spawnSync(
      process.execPath,
      [CLI, 'demo', '--url', serve.address, '--people', '30', '--timeout', '120'],
      {
        env: childEnv(env),
        encoding: 'utf8',
        timeout: 240_000
      }
    )
    t.equal(demo.status, 0, demo.stderr)
    const m = /motions prepared (\d+) \/ submitted (\d+) \/ granted (\d+)/.exec(demo.stdout)
    t.ok(m, demo.stdout)
    const [prepared, submitted, granted] = m!.slice(1).map(Number) as [number, number, number]
    t.ok(
      prepared > 5 && submitted === prepared && granted > 0 && granted <= submitted,
      `${prepared} / ${submitted} / ${granted}`
    )
    t.match(demo.stdout, /^ +matched +[\d,]+ +convictions/m, 'the reconciliation table: matched convictions')
    for (const row of ['already recorded', 'conflicts', 'unmatched', 'omitted', 'malformed'])
      t.match(demo.stdout, new RegExp(`^ +${row} +0 `, 'm'), `the reconciliation table: ${row} 0`)
    const pipeline = async () =>
      (await (
        await fetch(`${serve.address}/v1/metrics/pipeline?county=SAN%20FRANCISCO`, {
          headers: { authorization: `Bearer ${admin}` }
        })
      ).json()) as { overall: Record<string, number> }
    const api = await pipeline()
    t.same(
      [api.overall.motionsPrepared, api.overall.submitted, api.overall.granted! + api.overall.partiallyGranted!],
      [prepared, submitted, granted],
      "the three numbers are the API's"
    )

    await t.test('the dashboard in headless Chromium', { skip: noChromium }, async (t) => {
      const browser = await launchChromium()
      t.teardown(() => browser.close())
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      const problems = pageProblems(page)
      mkdirSync(OUTPUT, { recursive: true })

      await page.goto(`${serve.address}/`)
      await page.getByLabel('API key').fill(admin)
      await page.keyboard.press('Enter')
      await page.locator('[data-figure="submitted"]').waitFor({ timeout: 15_000 })
      for (const figure of [
        'eligible',
        'needsReview',
        'motionsPrepared',
        'submitted',
        'accepted',
        'rejected',
        'granted',
        'partiallyGranted',
        'denied',
        'open'
      ]) {
        t.equal(
          await page.locator(`[data-figure="${figure}"]`).getAttribute('data-value'),
          String(api.overall[figure]),
          `${figure}: ${api.overall[figure]}, as the API counts it`
        )
      }
      t.match(
        (await page.locator('#weekly-chart svg title').textContent()) ?? '',
        new RegExp(`${prepared} prepared, ${submitted} submitted, ${granted} granted`)
      )
      await page.screenshot({ path: join(OUTPUT, 'dashboard-pipeline.png'), fullPage: true })

      // By keyboard: focus the review queue's button and press Enter, then decide the first conviction waiting.
      await page.getByRole('button', { name: 'Review queue' }).focus()
      await page.keyboard.press('Enter')
      const row = page.locator('#queue-table tbody tr').first()
      await row.waitFor()
      const determinationId = await row.getAttribute('data-determination')
      await row.locator('select').selectOption('not_eligible')
      await row.locator('input[type=text]').fill('The 2001 case was a super strike (PC 667(e)(2)(C)(iv))')
      await row.getByRole('button', { name: 'Decide' }).click()
      await page.getByText(/^Decided: /).waitFor()
      const handle = await openDatabase({ url: databaseUrl })
      try {
        const decided = await handle.db
          .selectFrom('determinations')
          .select(['decided_outcome', 'decision_reason'])
          .where('id', '=', determinationId!)
          .executeTakeFirstOrThrow()
        t.same(
          decided,
          {
            decided_outcome: 'not_eligible',
            decision_reason: 'The 2001 case was a super strike (PC 667(e)(2)(C)(iv))'
          },
          'the decision reached the database'
        )
      } finally {
        await handle.destroy()
      }
      await page.screenshot({ path: join(OUTPUT, 'dashboard-review.png'), fullPage: true })

      await page.getByRole('button', { name: 'Filings' }).click()
      await page.locator('#filings-table tbody tr').first().getByRole('button', { name: 'Timeline' }).click()
      await page.locator('#timeline-events li').first().waitFor()
      t.ok((await page.locator('#timeline-events li').count()) >= 4, 'the timeline lists the moves')
      await page.getByRole('button', { name: 'ECF filing (XML)' }).click()
      await page.locator('#timeline-xml .x-tag').first().waitFor()
      t.match(
        await page.locator('#timeline-xml').textContent(),
        /<[\w:]*CoreFilingMessage[\s\S]*<\/[\w:]*CoreFilingMessage>/,
        'the ECF message shown indented and coloured in the page, under its content security policy'
      )
      await page.screenshot({ path: join(OUTPUT, 'dashboard-filing-xml.png'), fullPage: true })
      const grantedFilings = (await (
        await fetch(`${serve.address}/v1/filings?state=granted&limit=1`, {
          headers: { authorization: `Bearer ${admin}` }
        })
      ).json()) as { items: Array<{ id: string }> }

      await page.getByRole('button', { name: 'Outcome reports' }).click()
      const report = `filing_id,ruling,order_date\n${grantedFilings.items[0]!.id},granted,2026-11-27\nnot-a-filing,granted,2026-11-27\n`
      await page.setInputFiles('#report-file', {
        name: 'rulings.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(report)
      })
      await page.getByRole('button', { name: 'Upload and reconcile' }).click()
      await page.locator('[data-summary="unmatched"]').waitFor()
      t.equal(
        await page.locator('[data-summary="unmatched"]').textContent(),
        '1',
        'the line that matches nothing is listed'
      )
      t.equal(await page.locator('[data-summary="malformed"]').textContent(), '0')
      t.ok(
        Number(await page.locator('[data-summary="alreadyRecorded"]').textContent()) >= 1,
        "the demo's report already recorded that ruling, count by count"
      )
      await page.screenshot({ path: join(OUTPUT, 'dashboard-report.png'), fullPage: true })
      t.same(problems, [], 'no script errors in the page')
    })
  }
)
