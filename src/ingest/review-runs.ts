import { join } from 'node:path'
import type { Kysely, Selectable } from 'kysely'
import type { Clock } from '../clock.js'
import type { Principal } from '../db/api-client-repository.js'
import { recordAudit } from '../db/audit-repository.js'
import { determinationRow, insertDeterminations } from '../db/determination-repository.js'
import { newId } from '../db/ids.js'
import { enqueueJob, type JobRow } from '../db/job-repository.js'
import { policySha256 } from '../db/policy-repository.js'
import type { Database, ReviewRunsTable } from '../db/schema.js'
import { formatCodeSection } from '../eligibility/code-section.js'
import { listVersions } from '../eligibility/offense-lists.js'
import { parsePolicy, type Policy } from '../eligibility/policy.js'
import { PROP64_LIST } from '../eligibility/prop64-floor.js'
import type { JobHandler } from '../workers/job-runner.js'
import type { BatchResult } from './doj-review-batch.js'
import { reviewDojFile } from './doj-review.js'
import { ClearfileError } from '../errors.js'

export type ReviewRunRow = Selectable<ReviewRunsTable>

export const REVIEW_JOB = 'review'

export const uploadPath = (dataDir: string, runId: string) => join(dataDir, 'uploads', `${runId}.csv`)
export const reviewOutputDir = (dataDir: string, runId: string) => join(dataDir, 'reviews', runId)

export interface NewReviewRun {
  id: string
  county: string
  asOf: string
  policy: Policy
  inputName: string | null
  totalBytes: number
  principal: Principal
  requestId: string | null
}

/** Records a review run and queues its job in one transaction: a run exists exactly when its work is queued. */
export async function createReviewRun (db: Kysely<Database>, run: NewReviewRun, now: Date): Promise<ReviewRunRow> {
  return db.transaction().execute(async (trx) => {
    const row: ReviewRunRow = {
      id: run.id,
      county: run.county,
      as_of: run.asOf,
      state: 'queued',
      policy: JSON.stringify(run.policy),
      policy_sha256: policySha256(run.policy),
      policy_name: run.policy.name,
      list_versions: JSON.stringify({ ...listVersions(), [PROP64_LIST.id]: PROP64_LIST.version }),
      input_sha256: null,
      input_name: run.inputName,
      total_bytes: run.totalBytes,
      bytes_read: 0,
      rows_read: 0,
      rows_rejected: 0,
      figures: null,
      error: null,
      created_by: run.principal.clientId,
      created_at: now.toISOString(),
      started_at: null,
      finished_at: null
    }
    await trx.insertInto('review_runs').values(row).execute()
    await enqueueJob(trx, { kind: REVIEW_JOB, payload: { runId: run.id }, dedupeKey: `review:${run.id}`, runAt: now, maxAttempts: 3 }, now)
    await recordAudit(trx, { principal: run.principal, requestId: run.requestId, now }, [
      { action: 'review.create', recordType: 'review_run', recordId: run.id, county: run.county, detail: { bytes: run.totalBytes, policy: run.policy.name } }
    ])
    return row
  })
}

/** A review run the key may see (its county's, or any for admin keys); 404 otherwise, as if it did not exist. */
export async function findReviewRun (db: Kysely<Database>, id: string, county: string | null): Promise<ReviewRunRow> {
  let query = db.selectFrom('review_runs').selectAll().where('id', '=', id)
  if (county !== null) query = query.where('county', '=', county)
  const row = await query.executeTakeFirst()
  if (!row) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such review')
  return row
}

/**
 * The job that runs a queued review: streams the uploaded file through the
 * engine, stores each decided person with their county's cases, convictions and
 * determinations against the run, and keeps progress readable. A retried run
 * starts over: its earlier determinations are removed, people and cases are
 * matched, not duplicated.
 */
