import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { filingById } from '../../src/db/filing-repository.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { writeFilingMessage } from '../../src/filing/filing-message.js'
import { bearer, buildTestApp, caseBody, fileCase, sanFranciscoCourtsFile } from '../helper.js'

/*
 * The court's own id for a case (nc:CaseTrackingID), from the DA's intake: stored with the case, sent beside the
 * case number in every filing in it, and what a court that keys its cases on it is asked and matched by.
 */
const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test("a case's court id is stored, shown, and sent as nc:CaseTrackingID beside its number", async (t) => {
  const { app, keyFor, services } = await buildTestApp(t, {
    daProfilesFile,
    courtsFile: sanFranciscoCourtsFile('http://127.0.0.1:9/ecf')
  })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const withId = await fileCase(app, key, caseBody({ case: { courtCaseId: ' CPF-26-000123 ' } }))
  const kase = (await app.inject({ url: `/v1/cases/${withId.caseId}`, headers: bearer(key) })).json()
  t.equal(kase.courtCaseId, 'CPF-26-000123')
  const message = async (id: string) =>
    (await writeFilingMessage(services.pipeline, await filingById(services.db, id))).xml
  const xml = await message(withId.filingId)
  t.same(
    [...xml.matchAll(/<nc:CaseTrackingID>([^<]*)</g)].map((m) => m[1]),
    ['CPF-26-000123']
  )
  t.same(
    [...xml.matchAll(/<nc:CaseDocketID>([^<]*)</g)].map((m) => m[1]),
    ['SCN123456']
  )
  t.same(ecfProblems(xml), [], 'still valid ECF 4.01')

  const without = await fileCase(
    app,
    key,
    caseBody({ person: { cii: 'A22345678', dojSubjectId: '1000002' }, case: { caseNumber: 'SCN223456' } })
  )
  t.equal((await app.inject({ url: `/v1/cases/${without.caseId}`, headers: bearer(key) })).json().courtCaseId, null)
  const plain = await message(without.filingId)
  t.notMatch(plain, 'CaseTrackingID')
  // Learnt after intake (a DOJ case, or the court's index read later): set on the stored case, audited.
  const patch = (payload: object, k = key, id = without.caseId) =>
    app.inject({ method: 'PATCH', url: `/v1/cases/${id}`, headers: bearer(k), payload })
  t.equal((await patch({ courtCaseId: 'CPF-26-000999' }, await keyFor('deputy_da', 'ALAMEDA'))).statusCode, 404)
  t.equal((await patch({ courtCaseId: 'CPF-26-000999' }, await keyFor('clerk', 'SAN FRANCISCO'))).statusCode, 403)
  t.match((await patch({ caseNumber: 'X' })).json(), { code: 'CLEARFILE_ERR_VALIDATION' }, 'only the court case id')
  const patched = await patch({ courtCaseId: 'CPF-26-000999' })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().courtCaseId, 'CPF-26-000999')
  t.equal(patched.json().caseNumber, 'SCN223456')
  const again = await fileCase(
    app,
    key,
    caseBody({ person: { cii: 'A32345678', dojSubjectId: '1000003' }, case: { caseNumber: 'SCN423456' } })
  )
  await patch({ courtCaseId: 'CPF-26-000777' }, key, again.caseId)
  t.match(
    await message(again.filingId),
    '<nc:CaseTrackingID>CPF-26-000777</nc:CaseTrackingID>',
    'a message built after carries it'
  )
  t.equal((await patch({ courtCaseId: null })).json().courtCaseId, null, 'and null takes it away')
  const audited = await services.db
    .selectFrom('audit_events')
    .select('record_id')
    .where('action', '=', 'case.update')
    .execute()
  t.equal(audited.length, 3)
  const tooLong = await app.inject({
    method: 'POST',
    url: '/v1/cases',
    headers: bearer(key),
    payload: caseBody({ case: { caseNumber: 'SCN323456', courtCaseId: 'X'.repeat(101) } })
  })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.json(), { code: 'CLEARFILE_ERR_VALIDATION' })
})

t.test(
  'a send cut off at a court that keeps no filer ids and lists cases by its own ids is found there by that id, never sent twice',
  async (t) => {
    const faults = { dropAfterReceipt: 1 }
    const court = await startSimulatedCourt({
      reviewDelayMs: 50,
      rulingDelayMs: 50,
      acceptRate: 1,
      rulings: { granted: 1, denied: 0, partially_granted: 0 },
      echoFilerIds: false,
      faults
    })
    t.teardown(() => court.close())
    const { app, keyFor, runJobs, clock } = await buildTestApp(t, {
      daProfilesFile,
      courtsFile: sanFranciscoCourtsFile(court.url, { echoesFilerIds: false }),
      pollIntervalSeconds: 1
    })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const { filingId } = await fileCase(app, key, caseBody({ case: { courtCaseId: 'CPF-26-000123' } }))
    const view = async () => (await app.inject({ url: `/v1/filings/${filingId}`, headers: bearer(key) })).json()
    await runJobs()
    t.equal((await view()).state, 'unknown', 'the receipt never came')
    faults.dropAfterReceipt = 0
    for (let i = 0; i < 6 && (await view()).state !== 'granted'; i++) {
      await sleep(80)
      clock.set(new Date(clock.now().getTime() + 1500))
      await runJobs()
    }
    const done = await view()
    t.equal(done.state, 'granted')
    t.match(
      done.events.find(
        (e: { to: string; detail: { reconciled?: boolean } }) => e.to === 'submitted' && e.detail?.reconciled
      )?.detail,
      { by: 'case', courtFilingId: /^SIM-/ }
    )
    t.equal(court.filings(), 1, 'at the court once')
    t.equal(court.submissions().get(filingId), 1)
  }
)
