import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { documentFileName } from '../../../src/api/routes/documents.js'
import { generateDojRows } from '../../../src/ingest/generate-doj.js'
import { bearer, buildTestApp, caseBody } from '../../helper.js'

const daProfilesFile = fileURLToPath(new URL('../../fixtures/da-profiles.json', import.meta.url))

const pdfText = (bytes: Buffer) => {
  const file = join(mkdtempSync(join(tmpdir(), 'clearfile-doc-')), 'd.pdf')
  writeFileSync(file, bytes)
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
}

t.test(
  "a case's motion and proposed order are prepared from its determinations, stored by content and served as PDF",
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t, { daProfilesFile })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const created = (
      await app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers: bearer(key),
        payload: caseBody({ person: { name: 'Nguyễn Văn Thành' } })
      })
    ).json()
    const prepared = await app.inject({
      method: 'POST',
      url: `/v1/cases/${created.id}/documents`,
      headers: bearer(key)
    })
    t.equal(prepared.statusCode, 201)
    const items = prepared.json().items
    t.same(items.map((d: { kind: string }) => d.kind).sort(), ['motion', 'proposed_order'])
    const listed = (await app.inject({ url: `/v1/cases/${created.id}/documents`, headers: bearer(key) })).json().items
    t.equal(listed.length, 2)
    const motion = items.find((d: { kind: string }) => d.kind === 'motion')
    const pdf = await app.inject({ url: motion.url, headers: bearer(key) })
    t.equal(pdf.statusCode, 200)
    t.equal(pdf.headers['content-type'], 'application/pdf')
    t.equal(
      pdf.headers['content-disposition'],
      'inline; filename="SCN123456-motion.pdf"',
      'saved under its case number'
    )
    const order = items.find((d: { kind: string }) => d.kind === 'proposed_order')
    t.equal(
      (await app.inject({ url: order.url, headers: bearer(key) })).headers['content-disposition'],
      'inline; filename="SCN123456-proposed-order.pdf"'
    )
    t.equal(createHash('sha256').update(pdf.rawPayload).digest('hex'), motion.sha256, 'the bytes are the ones named')
    const text = pdfText(pdf.rawPayload)
    t.match(text, /NGUYỄN VĂN THÀNH/)
    t.match(text, /SCN123456/)
    t.match(text, /HS 11359 \(felony\)/)

    const again = (
      await app.inject({ method: 'POST', url: `/v1/cases/${created.id}/documents`, headers: bearer(key) })
    ).json().items
    t.same(
      again.map((d: { id: string }) => d.id).sort(),
      items.map((d: { id: string }) => d.id).sort(),
      'the same papers are not stored twice'
    )
    t.equal((await handle.db.selectFrom('documents').selectAll().execute()).length, 2)
    const la = await keyFor('deputy_da', 'LOS ANGELES')
    t.equal(
      (await app.inject({ url: motion.url, headers: bearer(la) })).statusCode,
      404,
      'another county cannot fetch it'
    )
  }
)

t.test('papers need a DA profile for the county and a count with relief', async (t) => {
  const { app, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const created = (
    await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  ).json()
  const res = await app.inject({ method: 'POST', url: `/v1/cases/${created.id}/documents`, headers: bearer(key) })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'CLEARFILE_ERR_DA_PROFILE_MISSING')

  const withProfiles = await buildTestApp(t, { daProfilesFile })
  const k2 = await withProfiles.keyFor('deputy_da', 'SAN FRANCISCO')
  const burglary = (
    await withProfiles.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers: bearer(k2),
      payload: caseBody({
        counts: [{ codeSection: '459 PC', severity: 'F', disposition: 'convicted', convictionDate: '2010-01-01' }]
      })
    })
  ).json()
  const none = await withProfiles.app.inject({
    method: 'POST',
    url: `/v1/cases/${burglary.id}/documents`,
    headers: bearer(k2)
  })
  t.equal(none.statusCode, 422)
  t.equal(none.json().code, 'CLEARFILE_ERR_NOT_ELIGIBLE')
})

t.test(
  "a finished review's papers are prepared in the background, one bulk motion and schedule per court",
  async (t) => {
    const { app, keyFor, runJobs } = await buildTestApp(t, { daProfilesFile })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const run = (
      await app.inject({
        method: 'POST',
        url: '/v1/reviews?asOf=2026-11-28',
        headers: { ...bearer(key), 'content-type': 'text/csv' },
        payload: [...generateDojRows({ rows: 1500, seed: 12 })].join('')
      })
    ).json()
    const early = await app.inject({
      method: 'POST',
      url: `/v1/reviews/${run.id}/documents`,
      headers: bearer(key),
      payload: { scope: 'bulk' }
    })
    t.equal(early.statusCode, 409, 'not before the review is done')
    await runJobs()
    const queued = await app.inject({
      method: 'POST',
      url: `/v1/reviews/${run.id}/documents`,
      headers: bearer(key),
      payload: { scope: 'bulk' }
    })
    t.equal(queued.statusCode, 202)
    t.equal(await runJobs(), 1)
    const docs = (await app.inject({ url: `/v1/reviews/${run.id}/documents`, headers: bearer(key) })).json().items
    t.same(docs.map((d: { kind: string }) => d.kind).sort(), ['motion', 'schedule'])
    const schedule = docs.find((d: { kind: string }) => d.kind === 'schedule')
    const text = pdfText((await app.inject({ url: schedule.url, headers: bearer(key) })).rawPayload)
    t.match(text, /SCHEDULE A/)
  }
)

t.test('a paper is saved under its case numbers, in characters any file system and header take', async (t) => {
  const doc = { kind: 'motion', review_run_id: null, sha256: 'ab'.repeat(32) }
  t.equal(documentFileName(doc, ['SCN123456']), 'SCN123456-motion.pdf')
  t.equal(documentFileName(doc, ['SCN1', 'SCN2', 'SCN3']), 'SCN1-and-2-more-motion.pdf')
  t.equal(documentFileName(doc, ['23CR/001 "A"']), '23CR-001-A-motion.pdf', 'no slash or quote reaches the header')
  t.equal(
    documentFileName({ ...doc, kind: 'schedule', review_run_id: '0190abcd-ef' }, []),
    'review-0190abcd-schedule.pdf'
  )
  t.equal(documentFileName(doc, ['///']), 'abababababab-motion.pdf', 'nothing usable: the content hash')
})