export function reviewJobHandler (deps: { db: Kysely<Database>, clock: Clock, dataDir: string }): JobHandler {
  return async (job: JobRow, { heartbeat }) => {
    const { runId } = JSON.parse(job.payload) as { runId: string }
    const { db, clock } = deps
    const run = await db.selectFrom('review_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow()
    const policy = parsePolicy(JSON.parse(run.policy))
    const creator = await db.selectFrom('api_clients').select(['id', 'role']).where('id', '=', run.created_by ?? '').executeTakeFirst()
    const actor: Principal = { clientId: creator?.id ?? 'system', role: creator?.role ?? 'admin', county: run.county }
    await db.deleteFrom('determinations').where('review_run_id', '=', runId).execute()
    await db.updateTable('review_runs').set({ state: 'running', started_at: clock.now().toISOString(), error: null }).where('id', '=', runId).execute()
    let lastProgress = 0
    const result = await reviewDojFile({
      file: uploadPath(deps.dataDir, runId),
      county: run.county,
      asOf: run.as_of,
      policy,
      outDir: reviewOutputDir(deps.dataDir, runId),
      onProgress: ({ bytesRead, rowsRead }) => {
        const t = Date.now()
        if (t - lastProgress < 1000) return
        lastProgress = t
        void db.updateTable('review_runs').set({ bytes_read: bytesRead, rows_read: rowsRead }).where('id', '=', runId).execute()
        void heartbeat()
      },
      onBatch: (batch) => storeReviewBatch(db, run, actor, batch, clock.now().toISOString())
    })
    const s = result.summary
    await db.updateTable('review_runs').set({
      state: result.ok ? 'done' : 'failed',
      error: result.reason ?? null,
      input_sha256: s.inputSha256,
      bytes_read: run.total_bytes ?? 0,
      rows_read: s.rowsRead,
      rows_rejected: s.rowsRejected,
      figures: JSON.stringify(s),
      finished_at: clock.now().toISOString()
    }).where('id', '=', runId).execute()
  }
}

/** Stores one batch of decided people, in one transaction, with one audit row per person. */
async function storeReviewBatch (db: Kysely<Database>, run: ReviewRunRow, actor: Principal, batch: BatchResult, now: string): Promise<void> {
  if (!batch.subjects || batch.subjects.length === 0) return
  await db.transaction().execute(async (trx) => {
    const determinations = []
    const audit = []
    for (const { subject, determinations: decided } of batch.subjects!) {
      const subjectId = subject.record.subjectId
      let person = await trx.selectFrom('people').select('id').where('county', '=', run.county).where('doj_subject_id', '=', subjectId).executeTakeFirst()
      if (!person) {
        person = { id: newId() }
        await trx.insertInto('people').values({
          id: person.id, county: run.county, doj_subject_id: subjectId, cii: subject.cii || null, name: subject.name || '(no name on record)',
          aliases: '[]', dob: subject.record.dob, deceased: subject.record.deceased ? 1 : 0, created_at: now, updated_at: now
        }).execute()
      }
      const cases = new Map<string, string>()
      const convictionIds = new Map<string, string>()
      for (const c of subject.record.convictions) {
        if (c.county !== run.county) continue
        const caseKey = c.id.slice(0, 6)
        const caseNumber = c.caseNumber ?? `DOJ ${subjectId}/${caseKey}`
        const courtId = c.court ?? `${run.county} SUPERIOR COURT`
        let caseId = cases.get(caseKey)
        if (!caseId) {
          const existing = await trx.selectFrom('court_cases').select('id')
            .where('county', '=', run.county).where('court_id', '=', courtId).where('case_number', '=', caseNumber).where('person_id', '=', person.id)
            .executeTakeFirst()
          caseId = existing?.id ?? newId()
          if (!existing) {
            await trx.insertInto('court_cases').values({
              id: caseId, person_id: person.id, county: run.county, court_id: courtId, case_number: caseNumber, cycle: c.id.slice(0, 3),
              source: 'doj', created_by: run.created_by, created_at: now, updated_at: now
            }).execute()
          }
          cases.set(caseKey, caseId)
        }
        const existingConviction = await trx.selectFrom('convictions').select('id').where('case_id', '=', caseId).where('count_order', '=', c.id).executeTakeFirst()
        const convictionId = existingConviction?.id ?? newId()
        if (!existingConviction) {
          await trx.insertInto('convictions').values({
            id: convictionId, case_id: caseId, person_id: person.id, county: run.county, count_order: c.id,
            code_section_raw: c.sectionText, code_section: c.section ? formatCodeSection(c.section) : null, description: null,
            severity: c.severity, disposition: 'convicted', conviction_date: c.date, sentence: JSON.stringify(c.sentence),
            sentence_end_date: c.sentenceEnd, created_at: now
          }).execute()
        }
        convictionIds.set(c.id, convictionId)
      }
      for (const d of decided) determinations.push(determinationRow(d, convictionIds.get(d.convictionId)!, run.county, run.id, now))
      audit.push({ action: 'review.determine', recordType: 'person', recordId: person.id, county: run.county, detail: { reviewRunId: run.id, determinations: decided.length } })
    }
    await insertDeterminations(trx, determinations)
    await recordAudit(trx, { principal: actor, requestId: null, now: new Date(now) }, audit)
  })
}
