import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { type AuditContext, type AuditEntry, auditRows, recordAudit } from '../db/audit-repository.js'
import { dialectOf } from '../db/database.js'
import {
  type CalledBackFiling,
  findFilingOfCourt,
  insertHintOnce,
  recordHintOfFilingAtOnce,
  UNSETTLED_STATES,
  unsettledFilingByDocumentHashes,
  type FilingState
} from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { enqueue } from '../jobs/job-definition.js'
import { rescheduleWaitingJob } from '../jobs/job-queue.js'
import { POLL_JOB } from './filing-jobs.js'
import { transition } from './filing-state.js'

/** How a callback named its filing: by our filing id, by the court's own, or by the documents it reviewed. */
export type CallbackMatch = 'filer id' | 'court id' | 'document hash'

/**
 * The filing a court's callback names, among the filings of the courts its credential speaks for: by our filing
 * id when it echoes it, else by the court's own ids, else — a callback for a filing whose receipt never reached
 * us, from a court that does not echo filer ids — by the SHA-256 of the documents it reviewed, when exactly one of
 * our filings awaiting its court id sent them.
 */
export async function filingOfCallback(
  db: Kysely<Database>,
  courtIds: readonly string[],
  ids: { ours: string | undefined; courtIds: readonly string[]; documentHashes: readonly string[] }
) {
  const named = await findFilingOfCourt(db, courtIds, ids)
  if (named) return { filing: named, by: (ids.ours ? 'filer id' : 'court id') as CallbackMatch }
  if (ids.ours) return undefined
  const sent = await unsettledFilingByDocumentHashes(db, courtIds, ids.documentHashes)
  return sent ? { filing: sent, by: 'document hash' as CallbackMatch } : undefined
}

/**
 * A callback names a filing whose court id we do not know yet: its send was cut off before the receipt (`unknown`),
 * or is still in flight (`submitting`: a quick court can call back before its answer to the send has reached us).
 * The authenticated court has it, under the filing id the callback gives. The filing takes that id and moves on as
 * if the receipt had come; never sent again, and the send's own end, when it comes, finds it moved and changes
 * nothing. Call it in one transaction, before `recordCallbackHint`.
 */
export async function settleByCallback<F extends { id: string; state: FilingState; court_filing_id: string | null }>(
  trx: Kysely<Database>,
  filing: F,
  courtFilingId: string | undefined,
  by: CallbackMatch,
  now: Date
): Promise<F> {
  if (!awaitsCourtId(filing, courtFilingId)) return filing
  const moved = await transition(
    trx,
    filing.id,
    UNSETTLED_STATES,
    'submitted',
    { source: 'callback', at: now.toISOString(), detail: { courtFilingId, reconciled: true, by } },
    { court_filing_id: courtFilingId }
  )
  return moved ? { ...filing, state: 'submitted', court_filing_id: courtFilingId } : filing
}

/** What a callback says, reduced to what matters: the same review sent twice (a replay, a retry) has the same digest. */
export function callbackDigest(callback: {
  status: string | null
  identifications: ReadonlyArray<{ id: string; category: string | null }>
  documents: ReadonlyArray<{ hash: string | null; docketId: string | null; sealed: boolean | null }>
}): string {
  const said = {
    status: callback.status,
    ids: callback.identifications.map((i) => `${i.category ?? ''}:${i.id}`).sort(),
    documents: callback.documents.map((d) => `${d.hash ?? ''}:${d.docketId ?? ''}:${d.sealed ?? ''}`).sort()
  }
  return createHash('sha256').update(JSON.stringify(said)).digest('hex')
}

/** A callback to record: what it says, the court's filing id it gives, and who is recording it. */
interface CallbackRecord {
  courtFilingId: string | undefined
  hint: { status: string | null; documents: number; digest: string }
  audit: AuditContext
  now: Date
}

/**
 * Records a court's callback about the filing it names, among the filings of the courts its credential speaks for
 * (`filingOfCallback`, then `recordCallback`): the filing as it now is and how it was found, or undefined when the
 * callback names none of theirs. On PostgreSQL a callback that echoes our filing id (nearly every one) is found and
 * recorded in one statement: a county's sends bring a callback each, and they were most of the statements sent while
 * the sends went on.
 */
export async function recordNamedCallback(
  db: Kysely<Database>,
  c: CallbackRecord & {
    courtIds: readonly string[]
    ids: { ours: string | undefined; courtIds: readonly string[]; documentHashes: readonly string[] }
  }
): Promise<{ filing: CalledBackFiling; by: CallbackMatch } | undefined> {
  const { ours } = c.ids
  if (dialectOf(db) === 'postgres' && ours) {
    const done = await recordAtOnce(db, { filingId: ours, courtIds: c.courtIds, settlingId: c.courtFilingId }, c)
    if (!done) return undefined
    const filing = done.recorded
      ? done.filing
      : await recordInTransaction(db, { ...c, filing: done.filing, by: 'filer id' })
    return { filing, by: 'filer id' }
  }
  const found = await filingOfCallback(db, c.courtIds, c.ids)
  return found && { filing: await recordCallback(db, { ...c, filing: found.filing, by: found.by }), by: found.by }
}

