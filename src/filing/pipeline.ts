import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import {
  casesAtCourtOfFiling,
  courtFilingIdsTaken,
  filingById,
  filingsByIds,
  firstSendAt,
  filingState,
  insertHintOnce,
  unsettledFilingsInSameCases,
  type FilingRow
} from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { CourtError, type CourtStatus, type Receipt } from '../ecf/court-adapter.js'
import { ClearfileError, type ErrorCode } from '../errors.js'
import {
  enqueue,
  enqueueAll,
  handle,
  handleBatch,
  type JobDefinition,
  type JobOutcome,
  type RegisteredJob
} from '../jobs/job-definition.js'
import { backoffMs } from '../jobs/job-runner.js'
import { recordCourtRulings } from '../outcomes/filed-counts.js'
import { type MessageSource, messageKey, messageSources, writeFilingMessage } from './filing-message.js'
import { type CheckedMessage, courtPolicies, type PolicyVerdict } from './court-policies.js'
import { courtStatusLists } from './court-status-lists.js'
import { POLL_JOB, RECONCILE_JOB, SUBMIT_JOB } from './filing-jobs.js'
import { TERMINAL, transition, transitionAll, type FilingState } from './filing-state.js'
import { matchSubmission } from './submission-match.js'
import { appendEvents } from '../webhooks/events.js'
import type { CourtAdapters, PipelineDeps } from './pipeline-deps.js'

export type { CourtAdapters, PipelineDeps } from './pipeline-deps.js'

/** Open filings one poll job claims and asks about together. */
const POLL_BATCH = 200

/** Queued filings one submit job claims and sends together (each still its own job, key and outcome). */
const SUBMIT_BATCH = 25

/** A filing's message to send, and what its court's policy says of it where it was checked as it was built. */
interface Message {
  filing: FilingRow
  xml: string
  checked?: CheckedMessage | undefined
}

/** What came of one filing's send: the court's receipt, its policy's refusal, or the error of a send that failed. */
type SendResult = { filing: FilingRow } & (
  | { receipt: Receipt; policy: Record<string, unknown> }
  | { refused: Extract<PolicyVerdict, { ok: false }> }
  | { error: CourtError }
)

/** Why a filing's message cannot be made; retrying would not help. */
const PERMANENT_BUILD_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'CLEARFILE_ERR_ECF_INVALID',
  'CLEARFILE_ERR_DA_PROFILE_MISSING',
  'CLEARFILE_ERR_DOCUMENTS_MISSING',
  'CLEARFILE_ERR_NOT_ELIGIBLE',
  'CLEARFILE_ERR_COURT_NOT_CONFIGURED'
])

/**
 * A filing the court does not have is failed with the reason only after this many sends (each after the court was
 * found not to have it) and SEND_GIVE_UP_MS since its first: eight faults can come within seconds (a send that times
 * out is looked for and sent again at once), and a court down for an afternoon must fail nothing.
 */
