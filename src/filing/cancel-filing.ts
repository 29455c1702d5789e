import type { Kysely } from 'kysely'
import { type AuditContext, recordAudit } from '../db/audit-repository.js'
import { findFiling } from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import { transition } from './filing-state.js'

/**
 * Cancels a filing that has not been sent (`draft` or `queued`), in one transaction with its timeline event (the
 * note and who) and audit row; its cases may then be filed again. Once a send has begun the court may have it, and
 * ECF 4.01 has no CancelFiling (it came with ECF 5): that is for the clerk, and is refused here. A send that starts
 * at the same moment loses the race safely — it moves only a filing still `queued`, and this one no longer is.
 */
export async function cancelFiling(
  db: Kysely<Database>,
  ctx: AuditContext,
  filingId: string,
  note: string
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const filing = await findFiling(trx, filingId, ctx.principal.county)
    if (!filing) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such filing')
    if (filing.state !== 'draft' && filing.state !== 'queued')
      throw new ClearfileError(
        'CLEARFILE_ERR_FILING_STATE',
        `The filing is ${filing.state}: only a filing not yet sent can be cancelled (ECF 4.01 has no CancelFiling; ask the clerk to withdraw one the court has)`
      )
    const moved = await transition(trx, filing.id, [filing.state], 'cancelled', {
      source: 'user',
      at: ctx.now.toISOString(),
      detail: { cancelled: true, by: ctx.principal.clientId, note }
    })
    if (!moved) throw new ClearfileError('CLEARFILE_ERR_CONCURRENT_WRITE')
    await recordAudit(trx, ctx, [
      { action: 'filing.cancel', recordType: 'filing', recordId: filing.id, county: filing.county, detail: {} }
    ])
  })
}
