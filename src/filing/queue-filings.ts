import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import { recordAudit, type AuditContext } from '../db/audit-repository.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { caseCourt } from '../db/case-repository.js'
import { casePapersNewestFirst, motionsAndOrdersOfReview } from '../db/document-repository.js'
import { caseIdsInFilings } from '../db/filing-repository.js'
import { newId } from '../db/ids.js'
import type { Database } from '../db/schema.js'
import type { PaperScope } from '../documents/prepare-papers.js'
import { requireProfile } from '../documents/da-profiles.js'
import { ClearfileError } from '../errors.js'
import { enqueueAll } from '../jobs/job-definition.js'
import { SUBMIT_JOB } from './filing-jobs.js'
import { insertQueuedFilings, type FilingState } from './filing-state.js'
import { refreshStaleStatistics } from '../db/table-statistics.js'
import type { PipelineDeps } from './pipeline-deps.js'

/**
 * The court a case is filed in: its own court id when configured, else the county's only court.
 * Another county's court is refused: its clerk would not know the case, and no one could reconcile it.
 */
export function courtForCase(courts: ReadonlyMap<string, CourtEntry>, courtId: string, county: string): CourtEntry {
  const direct = courts.get(courtId)
  if (direct) {
    if (normalizeCounty(direct.county) === normalizeCounty(county)) return direct
    throw new ClearfileError(
      'CLEARFILE_ERR_COURT_OTHER_COUNTY',
      `Court ${courtId} is the court of ${normalizeCounty(direct.county)}, not of ${normalizeCounty(county)}`
    )
  }
  const inCounty = [...courts.values()].filter((c) => normalizeCounty(c.county) === normalizeCounty(county))
  if (inCounty.length === 1) return inCounty[0]!
  throw new ClearfileError(
    'CLEARFILE_ERR_COURT_NOT_CONFIGURED',
    `No court configured for ${courtId} (${county}): add it to the courts file (CLEARFILE_COURTS)`
  )
}

/** States in which a filing still stands for its cases: a case in one is not filed again. */
const DEAD_STATES: FilingState[] = ['failed', 'cancelled', 'rejected']

/** One filing to make: its cases, its motion (lead) and proposed order (connected), and its court. */
interface PlannedFiling {
  caseIds: string[]
  motionId: string
  orderId: string
  court: CourtEntry
}

/** Cases of `caseIds` already in a filing that stands. */
async function casesFiled(db: Kysely<Database>, caseIds: readonly string[]): Promise<Set<string>> {
  return new Set(await caseIdsInFilings(db, caseIds, DEAD_STATES))
}

/** Filings made in one transaction: a county's review is queued in pages, never in one long write. */
const FILINGS_PER_TRANSACTION = 500

/**
 * Creates filings in state `queued`, each with its cases, documents, first
 * event, outbox job and audit row. Each page of filings is one transaction:
 * either every filing of the page and its job exist, or none; a failure part
 * way leaves whole pages, and asking again files only the cases not yet filed.
 * The worker builds, validates and sends the message.
 */
async function createFilings(
  db: Kysely<Database>,
  ctx: AuditContext,
  county: string,
  reviewRunId: string | null,
  plans: readonly PlannedFiling[]
): Promise<string[]> {
  const now = ctx.now.toISOString()
  const ids: string[] = []
  for (let first = 0; first < plans.length; first += FILINGS_PER_TRANSACTION) {
    const page = plans.slice(first, first + FILINGS_PER_TRANSACTION).map((plan) => ({ id: newId(), plan }))
    await db.transaction().execute(async (trx) => {
      await insertQueuedFilings(
        trx,
        page.map(({ id, plan }) => ({
          id,
          county,
          court_id: plan.court.id,
          adapter: plan.court.adapter,
          court_filing_id: null,
          attempts: 0,
          last_error: null,
          review_run_id: reviewRunId,
          created_at: now,
          updated_at: now
        })),
        page.flatMap(({ id, plan }) => plan.caseIds.map((caseId) => ({ filing_id: id, case_id: caseId }))),
        page.flatMap(({ id, plan }) => [
          { filing_id: id, document_id: plan.motionId, role: 'lead' },
          { filing_id: id, document_id: plan.orderId, role: 'connected' }
        ]),
        { source: 'user', at: now, detail: { by: ctx.principal.clientId } }
      )
      await enqueueAll(
        trx,
        SUBMIT_JOB,
        page.map(({ id }) => ({ filingId: id })),
        { runAt: ctx.now, now: ctx.now }
      )
      await recordAudit(
        trx,
        ctx,
        page.map(({ id, plan }) => ({
          action: 'filing.queue',
          recordType: 'filing',
          recordId: id,
          county,
          detail: { caseIds: plan.caseIds, court: plan.court.id, reviewRunId }
        }))
      )
    })
    // A review's sends have begun on the pages already queued: their reads are planned for the tables as they are.
    if (reviewRunId !== null) await refreshStaleStatistics(db)
    ids.push(...page.map(({ id }) => id))
  }
  return ids
}