/**
 * Records a court's callback about the filing it named: settles a filing awaiting its court id
 * (`settleByCallback`), puts the hint on its timeline and brings its poll forward (`recordCallbackHint`), and
 * audits it (`filing.callback`, or `filing.callback_replayed` for a replay), all in one transaction — on PostgreSQL,
 * for a filing with nothing to settle, in one statement. Returns the filing as it now is.
 */
export async function recordCallback<F extends CalledBackFiling>(
  db: Kysely<Database>,
  c: CallbackRecord & { filing: F; by: CallbackMatch }
): Promise<F> {
  if (dialectOf(db) === 'postgres') {
    const { filing } = c
    const named = { filingId: filing.id, courtIds: [filing.court_id], settlingId: c.courtFilingId }
    if ((await recordAtOnce(db, named, c))?.recorded) return filing
  }
  return recordInTransaction(db, c)
}

/** The audit entry of a callback about a filing (its county set where the filing is read, when not given). */
const callbackEntry = (filing: { id: string; county?: string }, status: string | null, action: string): AuditEntry => ({
  action,
  recordType: 'filing',
  recordId: filing.id,
  county: filing.county ?? null,
  detail: { status }
})

/** `recordHintOfFilingAtOnce` for a callback, and the poll a receipted filing whose poll is done gets. */
async function recordAtOnce(
  db: Kysely<Database>,
  named: Parameters<typeof recordHintOfFilingAtOnce>[1],
  c: CallbackRecord
) {
  const { hint, now } = c
  const done = await recordHintOfFilingAtOnce(
    db,
    named,
    { at: now.toISOString(), source: 'callback', detail: hintDetail(hint) },
    POLL_JOB.key({ filingId: named.filingId }),
    {
      row: auditRows(c.audit, [callbackEntry({ id: named.filingId }, hint.status, 'filing.callback')])[0]!,
      replayAction: 'filing.callback_replayed'
    }
  )
  // A receipted filing whose poll is done (it has reached its end): asked once more. Rare; its own statement.
  if (done?.put && !done.brought && done.filing.court_filing_id)
    await enqueue(db, POLL_JOB, { filingId: done.filing.id }, { runAt: now, now })
  return done
}

/** `recordCallback` in one transaction, step by step: the way on SQLite, and for a filing the callback settles. */
function recordInTransaction<F extends CalledBackFiling>(
  db: Kysely<Database>,
  c: CallbackRecord & { filing: F; by: CallbackMatch }
): Promise<F> {
  const { filing, hint, now } = c
  return db.transaction().execute(async (trx) => {
    const settled = await settleByCallback(trx, filing, c.courtFilingId, c.by, now)
    const recorded = await recordCallbackHint(trx, settled, hint, now)
    // A replay is answered as the first was (the court sees a receipt either way) but changes nothing.
    const action = recorded ? 'filing.callback' : 'filing.callback_replayed'
    await recordAudit(trx, c.audit, [callbackEntry(filing, hint.status, action)])
    return settled
  })
}

/** Whether a callback's court filing id settles a filing: one whose send may have reached the court unknown to us. */
function awaitsCourtId(filing: { state: FilingState; court_filing_id: string | null }, courtFilingId?: string) {
  return UNSETTLED_STATES.includes(filing.state) && !filing.court_filing_id && courtFilingId !== undefined
}

/** The timeline row of a callback's hint. */
function hintEvent(
  filing: { id: string; state: FilingState },
  hint: { status: string | null; documents: number; digest: string },
  now: Date
) {
  return {
    filingId: filing.id,
    from: filing.state,
    to: filing.state,
    at: now.toISOString(),
    source: 'callback' as const,
    detail: hintDetail(hint)
  }
}

/** What a callback's hint keeps on the timeline: the status it gave, how many documents it reviewed, its digest. */
const hintDetail = (hint: { status: string | null; documents: number; digest: string }) => ({
  hint: hint.status,
  documents: hint.documents,
  digest: hint.digest
})

/**
 * Records a court's callback on a filing's timeline and brings its next status
 * poll forward (queueing one for a filing the court has receipted and no poll
 * waits for): a callback is a hint, and the court's own GetFilingStatus answer
 * moves the filing. A callback saying what an earlier one said (a replay) adds
 * nothing and returns false. Call it in one transaction.
 */
export async function recordCallbackHint(
  trx: Kysely<Database>,
  filing: { id: string; state: FilingState; court_filing_id: string | null },
  hint: { status: string | null; documents: number; digest: string },
  now: Date
): Promise<boolean> {
  if (!(await insertHintOnce(trx, hintEvent(filing, hint, now)))) return false
  const brought = await rescheduleWaitingJob(trx, POLL_JOB.key({ filingId: filing.id }), now)
  if (!brought && filing.court_filing_id) await enqueue(trx, POLL_JOB, { filingId: filing.id }, { runAt: now, now })
  return true
}