export const MAX_SEND_ATTEMPTS = 8
export const SEND_GIVE_UP_MS = 24 * 3_600_000

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
  const neverSend = (
    trx: Kysely<Database>,
    filingId: string,
    from: FilingState,
    error: string,
    detail: Record<string, unknown>
  ) =>
    transition(
      trx,
      filingId,
      [from],
      'failed',
      { source: 'submit', at: at(), detail: { error, ...detail } },
      { last_error: error }
    )

  /**
   * Sends a batch of queued filings: the states of all of them moved in one transaction before anything leaves
   * (`submitting`, an attempt counted), the sends at once (each court's adapter keeps its own limits), and where
   * each send led in one transaction after. A filing found `submitting` was being sent when a process stopped: the
   * court may have it, so it is asked before anything else, never resent blindly.
   */
  const submit = handleBatch(SUBMIT_JOB, SUBMIT_BATCH, async (batch) => {
    const filings = await filingsByIds(
      db,
      batch.map((b) => b.payload.filingId)
    )
    const outcomes = new Map<string, JobOutcome>()
    const interrupted = [...filings.values()].filter((f) => f.state === 'submitting')
    if (interrupted.length > 0)
      await db.transaction().execute(async (trx) => {
        const unknown = await transitionAll(
          trx,
          interrupted.map((f) => ({ filingId: f.id, detail: { reason: 'interrupted while sending' } })),
          'submitting',
          'unknown',
          { source: 'submit', at: at() }
        )
        await enqueueAll(
          trx,
          RECONCILE_JOB,
          [...unknown].map((filingId) => ({ filingId })),
          { runAt: lookLater(), now: clock.now() }
        )
      })
    const queued = [...filings.values()].filter((f) => f.state === 'queued')
    // What the messages not yet built are made of, read for the whole batch once the first is needed.
    let sources: Promise<Map<string, MessageSource>> | undefined
    const sourceOf = async (id: string) => {
      sources ??= messageSources(
        db,
        queued.map((f) => f.id)
      )
      return (await sources).get(id)
    }
    const messages = await Promise.all(
      queued.map(async (filing): Promise<Message | undefined> => {
        try {
          const stored = await deps.store.get(messageKey(filing.id))
          if (stored) return { filing, xml: stored.toString('utf8') }
          // Checked against its court's policy as it is built, where the policy has come (it is checked again if not).
          const policy = policies.held(filing.court_id)
          const built = await writeFilingMessage(deps, filing, await sourceOf(filing.id), policy)
          return { filing, xml: built.xml, checked: policy && built.problems && { policy, problems: built.problems } }
        } catch (err) {
          if (err instanceof ClearfileError && PERMANENT_BUILD_ERRORS.has(err.code)) {
            // A message that cannot be built or does not validate is never sent.
            await db
              .transaction()
              .execute((trx) => neverSend(trx, filing.id, 'queued', err.message, { code: err.code }))
          } else outcomes.set(filing.id, { failed: err })
          return undefined
        }
      })
    )
    const ready = messages.filter((m) => m !== undefined)
    const sending = await db.transaction().execute((trx) =>
      transitionAll(
        trx,
        ready.map((m) => ({ filingId: m.filing.id })),
        'queued',
        'submitting',
        { source: 'submit', at: at() },
        { countAttempt: true }
      )
    )
    const sends = await Promise.all(ready.filter((m) => sending.has(m.filing.id)).map(send))
    await db.transaction().execute(async (trx) => {
      const submitted = await transitionAll(
        trx,
        sends.flatMap((s) =>
          'receipt' in s
            ? [
                {
                  filingId: s.filing.id,
                  courtFilingId: s.receipt.courtFilingId,
                  detail: { courtFilingId: s.receipt.courtFilingId, ...s.policy }
                }
              ]
            : []
        ),
        'submitting',
        'submitted',
        { source: 'submit', at: at() },
        { last_error: null }
      )
      await enqueueAll(
        trx,
        POLL_JOB,
        [...submitted].map((filingId) => ({ filingId })),
        { runAt: new Date(clock.now().getTime() + deps.pollIntervalMs), now: clock.now() }
      )
      for (const s of sends) {
        if ('refused' in s)
          await neverSend(trx, s.filing.id, 'submitting', s.refused.message, {
            code: s.refused.code,
            ...s.refused.detail
          })
        else if ('error' in s && (await unsent(trx, s.filing, s.error))) outcomes.set(s.filing.id, { failed: s.error })
      }
    })
    return batch.map(({ payload }) =>
      filings.has(payload.filingId)
        ? outcomes.get(payload.filingId)
        : { failed: new Error(`filing ${payload.filingId} not found`) }
    )
  })

  /** One filing's send: the court's policy asked first, then the message sent; what came of it, never thrown. */
  async function send({ filing, xml, checked }: Message): Promise<SendResult> {
    try {
      // What the court's published policy (and its fee calculation) says, before anything is sent. A court that
      // cannot be asked now is an attempt that did not leave: tried again with backoff, given up like a send.
      const verdict = await policies.check(filing, xml, checked)
      if (!verdict.ok) return { filing, refused: verdict }
      const sentAt = performance.now()
      const receipt = await adapters.for(filing.court_id).submit({ filingId: filing.id, xml })
      deps.metrics?.observeSubmit(filing.court_id, (performance.now() - sentAt) / 1000)
      return { filing, receipt, policy: verdict.detail }
    } catch (err) {
      const error =
        err instanceof CourtError
          ? err
          : new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', (err as Error).message, {
              retryable: true,
              ambiguous: true,
              cause: err
            })
      deps.metrics?.countCourtError(filing.court_id, error.code)
      return { filing, error }
    }
  }

  /**
   * Where a send that failed leads: failed for good, `unknown` (it may have arrived: the court is asked), or back to
   * `queued`. True when the send is to be tried again by the job's backoff (it did not leave at all).
   */
  async function unsent(trx: Kysely<Database>, filing: FilingRow, e: CourtError): Promise<boolean> {
    const attempts = filing.attempts + 1
    const giveUp = e.retryable && !e.ambiguous ? await givenUp(trx, filing.id, attempts) : undefined
    const [to, lastError, detail]: [FilingState, string, Record<string, unknown>] = !e.retryable
      ? ['failed', e.message, {}]
      : e.ambiguous
        ? ['unknown', e.message, {}]
        : giveUp
          ? ['failed', `${giveUp}: ${e.message}`, { attempts }]
          : ['queued', e.message, {}]
    const moved = await transition(
      trx,
      filing.id,
      ['submitting'],
      to,
      { source: 'submit', at: at(), detail: { error: e.message, ...detail } },
      { last_error: lastError }
    )
    if (moved && to === 'unknown') await next(RECONCILE_JOB, filing.id, lookLater(), trx)
    return to === 'queued'
  }

  /** Why sending a filing is given up after `attempts` sends, or undefined while it is still to be tried. */
  async function givenUp(trx: Kysely<Database>, filingId: string, attempts: number): Promise<string | undefined> {
    if (attempts < MAX_SEND_ATTEMPTS) return undefined
    const first = await firstSendAt(trx, filingId)
    const since = first ? clock.now().getTime() - first.getTime() : 0
    return since >= SEND_GIVE_UP_MS
      ? `gave up after ${attempts} attempts in ${Math.floor(since / 3_600_000)} hours`
      : undefined
  }

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
    const giveUp = match.kind === 'found' ? undefined : await givenUp(db, filing.id, filing.attempts)
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
      } else if (giveUp) {
        await transition(
          trx,
          filing.id,
          ['unknown'],
          'failed',
          { source: 'poll', at: at(), detail: { reconciled: true, atCourt: false, attempts: filing.attempts } },
          { last_error: `not at the court; ${giveUp}: ${filing.last_error ?? ''}` }
        )
      } else if (
        await transition(trx, filing.id, ['unknown'], 'queued', {
          source: 'poll',
          at: at(),
          detail: { reconciled: true, atCourt: false }
        })
      ) {
        // Another key than the first send's: that job may still be finishing. Sent again after the backoff of its
        // sends so far (1-2 s after the first, an hour at most): a court that times out on every send is not sent
        // the same filing every poll interval all day.
        await enqueue(
          trx,
          SUBMIT_JOB,
          { filingId: filing.id },
          {
            runAt: new Date(clock.now().getTime() + backoffMs(filing.attempts)),
            now: clock.now(),
            key: `submit:${filing.id}:${filing.attempts}`
          }
        )
      }
    })
  })

  const listedStatus = courtStatusLists(deps, adapters)
  /**
   * Asks the court about a batch of open filings (from its status list where it keeps one, else one GetFilingStatus
   * each, at once): most hear nothing new and cost no transaction; what is new is recorded in one transaction.
   */
  const poll = handleBatch(POLL_JOB, POLL_BATCH, async (batch) => {
    const filings = await filingsByIds(
      db,
      batch.map((b) => b.payload.filingId)
    )
    const now = clock.now().getTime()
    const heard = await Promise.all(
      [...filings.values()]
        .filter((f) => !TERMINAL.has(f.state) && f.court_filing_id)
        .map(
          async (
            filing
          ): Promise<
            { filing: FilingRow; status: CourtStatus; notBefore: number } | { filing: FilingRow; outcome: JobOutcome }
          > => {
            try {
              // A status read from a court's list cannot change before the list is asked for again: no poll before then.
              const listed = await listedStatus(filing.court_id, filing.court_filing_id!)
              // A filing whose receipt came after the list was asked for need not be in it: the next list will say.
              // Asking it alone instead cost a statewide run 67,497 GetFilingStatus requests while its sends went on.
              // One the court left out of a list asked for later (too old for it, say) is asked about alone below.
              if (listed && listed.status === null && Date.parse(filing.updated_at) > listed.listedAt.getTime())
                return { filing, outcome: { rescheduleAt: listed.freshUntil } }
              const notBefore = listed?.status ? listed.freshUntil.getTime() : 0
              const status = listed?.status ?? (await adapters.for(filing.court_id).status(filing.court_filing_id!))
              return { filing, status, notBefore }
            } catch (err) {
              // A court that cannot answer now is asked again at the next poll, not counted as a failed job.
              if (err instanceof CourtError) deps.metrics?.countCourtError(filing.court_id, err.code)
              if (err instanceof CourtError && err.retryable)
                return { filing, outcome: { rescheduleAt: new Date(now + deps.pollIntervalMs) } }
              return { filing, outcome: { failed: err } }
            }
          }
        )
    )
    const outcomes = new Map<string, JobOutcome>()
    const awaiting = (f: FilingRow) => f.state === 'accepted' || f.state === 'partially_accepted'
    const news: Array<{ filing: FilingRow; status: CourtStatus; notBefore: number }> = []
    for (const h of heard) {
      if ('outcome' in h) outcomes.set(h.filing.id, h.outcome)
      // Most polls of a county's thousands of filings hear nothing new: they cost no transaction and no second read.
      else if (isNews(h.filing, h.status)) news.push(h)
      else
        outcomes.set(
          h.filing.id,
          awaiting(h.filing)
            ? await awaitRuling(h.filing, h.notBefore)
            : { rescheduleAt: new Date(Math.max(now + deps.pollIntervalMs, h.notBefore)) }
        )
    }
    if (news.length > 0) {
      await db.transaction().execute((trx) => recordNews(trx, news))
      const after = await filingsByIds(
        db,
        news.map((n) => n.filing.id)
      )
      for (const { filing, notBefore } of news) {
        const now = after.get(filing.id)!
        if (TERMINAL.has(now.state)) continue
        outcomes.set(
          filing.id,
          awaiting(now)
            ? await awaitRuling(now, notBefore)
            : { rescheduleAt: new Date(Math.max(clock.now().getTime() + deps.pollIntervalMs, notBefore)) }
        )
      }
    }
    return batch.map(({ payload }) => outcomes.get(payload.filingId))
  })

  /** Whether a status says something a filing's record does not: a clerk's decision, a ruling, a text to read. */
  function isNews(filing: FilingRow, status: CourtStatus): boolean {
    const accepted = status.status === 'accepted' || status.status === 'partially-accepted'
    return (
      (filing.state === 'submitted' && status.status !== 'received') ||
      (accepted && (Boolean(status.ruling) || Boolean(status.statusText)))
    )
  }

  /** Records what polls heard: the clerk's decisions, then the rulings (grouped, so a few statements for many). */
  async function recordNews(
    trx: Kysely<Database>,
    news: ReadonlyArray<{ filing: FilingRow; status: CourtStatus }>
  ): Promise<void> {
    const detailOf = (status: CourtStatus) => ({
      status: status.status,
      ruling: status.ruling,
      statusText: status.statusText
    })
    const stateNow = new Map(news.map(({ filing }) => [filing.id, filing.state]))
    const decided = news.filter(({ filing, status }) => filing.state === 'submitted' && status.status !== 'received')
    for (const to of new Set(decided.map(({ status }) => STATUS_STATE[status.status as keyof typeof STATUS_STATE]))) {
      const group = decided.filter(({ status }) => STATUS_STATE[status.status as keyof typeof STATUS_STATE] === to)
      const moved = await transitionAll(
        trx,
        group.map(({ filing, status }) => ({ filingId: filing.id, detail: detailOf(status) })),
        'submitted',
        to,
        { source: 'poll', at: at() }
      )
      for (const id of moved) stateNow.set(id, to)
    }
    const accepted = news.filter(({ status }) => status.status === 'accepted' || status.status === 'partially-accepted')
    const ruled = accepted.filter(({ status }) => status.ruling)
    for (const from of ['accepted', 'partially_accepted'] as const)
      for (const ruling of ['granted', 'denied', 'partially_granted'] as const) {
        const group = ruled.filter(({ filing, status }) => stateNow.get(filing.id) === from && status.ruling === ruling)
        const moved = await transitionAll(
          trx,
          group.map(({ filing, status }) => ({ filingId: filing.id, detail: detailOf(status) })),
          from,
          RULING_STATE[ruling],
          { source: 'poll', at: at() }
        )
        if (ruling !== 'partially_granted')
          await recordCourtRulings(
            trx,
            group.filter(({ filing }) => moved.has(filing.id)).map(({ filing }) => ({ filing, ruling })),
            at()
          )
      }
    for (const { filing, status } of accepted)
      if (!status.ruling && status.statusText) await raiseHint(trx, filing, 'ruling_unread', status.statusText, at())
  }

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
  const { state } = await filingState(trx, filing.id)
  const put = await insertHintOnce(trx, {
    filingId: filing.id,
    from: state,
    to: state,
    at,
    source: 'poll',
    detail: { [HINTS[kind].flag]: true, text, digest }
  })
  if (!put) return
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
