import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import {
  casesAtCourtOfFiling,
  courtFilingIdsTaken,
  filingById,
  filingState,
  hintDigestsOfFiling,
  insertFilingEvent,
  unsettledFilingsInSameCases,
  type FilingRow
} from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { CourtError, type CourtStatus } from '../ecf/court-adapter.js'
import { ClearfileError, type ErrorCode } from '../errors.js'
import { enqueue, handle, type JobDefinition, type RegisteredJob } from '../jobs/job-definition.js'
import { recordCourtRuling } from '../outcomes/filed-counts.js'
import { messageKey, writeFilingMessage } from './filing-message.js'
import { courtPolicies } from './court-policies.js'
import { courtStatusLists } from './court-status-lists.js'
import { POLL_JOB, RECONCILE_JOB, SUBMIT_JOB } from './filing-jobs.js'
import { TERMINAL, transition, type FilingState } from './filing-state.js'
import { matchSubmission } from './submission-match.js'
import { appendEvents } from '../webhooks/events.js'
import type { CourtAdapters, PipelineDeps } from './pipeline-deps.js'

export type { CourtAdapters, PipelineDeps } from './pipeline-deps.js'

/** Why a filing's message cannot be made; retrying would not help. */
const PERMANENT_BUILD_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'CLEARFILE_ERR_ECF_INVALID',
  'CLEARFILE_ERR_DA_PROFILE_MISSING',
  'CLEARFILE_ERR_DOCUMENTS_MISSING',
  'CLEARFILE_ERR_NOT_ELIGIBLE',
  'CLEARFILE_ERR_COURT_NOT_CONFIGURED'
])

/** Sends of one filing before it is failed with the reason (each after the court was found not to have it). */
export const MAX_SEND_ATTEMPTS = 8

const RULING_STATE = { granted: 'granted', denied: 'denied', partially_granted: 'partially_granted' } as const
const STATUS_STATE = { accepted: 'accepted', 'partially-accepted': 'partially_accepted', rejected: 'rejected' } as const

/**
 * The jobs that move a filing along: submit (persisting `submitting` before the
 * request leaves, so a crash mid-send is found and reconciled, never blindly
 * resent), reconcile (ask the court with GetFilingList whether it has the
 * filing: by our id, or in our case when the court does not return filer ids),
 * and poll (GetFilingStatus until a terminal state).
 */
