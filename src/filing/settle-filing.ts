import type { Kysely } from 'kysely'
import { type AuditContext, recordAudit } from '../db/audit-repository.js'
import { courtFilingIdsTaken, findFiling } from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import { enqueue } from '../jobs/job-definition.js'
import { POLL_JOB, SUBMIT_JOB } from './filing-jobs.js'
import { transition } from './filing-state.js'

/**
 * What a person found out about a filing clearfile could not settle (state `unknown`, `filing.needs_attention`):
 * the court has it, under the filing id its clerk gave, or it does not.
 */
export type Settlement = { atCourt: true; courtFilingId: string; note: string } | { atCourt: false; note: string }

/**
 * Settles an `unknown` filing as a person says, in one transaction with its timeline event and audit row: at the
 * court, it takes the court's filing id and is polled at once; not at the court, it is queued and sent again. Only a
 * filing still `unknown` can be settled, and a court filing id another of our filings holds cannot be taken twice.
 */
export async function settleFiling(
  db: Kysely<Database>,
  ctx: AuditContext,
  filingId: string,
  settlement: Settlement
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const filing = await findFiling(trx, filingId, ctx.principal.county)
    if (!filing) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such filing')
    if (filing.state !== 'unknown')
      throw new ClearfileError(
        'CLEARFILE_ERR_FILING_STATE',
        `The filing is ${filing.state}: only a filing whose place at the court is unknown can be settled`
      )
    const at = ctx.now.toISOString()
    const detail = { settled: true, atCourt: settlement.atCourt, by: ctx.principal.clientId, note: settlement.note }
    let moved: boolean
    if (settlement.atCourt) {
      const { courtFilingId } = settlement
      if ((await courtFilingIdsTaken(trx, filing.court_id, [courtFilingId], filing.id)).size > 0)
        throw new ClearfileError(
          'CLEARFILE_ERR_COURT_FILING_ID_TAKEN',
          `Another filing with ${filing.court_id} already holds ${courtFilingId}`
        )
      moved = await transition(
        trx,
        filing.id,
        ['unknown'],
        'submitted',
        { source: 'user', at, detail: { ...detail, courtFilingId } },
        { court_filing_id: courtFilingId }
      )
      if (moved) await enqueue(trx, POLL_JOB, { filingId: filing.id }, { runAt: ctx.now, now: ctx.now })
    } else {
      moved = await transition(trx, filing.id, ['unknown'], 'queued', { source: 'user', at, detail })
      // A key of its own: an earlier send's job may still be on record.
      if (moved)
        await enqueue(
          trx,
          SUBMIT_JOB,
          { filingId: filing.id },
          { runAt: ctx.now, now: ctx.now, key: `submit:${filing.id}:settled:${filing.attempts}` }
        )
    }
    if (!moved) throw new ClearfileError('CLEARFILE_ERR_CONCURRENT_WRITE')
    await recordAudit(trx, ctx, [
      {
        action: 'filing.settle',
        recordType: 'filing',
        recordId: filing.id,
        county: filing.county,
        detail: { atCourt: settlement.atCourt }
      }
    ])
  })
}
