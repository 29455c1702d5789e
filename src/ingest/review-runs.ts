import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { yieldToEventLoop } from '../event-loop.js'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Clock } from '../clock.js'
import { apiClientRole, type Principal } from '../db/api-client-repository.js'
import { auditRows, recordAudit, type AuditEntry } from '../db/audit-repository.js'
import { deleteDeterminationsOfRun, type DeterminationRow } from '../db/determination-repository.js'
import { insertRows } from '../db/insert-rows.js'
import {
  finishReviewRun,
  insertReviewRun,
  markReviewRunning,
  recordReviewProgress,
  reviewRunById,
  reviewRunInScope,
  type ReviewRunRow
} from '../db/review-run-repository.js'
import { policySha256 } from './county-policy.js'
import type { Database } from '../db/schema.js'
import { listVersions } from '../eligibility/offense-lists.js'
import { parsePolicy } from '../eligibility/parse-policy.js'
import type { Policy } from '../eligibility/policy.js'
import { PROP64_LIST } from '../eligibility/prop64-floor.js'
import { defineJob, enqueue, handle, type RegisteredJob } from '../jobs/job-definition.js'
import type { BlobStore } from '../storage/blob-store.js'
import type { DojConviction } from './doj-file.js'
import type { BatchResult, DecidedSubject } from './doj-review-batch.js'
import {
  determinationRow,
  newCaseRows,
  newPersonRow,
  peopleNotOnFile,
  redeterminePerson,
  registrationRows,
  storeCase,
  storeRegistrations,
  upsertPerson,
  type CaseFacts,
  type CountFacts,
  type PersonInput
} from './person-records.js'
import type { CaseRow, ConvictionRow, PersonRow, RegistrationRow } from '../db/case-repository.js'
import { reviewDojFile } from './doj-review.js'
import { ClearfileError } from '../errors.js'
import { groupBy } from '../group-by.js'
import { refreshStaleStatistics } from '../db/table-statistics.js'

export type { ReviewRunRow } from '../db/review-run-repository.js'

/** A DOJ review: long work, in its own lane, so filings and deliveries never wait behind it. */
export const REVIEW_JOB = defineJob({
  name: 'review',
  payload: Type.Object({ runId: Type.String() }),
  maxAttempts: 3,
  lane: 'long',
  key: (p) => `review:${p.runId}`
})

/** Where a review's DOJ file waits in the document store until it is decided. */
export const uploadKey = (runId: string) => `uploads/${runId}.csv`
/** The files a review leaves, and where each is kept in the document store. */
export const REVIEW_OUTPUT_FILES = ['determinations.csv', 'errors.csv', 'summary.json'] as const
export const reviewOutputKey = (runId: string, file: (typeof REVIEW_OUTPUT_FILES)[number]) => `reviews/${runId}/${file}`

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
export async function createReviewRun(db: Kysely<Database>, run: NewReviewRun, now: Date): Promise<ReviewRunRow> {
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
    await insertReviewRun(trx, row)
    await enqueue(trx, REVIEW_JOB, { runId: run.id }, { runAt: now, now })
    await recordAudit(trx, { principal: run.principal, requestId: run.requestId, now }, [
      {
        action: 'review.create',
        recordType: 'review_run',
        recordId: run.id,
        county: run.county,
        detail: { bytes: run.totalBytes, policy: run.policy.name }
      }
    ])
    return row
  })
}