export function filingJobs(deps: PipelineDeps, adapters: CourtAdapters): RegisteredJob[] {
  const { db, clock } = deps
  const at = () => clock.now().toISOString()
  const load = (filingId: string) => filingById(db, filingId)
  const next = (job: JobDefinition<{ filingId: string }>, filingId: string, runAt: Date, trx: Kysely<Database>) =>
    enqueue(trx, job, { filingId }, { runAt, now: clock.now() })
  // A send that may have arrived is looked for a poll interval later, not at once: a court still registering it
  // would list it as absent, and its callback (which names the filing by its documents) may settle it first.
  const lookLater = () => new Date(clock.now().getTime() + deps.pollIntervalMs)
  const policies = courtPolicies(deps, adapters)
  /** Fails a filing that must not be sent as it is, the reason on its timeline. */
  const neverSend = (filingId: string, from: FilingState, error: string, detail: Record<string, unknown>) =>
    db
      .transaction()
      .execute((trx) =>
        transition(
          trx,
          filingId,
          [from],
          'failed',
          { source: 'submit', at: at(), detail: { error, ...detail } },
          { last_error: error }
        )
      )

  const submit = handle(SUBMIT_JOB, async ({ filingId }) => {
    const filing = await load(filingId)
    if (filing.state === 'submitting') {
      // We were sending when the process stopped: the court may have it. Ask before anything else.
      await db.transaction().execute(async (trx) => {
        if (
          await transition(trx, filing.id, ['submitting'], 'unknown', {
            source: 'submit',
            at: at(),
            detail: { reason: 'interrupted while sending' }
          })
        ) {
          await next(RECONCILE_JOB, filing.id, lookLater(), trx)
        }
      })
      return
    }
    if (filing.state !== 'queued') return
    let xml = (await deps.store.get(messageKey(filing.id)))?.toString('utf8')
    if (xml === undefined) {
      try {
        xml = await writeFilingMessage(deps, filing)
      } catch (err) {
        if (!(err instanceof ClearfileError) || !PERMANENT_BUILD_ERRORS.has(err.code)) throw err
        // A message that cannot be built or does not validate is never sent.
        await neverSend(filing.id, 'queued', err.message, { code: err.code })
        return
      }
    }
    const moved = await db
      .transaction()
      .execute((trx) =>
        transition(
          trx,
          filing.id,
          ['queued'],
          'submitting',
          { source: 'submit', at: at() },
          { attempts: filing.attempts + 1 }
        )
      )
    if (!moved) return
    try {
      // What the court's published policy (and its fee calculation) says, before anything is sent. A court that
      // cannot be asked now is an attempt that did not leave: tried again with backoff, given up like a send.
      const verdict = await policies.check(filing, xml)
      if (!verdict.ok) {
        await neverSend(filing.id, 'submitting', verdict.message, { code: verdict.code, ...verdict.detail })
        return
      }
      const sentAt = performance.now()
      const receipt = await adapters.for(filing.court_id).submit({ filingId: filing.id, xml })
      deps.metrics?.observeSubmit(filing.court_id, (performance.now() - sentAt) / 1000)
      await db.transaction().execute(async (trx) => {
        await transition(
          trx,
          filing.id,
          ['submitting'],
          'submitted',
          { source: 'submit', at: at(), detail: { courtFilingId: receipt.courtFilingId, ...verdict.detail } },
          { court_filing_id: receipt.courtFilingId, last_error: null }
        )
        await next(POLL_JOB, filing.id, new Date(clock.now().getTime() + deps.pollIntervalMs), trx)
      })
    } catch (err) {
      const e =
        err instanceof CourtError
          ? err
          : new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', (err as Error).message, {
              retryable: true,
              ambiguous: true,
              cause: err
            })
      deps.metrics?.countCourtError(filing.court_id, e.code)
      await db.transaction().execute(async (trx) => {
        if (!e.retryable) {
          await transition(
            trx,
            filing.id,
            ['submitting'],
            'failed',
            { source: 'submit', at: at(), detail: { error: e.message } },
            { last_error: e.message }
          )
        } else if (e.ambiguous) {
          await transition(
            trx,
            filing.id,
            ['submitting'],
            'unknown',
            { source: 'submit', at: at(), detail: { error: e.message } },
            { last_error: e.message }
          )
          await next(RECONCILE_JOB, filing.id, lookLater(), trx)
        } else if (filing.attempts + 1 >= MAX_SEND_ATTEMPTS) {
          await transition(
            trx,
            filing.id,
            ['submitting'],
            'failed',
            { source: 'submit', at: at(), detail: { error: e.message, attempts: filing.attempts + 1 } },
            { last_error: `gave up after ${filing.attempts + 1} attempts: ${e.message}` }
          )
        } else {
          await transition(
            trx,
            filing.id,
            ['submitting'],
            'queued',
            { source: 'submit', at: at(), detail: { error: e.message } },
            { last_error: e.message }
          )
        }
      })
      // Not sent at all: let the job's backoff try again.
      if (e.retryable && !e.ambiguous && filing.attempts + 1 < MAX_SEND_ATTEMPTS) throw e
    }
  })

  const reconcile = handle(RECONCILE_JOB, async ({ filingId }) => {
    const filing = await load(filingId)
    if (filing.state !== 'unknown') return
    const lookup = {
      filingId: filing.id,
      ...(await casesAtCourtOfFiling(db, filing.id)),
      since: new Date(filing.created_at)
    }
    const listing = await adapters.for(filing.court_id).listSubmissions(lookup)
    const match = matchSubmission(lookup, listing, {
      claimed: await courtFilingIdsTaken(
        db,
        filing.court_id,
        listing.filings.map((f) => f.courtFilingId),
        filing.id
      ),
      unsettledInCase: listing.echoesFilerIds ? 0 : await unsettledFilingsInSameCases(db, filing.id)
    })
    if (match.kind === 'undetermined') {
      // The court may have it and we cannot tell: a resend could file it twice. It waits for a person.
      await db.transaction().execute((trx) => raiseHint(trx, filing, 'needs_attention', match.reason, at()))
      return
    }
    await db.transaction().execute(async (trx) => {
      if (match.kind === 'found') {
        const { courtFilingId } = match.status
        if (
          await transition(
            trx,
            filing.id,
            ['unknown'],
            'submitted',
            { source: 'poll', at: at(), detail: { courtFilingId, reconciled: true, by: match.by } },
            { court_filing_id: courtFilingId }
          )
        ) {
          await next(POLL_JOB, filing.id, clock.now(), trx)
        }
      } else if (filing.attempts >= MAX_SEND_ATTEMPTS) {
        await transition(
          trx,
          filing.id,
          ['unknown'],
          'failed',
          { source: 'poll', at: at(), detail: { reconciled: true, atCourt: false, attempts: filing.attempts } },
          { last_error: `not at the court after ${filing.attempts} attempts: ${filing.last_error ?? ''}` }
        )
      } else if (
        await transition(trx, filing.id, ['unknown'], 'queued', {
          source: 'poll',
          at: at(),
          detail: { reconciled: true, atCourt: false }
        })
      ) {
        // Another key than the first send's: that job may still be finishing.
        await enqueue(
          trx,
          SUBMIT_JOB,
          { filingId: filing.id },
          { runAt: clock.now(), now: clock.now(), key: `submit:${filing.id}:${filing.attempts}` }
        )
      }
    })
  })

  const listedStatus = courtStatusLists(deps, adapters)
  const poll = handle(POLL_JOB, async ({ filingId }) => {
    const filing = await load(filingId)
    if (TERMINAL.has(filing.state) || !filing.court_filing_id) return
    let status: CourtStatus
    // A status read from a court's list cannot change before the list is asked for again: no poll before then.
    let notBefore = 0
    try {
      const listed = await listedStatus(filing.court_id, filing.court_filing_id)
      if (listed?.status) notBefore = listed.freshUntil.getTime()
      status = listed?.status ?? (await adapters.for(filing.court_id).status(filing.court_filing_id))
    } catch (err) {
      // A court that cannot answer now is asked again at the next poll, not counted as a failed job.
      if (err instanceof CourtError) deps.metrics?.countCourtError(filing.court_id, err.code)
      if (err instanceof CourtError && err.retryable)
        return { rescheduleAt: new Date(clock.now().getTime() + deps.pollIntervalMs) }
      throw err
    }
    const again = { rescheduleAt: new Date(Math.max(clock.now().getTime() + deps.pollIntervalMs, notBefore)) }
    const accepted = status.status === 'accepted' || status.status === 'partially-accepted'
    // Most polls of a county's thousands of filings hear nothing new: they cost no transaction and no second read.
    const news =
      (filing.state === 'submitted' && status.status !== 'received') ||
      (accepted && (Boolean(status.ruling) || Boolean(status.statusText)))
    const awaiting = (f: FilingRow) => f.state === 'accepted' || f.state === 'partially_accepted'
    if (!news) return awaiting(filing) ? awaitRuling(filing, notBefore) : again
    await db.transaction().execute(async (trx) => {
      const detail = { status: status.status, ruling: status.ruling, statusText: status.statusText }
      if (filing.state === 'submitted' && status.status !== 'received') {
        await transition(trx, filing.id, ['submitted'], STATUS_STATE[status.status], {
          source: 'poll',
          at: at(),
          detail
        })
      }
      if (status.ruling && (status.status === 'accepted' || status.status === 'partially-accepted')) {
        const ruled = await transition(
          trx,
          filing.id,
          ['accepted', 'partially_accepted'],
          RULING_STATE[status.ruling],
          { source: 'poll', at: at(), detail }
        )
        if (ruled && status.ruling !== 'partially_granted') await recordCourtRuling(trx, filing, status.ruling, at())
      } else if (status.statusText && (status.status === 'accepted' || status.status === 'partially-accepted')) {
        await raiseHint(trx, filing, 'ruling_unread', status.statusText, at())
      }
    })
    const after = await filingById(db, filing.id)
    if (TERMINAL.has(after.state)) return
    return awaiting(after) ? awaitRuling(after, notBefore) : again
  })

  /** The next poll of a filing awaiting the judge (not before `notBefore`), and the overdue hint when it is late. */
  async function awaitRuling(after: FilingRow, notBefore: number) {
    // Awaiting the judge: asked less often the longer it waits (half the wait so far, within the bounds), and a
    // ruling that has not come in the time a court should take is raised for a person, once.
    const waited = clock.now().getTime() - new Date(after.updated_at).getTime()
    const overdueMs = deps.rulingOverdueMs ?? Number.POSITIVE_INFINITY
    if (waited >= overdueMs) {
      const days = Math.round(overdueMs / 86_400_000)
      await db
        .transaction()
        .execute((trx) =>
          raiseHint(
            trx,
            after,
            'ruling_overdue',
            `No ruling ${days} day${days === 1 ? '' : 's'} after the clerk accepted the filing`,
            at()
          )
        )
    }
    const interval = Math.min(
      deps.rulingPollMaxMs ?? deps.pollIntervalMs,
      Math.max(deps.pollIntervalMs, Math.floor(waited / 2))
    )
    return { rescheduleAt: new Date(Math.max(clock.now().getTime() + interval, notBefore)) }
  }

  return [submit, reconcile, poll]
}

