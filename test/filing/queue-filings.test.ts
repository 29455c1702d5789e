import { fileURLToPath } from 'node:url'
import t from 'tap'
import { newId } from '../../src/db/ids.js'
import { SUBMIT_JOB } from '../../src/filing/filing-jobs.js'
import { bearer, buildTestApp, sanFranciscoCourtsFile } from '../helper.js'

const daProfilesFile = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))

/**
 * A finished review of `cases` people with one case each and its papers, as a
 * county's review leaves them: stored straight into the tables, because drawing
 * 40,000 PDFs would test the renderer, not the queueing.
 */
async function seedReviewWithPapers(
  db: Awaited<ReturnType<typeof buildTestApp>>['handle']['db'],
  cases: number,
  now: string
): Promise<string> {
  const runId = newId()
  await db
    .insertInto('review_runs')
    .values({
      id: runId,
      county: 'SAN FRANCISCO',
      as_of: '2026-11-28',
      state: 'done',
      policy: 'statewide-default',
      policy_sha256: '0'.repeat(64),
      list_versions: '{}',
      input_sha256: null,
      rows_read: cases,
      rows_rejected: 0,
      figures: null,
      created_by: 'seed',
      created_at: now,
      finished_at: now,
      policy_name: 'statewide-default',
      input_name: null,
      total_bytes: null,
      bytes_read: 0,
      error: null,
      started_at: now
    })
    .execute()
  const page = 500
  for (let first = 0; first < cases; first += page) {
    const n = Math.min(page, cases - first)
    const people = Array.from({ length: n }, (_, i) => ({
      id: newId(),
      county: 'SAN FRANCISCO',
      doj_subject_id: String(10_000_000 + first + i),
      cii: null,
      name: `PERSON,NUMBER ${first + i}`,
      aliases: '[]',
      dob: '1970-01-01',
      deceased: 0,
      created_at: now,
      updated_at: now
    }))
    const courtCases = people.map((p, i) => ({
      id: newId(),
      person_id: p.id,
      county: 'SAN FRANCISCO',
      court_id: 'CA-SF',
      case_number: `SCN${700_000 + first + i}`,
      cycle: '001',
      source: 'doj' as const,
      created_by: 'seed',
      created_at: now,
      updated_at: now
    }))
    const documents = courtCases.flatMap((c) =>
      (['motion', 'proposed_order'] as const).map((kind) => ({
        id: newId(),
        county: 'SAN FRANCISCO',
        kind,
        scope: 'case' as const,
        sha256: newId(),
        pages: 1,
        bytes: 1,
        storage_key: `seed/${c.id}-${kind}.pdf`,
        review_run_id: runId,
        created_at: now
      }))
    )
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('people').values(people).execute()
      await trx.insertInto('court_cases').values(courtCases).execute()
      await trx.insertInto('documents').values(documents).execute()
      await trx
        .insertInto('document_cases')
        .values(documents.map((d, i) => ({ document_id: d.id, case_id: courtCases[Math.floor(i / 2)]!.id })))
        .execute()
    })
  }
  return runId
}

t.test(
  'a county review of 20,000 cases is filed in one request: 20,000 filings, each with its job, event and audit row, and asking again files nothing twice',
  async (t) => {
    const courtsFile = sanFranciscoCourtsFile('http://127.0.0.1:9')
    const { app, handle, keyFor, clock } = await buildTestApp(t, { courtsFile, daProfilesFile })
    const db = handle.db
    const CASES = 20_000
    const runId = await seedReviewWithPapers(db, CASES, clock.now().toISOString())
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')

    const res = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { reviewId: runId }
    })
    t.equal(res.statusCode, 202, res.statusCode === 202 ? 'queued in one request' : res.body.slice(0, 300))
    const body = res.json() as { filings: Array<{ id: string; caseIds: string[] }>; alreadyFiled: number }
    t.equal(body.filings.length, CASES)
    t.equal(new Set(body.filings.flatMap((f) => f.caseIds)).size, CASES, 'every case in exactly one filing')

    const count = async (table: 'filings' | 'filing_cases' | 'filing_documents' | 'filing_events') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n
      )
    t.equal(await count('filings'), CASES)
    t.equal(await count('filing_cases'), CASES)
    t.equal(await count('filing_documents'), 2 * CASES)
    t.equal(await count('filing_events'), CASES, 'one draft → queued move each')
    const queued = await db
      .selectFrom('filings')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow()
    t.equal(Number(queued.n), CASES)
    const jobs = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('kind', '=', SUBMIT_JOB.name)
      .executeTakeFirstOrThrow()
    t.equal(Number(jobs.n), CASES, 'one submit job each')
    const audited = await db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('action', '=', 'filing.queue')
      .executeTakeFirstOrThrow()
    t.equal(Number(audited.n), CASES, 'one audit row each')

    const again = await app.inject({
      method: 'POST',
      url: '/v1/filings',
      headers: bearer(key),
      payload: { reviewId: runId }
    })
    t.equal(again.statusCode, 202)
    t.equal(again.json().filings.length, 0)
    t.equal(again.json().alreadyFiled, CASES)
    t.equal(await count('filings'), CASES, 'nothing filed twice')
  }
)