/** Queues the filing of one case's newest case-scoped papers. A case already in a standing filing is refused. */
export async function queueCaseFiling(deps: PipelineDeps, ctx: AuditContext, caseId: string): Promise<string> {
  const { db } = deps
  const kase = await caseCourt(db, caseId)
  requireProfile(deps.profiles, kase.county)
  if ((await casesFiled(db, [caseId])).size > 0) throw new ClearfileError('CLEARFILE_ERR_ALREADY_FILED')
  const docs = await casePapersNewestFirst(db, caseId)
  const motion = docs.find((d) => d.kind === 'motion')
  const order = docs.find((d) => d.kind === 'proposed_order')
  if (!motion || !order)
    throw new ClearfileError(
      'CLEARFILE_ERR_DOCUMENTS_MISSING',
      "Prepare the case's papers first (POST /v1/cases/{id}/documents)"
    )
  const court = courtForCase(deps.courts, kase.court_id, kase.county)
  const [id] = await createFilings(db, ctx, kase.county, null, [
    { caseIds: [caseId], motionId: motion.id, orderId: order.id, court }
  ])
  return id!
}

export interface ReviewFilingsResult {
  reviewId: string
  scope: PaperScope
  /** The filings made now, one per case (a person's motion for several cases is filed in each). */
  filings: Array<{ id: string; court: string; caseIds: string[] }>
  /** Cases not filed again because they are already in a standing filing. */
  alreadyFiled: number
}

/**
 * Queues the filing of the motions prepared for a review run in the given
 * scope (`case`: each case's own; `person`: each person's for their cases at
 * one court), one filing per case — ECF 4.01 files in one case, so a person's
 * motion is filed in each of its cases — grouped by court. Cases already in a
 * standing filing are skipped, so asking twice files nothing twice.
 */
export async function queueReviewFilings(
  deps: PipelineDeps,
  ctx: AuditContext,
  run: { id: string; county: string },
  scope: PaperScope
): Promise<ReviewFilingsResult> {
  if (scope === 'bulk') {
    throw new ClearfileError(
      'CLEARFILE_ERR_VALIDATION',
      'A bulk motion covers many cases and an ECF filing is made in one case: file a review by case or by person, or give the bulk papers to the clerk'
    )
  }
  const { db } = deps
  requireProfile(deps.profiles, run.county)
  await refreshStaleStatistics(db)
  const rows = await motionsAndOrdersOfReview(db, run.id, scope)
  // A motion and its order were rendered for the same set of cases; the newest pair of each set is filed.
  const byDoc = new Map<string, { kind: string; caseIds: string[]; courtId: string }>()
  for (const r of rows) {
    const doc = byDoc.get(r.id)
    if (doc) doc.caseIds.push(r.case_id)
    else byDoc.set(r.id, { kind: r.kind, caseIds: [r.case_id], courtId: r.court_id })
  }
  const sets = new Map<string, { caseIds: string[]; courtId: string; motionId?: string; orderId?: string }>()
  for (const [id, doc] of byDoc) {
    const caseIds = doc.caseIds.sort()
    const key = caseIds.join(',')
    const set = sets.get(key) ?? { caseIds, courtId: doc.courtId }
    if (doc.kind === 'motion') set.motionId = id
    else set.orderId = id
    sets.set(key, set)
  }
  const complete = [...sets.values()].filter((s) => s.motionId && s.orderId)
  if (complete.length === 0)
    throw new ClearfileError(
      'CLEARFILE_ERR_DOCUMENTS_MISSING',
      `No ${scope}-scoped papers are prepared for this review (POST /v1/reviews/{id}/documents)`
    )
  // ECF 4.01 files in one case (a CoreFilingMessage holds one nc:Case): a person's motion for several cases is
  // filed in each of them, the same motion and order in every filing.
  const perCase = complete.flatMap((set) =>
    set.caseIds.map((caseId) => ({ caseId, motionId: set.motionId!, orderId: set.orderId!, courtId: set.courtId }))
  )
  const filed = await casesFiled(
    db,
    perCase.map((p) => p.caseId)
  )
  const plans: PlannedFiling[] = perCase
    .filter((p) => !filed.has(p.caseId))
    .map((p) => ({
      caseIds: [p.caseId],
      motionId: p.motionId,
      orderId: p.orderId,
      court: courtForCase(deps.courts, p.courtId, run.county)
    }))
  plans.sort((a, b) => a.court.id.localeCompare(b.court.id))
  const ids = plans.length > 0 ? await createFilings(db, ctx, run.county, run.id, plans) : []
  return {
    reviewId: run.id,
    scope,
    filings: plans.map((p, i) => ({ id: ids[i]!, court: p.court.id, caseIds: p.caseIds })),
    alreadyFiled: perCase.length - plans.length
  }
}