/** What a person must look at on a filing, and the event the county's DA systems get for it. */
const HINTS = {
  /** A status text on an accepted filing that is not a ruling clearfile can read ("Order signed; see minute order"). */
  ruling_unread: { event: 'filing.ruling_unread', flag: 'unreadRuling' },
  /** A send that may have reached a court that cannot say whether it has it. */
  needs_attention: { event: 'filing.needs_attention', flag: 'needsAttention' },
  /** An accepted filing still without a ruling after `rulingOverdueDays`: someone should ask the court. */
  ruling_overdue: { event: 'filing.ruling_overdue', flag: 'rulingOverdue' }
} as const

/**
 * Never ignored, never guessed: the text goes on the filing's timeline and the county's DA systems get an event
 * (without the text, which the timeline keeps), once per distinct text, so a person can read it and act.
 */
async function raiseHint(
  trx: Kysely<Database>,
  filing: { id: string; county: string; court_id: string },
  kind: keyof typeof HINTS,
  text: string,
  at: string
): Promise<void> {
  const digest = createHash('sha256').update(`${kind}:${text}`).digest('hex')
  if ((await hintDigestsOfFiling(trx, filing.id, 'poll')).includes(digest)) return
  const { state } = await filingState(trx, filing.id)
  await insertFilingEvent(trx, {
    filingId: filing.id,
    from: state,
    to: state,
    at,
    source: 'poll',
    detail: { [HINTS[kind].flag]: true, text, digest }
  })
  await appendEvents(trx, [
    {
      county: filing.county,
      type: HINTS[kind].event,
      recordType: 'filing',
      recordId: filing.id,
      at,
      payload: { filingId: filing.id, court: filing.court_id, state }
    }
  ])
}
