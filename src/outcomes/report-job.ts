import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import type { Role } from '../db/api-client-repository.js'
import { isDatabaseUnavailable } from '../db/database.js'
import { failOutcomeReport, findOutcomeReport, insertQueuedOutcomeReport } from '../db/outcome-repository.js'
import { recordAudit, type AuditContext } from '../db/audit-repository.js'
import type { Database, OutcomeReportsTable } from '../db/schema.js'
import { ClearfileError, isClearfileError } from '../errors.js'
import { defineJob, enqueue, handle, type RegisteredJob } from '../jobs/job-definition.js'
import { UNTIL_DONE } from '../jobs/job-queue.js'
import { type BlobStore, isStorageUnavailable, requireBlob } from '../storage/blob-store.js'
import { reconcileBytes } from './outcome-upload.js'

/** A large uploaded report, reconciled in the background from the file it was spooled to. */
export const REPORT_JOB = defineJob({
  name: 'outcomes.report',
  payload: Type.Object({
    reportId: Type.String(),
    role: Type.String({ description: "the uploader's role, for the audit rows" })
  }),
  lane: 'long',
  // Only the database being away makes it try again; a report that cannot be read ends `failed` at once.
  maxAttempts: UNTIL_DONE,
  maxBackoffMs: 60_000,
  key: (p) => `outcomes.report:${p.reportId}`
})

/**
 * Stores an upload taken to disk as a queued report, with the job that will
 * reconcile it and the audit row, in one transaction.
 */
export async function queueOutcomeReport(
  db: Kysely<Database>,
  ctx: AuditContext,
  row: Omit<OutcomeReportsTable, 'state' | 'error' | 'finished_at'>
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await insertQueuedOutcomeReport(trx, row)
    await enqueue(trx, REPORT_JOB, { reportId: row.id, role: ctx.principal.role }, { runAt: ctx.now, now: ctx.now })
    await recordAudit(trx, ctx, [
      {
        action: 'outcome_report.upload',
        recordType: 'outcome_report',
        recordId: row.id,
        county: row.county,
        detail: { court: row.court_id, lines: row.lines }
      }
    ])
  })
}

/**
 * Reconciles a queued report as its uploader would have on the spot, under
 * the uploader's id and role; a report that cannot be read (a DOCTYPE, a court
 * no longer configured) is marked `failed` with the reason. The upload is
 * deleted either way: it holds names and dates of birth.
 */
export function reportJob(deps: {
  db: Kysely<Database>
  clock: Clock
  courts: ReadonlyMap<string, CourtEntry>
  /** Where the upload waits (`upload_path` is its key). */
  store: BlobStore
}): RegisteredJob {
  return handle(REPORT_JOB, async ({ reportId, role }) => {
    const row = await findOutcomeReport(deps.db, reportId, null)
    if (row?.state !== 'queued' || !row.upload_path) return
    const key = row.upload_path
    const now = deps.clock.now()
    const ctx = {
      principal: { clientId: row.uploaded_by ?? 'unknown', role: role as Role, county: row.county },
      requestId: null,
      now
    }
    try {
      const court = deps.courts.get(row.court_id)
      if (!court)
        throw new ClearfileError(
          'CLEARFILE_ERR_COURT_NOT_CONFIGURED',
          `Court ${row.court_id} is no longer in the courts file`
        )
      await reconcileBytes(deps.db, ctx, {
        reportId,
        county: row.county,
        court,
        bytes: await requireBlob(deps.store, key),
        fileName: row.file_name,
        xml: row.format === 'xml'
      })
    } catch (err) {
      // The database or the document store away: the upload is kept and the job tried again.
      if (isDatabaseUnavailable(err) || isStorageUnavailable(err)) throw err
      // What the clerk is told: our own refusals say why; anything else names no path or internal detail.
      const reason = isClearfileError(err) ? err.message : 'The report could not be reconciled (internal error)'
      await deps.db.transaction().execute(async (trx) => {
        await failOutcomeReport(trx, reportId, reason, now.toISOString())
        await recordAudit(trx, ctx, [
          { action: 'outcome_report.fail', recordType: 'outcome_report', recordId: reportId, county: row.county }
        ])
      })
      await deps.store.delete(key)
      // An unexpected failure goes to the runner, which logs it; the report is failed, so no attempt follows.
      if (!isClearfileError(err)) throw err
      return
    }
    await deps.store.delete(key)
  })
}
