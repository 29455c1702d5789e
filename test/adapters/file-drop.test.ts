import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { fileDropAdapter } from '../../adapters/file-drop/adapter.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { startReportInboxes } from '../../src/outcomes/report-inbox.js'
import { loadCourts } from '../../src/filing/courts-config.js'
import { bearer, buildTestApp, fileCase } from '../helper.js'

const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))

t.test(
  'a court without e-filing gets each filing as a complete folder in its outbox, and rules through reports dropped in its inbox',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-file-drop-'))
    const outbox = join(dir, 'outbox')
    const inbox = join(dir, 'inbox')
    mkdirSync(outbox)
    mkdirSync(inbox)
    const courtsFile = join(dir, 'courts.json')
    writeFileSync(
      courtsFile,
      JSON.stringify([
        {
          id: 'CA-SF',
          name: 'Superior Court of California, County of San Francisco',
          county: 'SAN FRANCISCO',
          adapter: 'file-drop',
          outboxDir: outbox,
          inboxDir: inbox
        }
      ])
    )
    const { app, keyFor, runJobs, handle, clock } = await buildTestApp(t, { daProfilesFile, courtsFile })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const filing = { id: (await fileCase(app, key)).filingId }
    await runJobs()
    const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    t.match(await view(), { state: 'submitted', courtFilingId: `DROP-${filing.id}` })

    t.same(readdirSync(outbox), [filing.id], 'one folder, no partial one left behind')
    const folder = join(outbox, filing.id)
    t.same(readdirSync(folder).sort(), ['01-motion.pdf', '02-connected.pdf', 'filing.xml', 'manifest.json'])
    t.same(ecfProblems(readFileSync(join(folder, 'filing.xml'))), [], 'the package carries the schema-valid ECF filing')
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'))
    t.match(manifest, { filingId: filing.id, court: 'CA-SF', case: { docketId: 'SCN123456' } })
    for (const d of manifest.documents)
      t.equal(
        createHash('sha256')
          .update(readFileSync(join(folder, d.file)))
          .digest('hex'),
        d.sha256,
        `${d.file} as the manifest says`
      )
    const adapter = fileDropAdapter(loadCourts(courtsFile).get('CA-SF')!)
    t.same(
      await adapter.submit({ filingId: filing.id, xml: readFileSync(join(folder, 'filing.xml'), 'utf8') }),
      { courtFilingId: `DROP-${filing.id}` },
      'sending it again changes nothing'
    )
    t.same(
      await adapter.status(`DROP-${filing.id}`),
      {
        courtFilingId: `DROP-${filing.id}`,
        filingId: filing.id,
        status: 'received',
        ruling: null,
        statusText: "waiting for the clerk's outcome report"
      },
      "a court without e-filing says nothing until the clerk's report"
    )
    const since = new Date(0)
    t.same(await adapter.listSubmissions({ filingId: filing.id, caseNumbers: [], since }), {
      echoesFilerIds: true,
      filerId: 'clearfile',
      filings: [
        {
          courtFilingId: `DROP-${filing.id}`,
          filingId: filing.id,
          status: 'received',
          ruling: null,
          statusText: null,
          caseTrackingId: null,
          receivedAt: null,
          submitterId: null
        }
      ]
    })
    t.same(await adapter.listSubmissions({ filingId: 'never-sent', caseNumbers: [], since }), {
      echoesFilerIds: true,
      filerId: 'clearfile',
      filings: []
    })

    writeFileSync(
      join(inbox, 'rulings-2026-11-27.csv'),
      `filing_id,ruling,order_date\n${filing.id},granted,2026-11-27\n`
    )
    writeFileSync(join(inbox, 'hostile.xml'), '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    writeFileSync(join(inbox, '.still-copying.csv'), 'filing_id,ruling\n')
    await startReportInboxes(handle.db, loadCourts(courtsFile), clock.now())
    await runJobs()
    t.equal((await view()).state, 'granted', "the clerk's report in the inbox ruled on it")
    const processed = readdirSync(join(inbox, 'processed'))
    t.equal(processed.length, 1)
    t.match(processed[0], /^[0-9a-f-]{36}-rulings-2026-11-27\.csv$/)
    t.same(readdirSync(join(inbox, 'failed')).sort(), ['hostile.xml', 'hostile.xml.error.txt'])
    t.match(
      readFileSync(join(inbox, 'failed', 'hostile.xml.error.txt'), 'utf8'),
      /document type declaration is refused/
    )
    t.ok(existsSync(join(inbox, '.still-copying.csv')), 'a file still being written is left alone')
    const report = await handle.db
      .selectFrom('outcome_reports')
      .select(['uploaded_by', 'court_id'])
      .executeTakeFirstOrThrow()
    t.same(report, { uploaded_by: 'inbox:CA-SF', court_id: 'CA-SF' })
  }
)