/** A review run the key may see (its county's, or any for admin keys); 404 otherwise, as if it did not exist. */
export async function findReviewRun(db: Kysely<Database>, id: string, county: string | null): Promise<ReviewRunRow> {
  const row = await reviewRunInScope(db, id, county)
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
export function reviewJob(deps: {
  db: Kysely<Database>
  clock: Clock
  /** Where the upload is read from and the outputs kept. */
  store: BlobStore
  /** This machine's scratch folder: the review reads and writes files there, then they go to the store. */
  scratchDir: string
  /** Keep the uploaded DOJ file once the review is done (config `retainDojUploads`); by default it is deleted. */
  retainUpload?: boolean
  /** Bytes read at a time by a review on this thread (a server's: see `DojReviewOptions.inlineReadBytes`). */
  inlineReadBytes?: number
}): RegisteredJob {
  return handle(REVIEW_JOB, async ({ runId }, _job, { heartbeat }) => {
    const { db, clock } = deps
    const run = await reviewRunById(db, runId)
    const policy = parsePolicy(JSON.parse(run.policy))
    const creator = await apiClientRole(db, run.created_by ?? '')
    const actor: Principal = { clientId: creator?.id ?? 'system', role: creator?.role ?? 'admin', county: run.county }
    await deleteDeterminationsOfRun(db, runId)
    await markReviewRunning(db, runId, clock.now().toISOString())
    let lastProgress = 0
    const upload = await deps.store.localFile(uploadKey(runId), deps.scratchDir)
    if (!upload)
      throw new ClearfileError('CLEARFILE_ERR_STORAGE_UNAVAILABLE', `The document store has no ${uploadKey(runId)}`)
    const outDir = join(deps.scratchDir, 'reviews', runId)
    const result = await reviewDojFile({
      file: upload.path,
      county: run.county,
      asOf: run.as_of,
      policy,
      outDir,
      ...(deps.inlineReadBytes ? { inlineReadBytes: deps.inlineReadBytes } : {}),
      onProgress: ({ bytesRead, rowsRead }) => {
        const t = Date.now()
        if (t - lastProgress < 1000) return
        lastProgress = t
        void recordReviewProgress(db, runId, { bytes_read: bytesRead, rows_read: rowsRead })
        void heartbeat()
      },
      onBatch: async (batch) => {
        const stored = await storeReviewBatch(db, run, policy, actor, batch, clock.now().toISOString())
        // The next batch looks its people up among those just stored: by plans made for the tables as they are.
        await refreshStaleStatistics(db)
        return stored
      }
    }).finally(() => upload.release())
    for (const file of REVIEW_OUTPUT_FILES) {
      const path = join(outDir, file)
      if (existsSync(path)) await deps.store.putFile(reviewOutputKey(runId, file), path)
    }
    await rm(outDir, { recursive: true, force: true })
    const s = result.summary
    await finishReviewRun(db, runId, {
      state: result.ok ? 'done' : 'failed',
      error: result.reason ?? null,
      input_sha256: s.inputSha256,
      bytes_read: run.total_bytes ?? 0,
      rows_read: s.rowsRead,
      rows_rejected: s.rowsRejected,
      figures: JSON.stringify(s),
      finished_at: clock.now().toISOString()
    })
    // The whole state's criminal histories need not stay on disk once decided: the review's outputs (and the
    // file's SHA-256, for provenance) remain. A failed review keeps its file, to be run again.
    if (result.ok && !deps.retainUpload) await deps.store.delete(uploadKey(runId))
  })
}

/**
 * Stores one batch of decided people, in one transaction, with one audit row
 * per person: each person's whole record in the file (every county's
 * convictions, registrations) through the one writer. A person new to the
 * database has no facts but the file's, so the file's determinations stand; a
 * person already on file is re-decided from everything stored, and the outputs
 * show that answer. Returns the subjects with the determinations that stand.
 */
async function storeReviewBatch(
  db: Kysely<Database>,
  run: ReviewRunRow,
  policy: Policy,
  actor: Principal,
  batch: BatchResult,
  now: string
): Promise<DecidedSubject[] | undefined> {
  if (!batch.subjects || batch.subjects.length === 0) return undefined
  const subjects = batch.subjects
  return db.transaction().execute(async (trx) => {
    const audit: AuditEntry[] = []
    const out: DecidedSubject[] = new Array(subjects.length)
    const fresh: DeterminationRow[] = []
    const personOf = ({ subject }: (typeof subjects)[number]): PersonInput => ({
      name: subject.name,
      dob: subject.record.dob,
      cii: subject.cii,
      dojSubjectId: subject.record.subjectId,
      deceased: subject.record.deceased
    })
    const caseFactsOf = (r: (typeof subjects)[number]['subject']['record']) =>
      [...groupBy(r.convictions, (c) => c.id.slice(0, 6))].map(([caseKey, counts]) => {
        const first = counts[0]!
        const facts: CaseFacts = {
          courtId: first.court ?? `${first.county ?? run.county} SUPERIOR COURT`,
          caseNumber: first.caseNumber ?? `DOJ ${r.subjectId}/${caseKey}`,
          cycle: caseKey.slice(0, 3),
          source: 'doj',
          createdBy: run.created_by,
          counts: counts.map((c) => countFacts(c, run.county))
        }
        return facts
      })
    const determined = (personId: string, i: number) =>
      audit.push({
        action: 'review.determine',
        recordType: 'person',
        recordId: personId,
        county: run.county,
        detail: { reviewRunId: run.id, determinations: subjects[i]!.determinations.length }
      })

    // People new to the database: their facts are the file's, so the file's determinations stand; stored together.
    const isNew = await peopleNotOnFile(trx, run.county, subjects.map(personOf))
    const people: PersonRow[] = []
    const cases: CaseRow[] = []
    const convictions: ConvictionRow[] = []
    const registrations: RegistrationRow[] = []
    for (const [i, decided] of subjects.entries()) {
      if (!isNew[i]) continue
      const r = decided.subject.record
      const person = newPersonRow(personOf(decided), { county: run.county, now, audit })
      people.push(person)
      const storedId = new Map<string, string>()
      for (const facts of caseFactsOf(r)) {
        const rows = newCaseRows(person.id, run.county, facts, now)
        cases.push(rows.kase)
        convictions.push(...rows.convictions)
        for (const c of rows.convictions) storedId.set(c.count_order, c.id)
      }
      registrations.push(...registrationRows(person.id, run.county, 'doj', r.registrations, now))
      for (const d of decided.determinations)
        fresh.push(determinationRow(d, storedId.get(d.convictionId)!, run.county, run.id, now))
      out[i] = decided
      determined(person.id, i)
    }
    await insertRows(trx, [
      { table: 'people', rows: people },
      { table: 'court_cases', rows: cases },
      { table: 'convictions', rows: convictions },
      { table: 'registrations', rows: registrations }
    ])

    // People on file: matched, their new facts stored, and re-decided from everything stored.
    for (const [i, decided] of subjects.entries()) {
      if (isNew[i]) continue
      // SQLite answers synchronously: let other requests in now and then while a batch is stored.
      if (i % 25 === 24) await yieldToEventLoop()
      const { subject, determinations } = decided
      const r = subject.record
      const { person, created } = await upsertPerson(trx, personOf(decided), {
        county: run.county,
        now,
        mode: 'doj',
        audit
      })
      const storedId = new Map<string, string>()
      for (const facts of caseFactsOf(r)) {
        const { countIds } = await storeCase(trx, person.id, run.county, facts, now, 'match')
        for (const c of facts.counts) storedId.set(c.countOrder, countIds.get(c.countOrder)!)
      }
      await storeRegistrations(trx, person.id, run.county, 'doj', r.registrations, now)
      determined(person.id, i)
      if (created) {
        // Another person than the one on file with this CII (mode doj): new too, and the file's answer stands.
        for (const d of determinations)
          fresh.push(determinationRow(d, storedId.get(d.convictionId)!, run.county, run.id, now))
        out[i] = decided
        continue
      }
      const runIds = new Set(determinations.map((d) => storedId.get(d.convictionId)!))
      const { determinations: whole } = await redeterminePerson(trx, person.id, {
        county: run.county,
        policy,
        asOf: run.as_of,
        now,
        run: { id: run.id, convictionIds: runIds }
      })
      const dojId = new Map([...storedId].map(([doj, stored]) => [stored, doj]))
      out[i] = {
        subject,
        determinations: whole
          .filter((d) => dojId.has(d.convictionId))
          .map((d) => ({ ...d, convictionId: dojId.get(d.convictionId)! }))
      }
    }
    await insertRows(trx, [
      { table: 'determinations', rows: fresh },
      { table: 'audit_events', rows: auditRows({ principal: actor, requestId: null, now: new Date(now) }, audit) }
    ])
    return out
  })
}

/** A DOJ count as the one writer stores it; the county whose court convicted is kept when it is not the review's. */
function countFacts(c: DojConviction, county: string): CountFacts {
  return {
    countOrder: c.id,
    codeSectionRaw: c.sectionText,
    section: c.section,
    description: null,
    severity: c.severity,
    disposition: 'convicted',
    convictionDate: c.date,
    offenseDate: c.offenseDate ?? null,
    offenseDateBasis: c.offenseDate ? (c.offenseDateBasis ?? 'arrest') : null,
    sentence: c.sentence,
    sentenceEndDate: c.sentenceEnd,
    courtCounty: c.county !== null && c.county !== county ? c.county : null
  }
}
