import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { bearer, buildTestApp, sanFranciscoCourtsFile } from '../helper.js'
import { seedRecords } from '../../bench/seed-records.js'
import { launchChromium, noChromium, pageProblems } from './chromium.js'

/*
 * The dashboard at a county's size, in real headless Chromium: 5,000 convictions waiting for review and 5,000
 * filings. A deputy DA finds a person by name and by case number, pages to the last page, filters by court and
 * state, decides ten convictions at once; a clerk sees no decision controls; the pages are read at 1280 px and at
 * 420 px (screenshots under .test-output/), with no script error and no content-security-policy violation.
 */
const OUTPUT = fileURLToPath(new URL('../../.test-output/', import.meta.url))
const N = 5_000
const COURTS = [
  ['CA-SF', 'Superior Court of California, County of San Francisco'],
  ['CA-SF-HOJ', 'San Francisco Superior Court, Hall of Justice'],
  ['CA-SF-CC', 'San Francisco Superior Court, Civic Center Courthouse']
] as const

t.setTimeout(300_000)

t.test(
  'a deputy DA and a clerk use the dashboard over 5,000 convictions and 5,000 filings',
  { skip: noChromium },
  async (t) => {
    const courtsFile = sanFranciscoCourtsFile(
      'http://127.0.0.1:9/ecf',
      {},
      COURTS.slice(1).map(([id, name]) => ({
        id,
        name,
        county: 'SAN FRANCISCO',
        adapter: 'simulator',
        endpoint: 'http://127.0.0.1:9/ecf'
      }))
    )
    const { app, handle, keyFor } = await buildTestApp(t, { courtsFile })
    const seeded = await seedRecords(handle.db, {
      county: 'SAN FRANCISCO',
      n: N,
      courts: COURTS.map(([id]) => id)
    })
    await seedRecords(handle.db, { county: 'ALAMEDA', n: 20, courts: ['CA-ALAMEDA'], prefix: 'A' })
    const deputy = await keyFor('deputy_da', 'SAN FRANCISCO')
    const clerk = await keyFor('clerk', 'SAN FRANCISCO')
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    mkdirSync(OUTPUT, { recursive: true })

    const browser = await launchChromium()
    t.teardown(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems = pageProblems(page)
    await page.goto(`${address}/`)
    t.notOk(await page.locator('#nav').isVisible(), 'no navigation before signing in')
    await page.getByLabel('API key').fill(deputy)
    await page.keyboard.press('Enter')
    await page.locator('[data-figure="needsReview"]').waitFor()
    t.equal(await page.locator('[data-figure="needsReview"]').textContent(), '5,000', 'thousands separated')

    await page.getByRole('button', { name: 'Review queue' }).click()
    const status = page.locator('#queue-status')
    await page.locator('#queue-table tbody tr').first().waitFor()
    t.match(await status.textContent(), /^1–100 of 5,000 waiting/, 'the total, not the first page')
    t.match(
      await page.locator('#queue-table tbody tr').first().textContent(),
      /count 1 of case SCN000000/,
      'a count as people say it'
    )

    // By name, words in any order and case; then by case number.
    const someone = seeded[1234]!
    const [family, given] = someone.name.split(',') as [string, string]
    const find = async (text: string) => {
      await page.getByLabel('Name, case number, CII or id').fill(text)
      await page.locator('#queue-filters').getByRole('button', { name: 'Search' }).click()
      await page.locator('#queue-status', { hasText: /of \d|None|Nothing/ }).waitFor()
    }
    await find(`${given.toLowerCase()} ${family.toLowerCase()}`)
    await page.locator(`#queue-table tbody tr[data-determination="${someone.determinationId}"]`).waitFor()
    t.equal(await page.locator('#queue-table tbody tr').count(), 1, `found by name: ${given} ${family}`)
    await find(someone.caseNumber)
    await page.locator(`#queue-table tbody tr[data-determination="${someone.determinationId}"]`).waitFor()
    t.equal(await page.locator('#queue-table tbody tr').count(), 1, 'found by case number')

    // The last page, then a court.
    await find('')
    await page.locator('#queue-pager').getByRole('button', { name: 'Last »' }).click()
    await page.locator('#queue-status', { hasText: /^4,901–5,000/ }).waitFor()
    t.match(await status.textContent(), /^4,901–5,000 of 5,000 waiting/, 'the last page')
    t.ok(await page.locator('#queue-pager').getByRole('button', { name: 'Next ›' }).isDisabled(), 'nothing after it')
    await page.locator('#queue-pager').getByRole('button', { name: '‹ Previous' }).click()
    await page.locator('#queue-status', { hasText: /^4,801–4,900 of 5,000/ }).waitFor()
    t.pass('and back one page from it')
    const [courtId, courtName] = COURTS[1]
    await page.getByLabel('Court', { exact: true }).first().selectOption({ label: courtName })
    await page.locator('#queue-filters').getByRole('button', { name: 'Search' }).click()
    const inCourt = seeded.filter((s) => s.court === courtId).length
    await page.locator('#queue-status', { hasText: `of ${inCourt.toLocaleString('en-US')} waiting` }).waitFor()
    t.pass(`filtered by court by name: ${inCourt} waiting`)
    await page.screenshot({ path: join(OUTPUT, 'dashboard-queue-1280.png'), fullPage: false })

    // Ten at once, one reason.
    const boxes = page.locator('#queue-table tbody input.pick')
    const picked: string[] = []
    for (let i = 0; i < 10; i++) {
      await boxes.nth(i).check()
      picked.push((await boxes.nth(i).getAttribute('value'))!)
    }
    await page.getByLabel('Decision for the selected').selectOption('dismiss_and_seal')
    await page.getByLabel('Reason (one for all)').fill('Sentences completed; docket checked 11/30')
    await page.getByRole('button', { name: 'Decide selected' }).click()
    await page.locator('#queue-status', { hasText: /^Decided 10/ }).waitFor()
    const decided = await handle.db
      .selectFrom('determinations')
      .select('id')
      .where('decided_outcome', '=', 'dismiss_and_seal')
      .execute()
    t.same(decided.map((d) => d.id).sort(), [...picked].sort(), 'the ten, and only them')
    const audits = await handle.db
      .selectFrom('audit_events')
      .select('record_id')
      .where('action', '=', 'determination.decide')
      .execute()
    t.equal(audits.length, 10, 'an audit row each')
    t.match(
      await status.textContent(),
      new RegExp(`of ${(inCourt - 10).toLocaleString('en-US')} waiting`),
      'they left the queue'
    )

    // Filings by court and state, each row naming its case and defendant.
    await page.getByRole('button', { name: 'Filings' }).click()
    await page.locator('#filings-table tbody tr').first().waitFor()
    t.match(await page.locator('#filings-status').textContent(), /of 5,000 filings/)
    await page.locator('#filings-court').selectOption({ label: courtName })
    await page.locator('#filings-state').selectOption({ label: 'Denied' })
    await page.locator('#filings-filters').getByRole('button', { name: 'Search' }).click()
    const grantedThere = seeded.filter((s) => s.court === courtId && s.filingState === 'denied')
    await page
      .locator('#filings-status', { hasText: `of ${grantedThere.length.toLocaleString('en-US')} filings` })
      .waitFor()
    const firstRow = page.locator('#filings-table tbody tr').first()
    const shown = await firstRow.getAttribute('data-filing')
    const expected = grantedThere.find((s) => s.filingId === shown)
    t.ok(expected, 'a denied filing of that court')
    t.match(
      await firstRow.textContent(),
      new RegExp(`${expected!.caseNumber}.*${expected!.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*Denied`)
    )
    t.equal(
      await firstRow.locator('time').getAttribute('title'),
      await firstRow.locator('time').getAttribute('datetime'),
      'the exact time in a tooltip'
    )
    await page.screenshot({ path: join(OUTPUT, 'dashboard-filings-1280.png'), fullPage: false })
    // Filed from a day after every one of them: none.
    await page.getByLabel('Filed from').fill('2026-11-02')
    await page.locator('#filings-filters').getByRole('button', { name: 'Search' }).click()
    await page.locator('#filings-status', { hasText: /^None match\.$/ }).waitFor()
    await page.getByLabel('Filed from').fill('2026-11-01')
    await page.getByLabel('Filed to').fill('2026-11-01')
    await page.locator('#filings-filters').getByRole('button', { name: 'Search' }).click()
    await page
      .locator('#filings-status', { hasText: `of ${grantedThere.length.toLocaleString('en-US')} filings` })
      .waitFor()
    t.pass('filtered by the day filed, that day included')

    // Narrow: every view fits 420 px.
    await page.setViewportSize({ width: 420, height: 900 })
    for (const view of ['Pipeline', 'Review queue', 'Filings']) {
      await page.getByRole('button', { name: view }).click()
      await page.waitForTimeout(300)
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'))
      t.ok(width <= 420, `${view} fits 420 px (${width})`)
      await page.screenshot({
        path: join(OUTPUT, `dashboard-${view.toLowerCase().replace(' ', '-')}-420.png`),
        fullPage: false
      })
    }
    t.same(problems, [], 'no script errors or CSP violations')

    // A clerk: no decision controls.
    const clerkPage = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const clerkProblems = pageProblems(clerkPage)
    await clerkPage.goto(`${address}/`)
    await clerkPage.getByLabel('API key').fill(clerk)
    await clerkPage.keyboard.press('Enter')
    await clerkPage.locator('[data-figure="needsReview"]').waitFor()
    await clerkPage.getByRole('button', { name: 'Review queue' }).click()
    await clerkPage.locator('#queue-table tbody tr').first().waitFor()
    t.equal(
      await clerkPage.locator('#queue-table tbody select, #queue-table tbody button').count(),
      0,
      'no decide controls'
    )
    t.notOk(await clerkPage.locator('#queue-bulk').isVisible(), 'no bulk decision')
    t.ok(
      await clerkPage.getByRole('button', { name: 'Outcome reports' }).isVisible(),
      'the outcome reports are the clerk’s'
    )
    t.same(clerkProblems, [], 'no script errors for the clerk either')
    const res = await app.inject({ url: '/v1/session', headers: bearer(clerk) })
    t.equal(res.json().may.decide, false)
  }
)
