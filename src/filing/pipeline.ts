import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Kysely } from 'kysely'
import { createCourtAdapter } from '../../adapters/index.js'
import { CourtError, type CourtAdapter, type CourtStatus } from '../../adapters/types.js'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import type { Metrics } from '../metrics.js'
import type { DaProfile } from '../documents/court-papers.js'
import { TERMINAL, transition, type FilingState } from '../db/filing-repository.js'
import { enqueueJob, type JobRow, UNTIL_DONE } from '../db/job-repository.js'
import { recordCourtRuling } from '../outcomes/filed-counts.js'
import type { Database } from '../db/schema.js'
import { ClearfileError, type ErrorCode } from '../errors.js'
import type { JobHandler } from '../workers/job-runner.js'
import { messagePath, writeFilingMessage } from './filing-message.js'

/** Why a filing's message cannot be made; retrying would not help. */
const PERMANENT_BUILD_ERRORS: ReadonlySet<ErrorCode> = new Set(['CLEARFILE_ERR_ECF_INVALID', 'CLEARFILE_ERR_DA_PROFILE_MISSING', 'CLEARFILE_ERR_DOCUMENTS_MISSING', 'CLEARFILE_ERR_NOT_ELIGIBLE', 'CLEARFILE_ERR_COURT_NOT_CONFIGURED'])

export const SUBMIT_JOB = 'filing.submit'
/** Sends of one filing before it is failed with the reason (each after the court was found not to have it). */
export const MAX_SEND_ATTEMPTS = 8
export const RECONCILE_JOB = 'filing.reconcile'
export const POLL_JOB = 'filing.poll'

export interface PipelineDeps {
  db: Kysely<Database>
  clock: Clock
  dataDir: string
  courts: ReadonlyMap<string, CourtEntry>
  /** Where courts call us back (ecf:SendingMDELocationID). */
  callbackUrl: string
  /** How often open filings are asked about. */
  pollIntervalMs: number
  /** DA profiles by county: the filing deputy and office named in each message. */
  profiles: Map<string, DaProfile>
  metrics?: Metrics
}

/** Adapters per court, made on first use and closed with the app. */
export function courtAdapters (courts: ReadonlyMap<string, CourtEntry>) {
  const made = new Map<string, CourtAdapter>()
  return {
    for (courtId: string): CourtAdapter {
      let a = made.get(courtId)
      if (!a) {
        const court = courts.get(courtId)
        if (!court) throw new ClearfileError('CLEARFILE_ERR_COURT_NOT_CONFIGURED', `No court ${courtId} in the courts file`)
        made.set(courtId, a = createCourtAdapter(court))
      }
      return a
    },
    async close () { await Promise.all([...made.values()].map((a) => a.close())) }
  }
}

type Adapters = ReturnType<typeof courtAdapters>

const RULING_STATE = { granted: 'granted', denied: 'denied', partially_granted: 'partially_granted' } as const
const STATUS_STATE = { accepted: 'accepted', 'partially-accepted': 'partially_accepted', rejected: 'rejected' } as const

/**
 * The jobs that move a filing along: submit (persisting `submitting` before the
 * request leaves, so a crash mid-send is found and reconciled, never blindly
 * resent), reconcile (ask the court with GetFilingList whether it has our
 * filing id), and poll (GetFilingStatus until a terminal state).
 */
export function filingJobHandlers (deps: PipelineDeps, adapters: Adapters): Record<string, JobHandler> {
  const { db, clock } = deps
  const at = () => clock.now().toISOString()
  const load = (job: JobRow) => {
    const { filingId } = JSON.parse(job.payload) as { filingId: string }
    return db.selectFrom('filings').selectAll().where('id', '=', filingId).executeTakeFirstOrThrow()
  }
  // Asking the court is never given up: a filing it may have stays `unknown` (or open) until it answers.
  const next = (job: string, filingId: string, runAt: Date, trx: Kysely<Database>) =>
    enqueueJob(trx, { kind: job, payload: { filingId }, dedupeKey: `${job}:${filingId}`, runAt, maxAttempts: UNTIL_DONE }, clock.now())

  const submit: JobHandler = async (job) => {
    const filing = await load(job)
    if (filing.state === 'submitting') {
      // We were sending when the process stopped: the court may have it. Ask before anything else.
      await db.transaction().execute(async (trx) => {
        if (await transition(trx, filing.id, ['submitting'], 'unknown', { source: 'submit', at: at(), detail: { reason: 'interrupted while sending' } })) {
          await next(RECONCILE_JOB, filing.id, clock.now(), trx)
        }
      })
      return
    }
    if (filing.state !== 'queued') return
    if (!existsSync(messagePath(deps.dataDir, filing.id))) {
      try {
        await writeFilingMessage(deps, filing)
      } catch (err) {
        if (!(err instanceof ClearfileError) || !PERMANENT_BUILD_ERRORS.has(err.code)) throw err
        // A message that cannot be built or does not validate is never sent.
        await db.transaction().execute((trx) =>
          transition(trx, filing.id, ['queued'], 'failed', { source: 'submit', at: at(), detail: { error: err.message, code: err.code } }, { last_error: err.message }))
        return
      }
    }
    const moved = await db.transaction().execute((trx) =>
      transition(trx, filing.id, ['queued'], 'submitting', { source: 'submit', at: at() }, { attempts: filing.attempts + 1 }))
    if (!moved) return
    const xml = await readFile(messagePath(deps.dataDir, filing.id), 'utf8')
    const sentAt = performance.now()
    try {
      const receipt = await adapters.for(filing.court_id).submit({ filingId: filing.id, xml })
      deps.metrics?.observeSubmit(filing.court_id, (performance.now() - sentAt) / 1000)
      await db.transaction().execute(async (trx) => {
        await transition(trx, filing.id, ['submitting'], 'submitted', { source: 'submit', at: at(), detail: { courtFilingId: receipt.courtFilingId } }, { court_filing_id: receipt.courtFilingId, last_error: null })
        await next(POLL_JOB, filing.id, new Date(clock.now().getTime() + deps.pollIntervalMs), trx)
      })
    } catch (err) {
      const e = err instanceof CourtError ? err : new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', (err as Error).message, { retryable: true, ambiguous: true, cause: err })
      deps.metrics?.countCourtError(filing.court_id, e.code)
      await db.transaction().execute(async (trx) => {
        if (!e.retryable) {
          await transition(trx, filing.id, ['submitting'], 'failed', { source: 'submit', at: at(), detail: { error: e.message } }, { last_error: e.message })
        } else if (e.ambiguous) {
          await transition(trx, filing.id, ['submitting'], 'unknown', { source: 'submit', at: at(), detail: { error: e.message } }, { last_error: e.message })
          await next(RECONCILE_JOB, filing.id, clock.now(), trx)
        } else if (filing.attempts + 1 >= MAX_SEND_ATTEMPTS) {
          await transition(trx, filing.id, ['submitting'], 'failed', { source: 'submit', at: at(), detail: { error: e.message, attempts: filing.attempts + 1 } }, { last_error: `gave up after ${filing.attempts + 1} attempts: ${e.message}` })
        } else {
          await transition(trx, filing.id, ['submitting'], 'queued', { source: 'submit', at: at(), detail: { error: e.message } }, { last_error: e.message })
        }
      })
      // Not sent at all: let the job's backoff try again.
      if (e.retryable && !e.ambiguous && filing.attempts + 1 < MAX_SEND_ATTEMPTS) throw e
    }
  }

  const reconcile: JobHandler = async (job) => {
    const filing = await load(job)
    if (filing.state !== 'unknown') return
    const found = await adapters.for(filing.court_id).findBySubmissionId!(filing.id)
    await db.transaction().execute(async (trx) => {
      if (found) {
        if (await transition(trx, filing.id, ['unknown'], 'submitted', { source: 'poll', at: at(), detail: { courtFilingId: found.courtFilingId, reconciled: true } }, { court_filing_id: found.courtFilingId })) {
          await next(POLL_JOB, filing.id, clock.now(), trx)
        }
      } else if (filing.attempts >= MAX_SEND_ATTEMPTS) {
        await transition(trx, filing.id, ['unknown'], 'failed', { source: 'poll', at: at(), detail: { reconciled: true, atCourt: false, attempts: filing.attempts } }, { last_error: `not at the court after ${filing.attempts} attempts: ${filing.last_error ?? ''}` })
      } else if (await transition(trx, filing.id, ['unknown'], 'queued', { source: 'poll', at: at(), detail: { reconciled: true, atCourt: false } })) {
        await enqueueJob(trx, { kind: SUBMIT_JOB, payload: { filingId: filing.id }, dedupeKey: `submit:${filing.id}:${filing.attempts}`, runAt: clock.now(), maxAttempts: UNTIL_DONE }, clock.now())
      }
    })
  }

  const poll: JobHandler = async (job) => {
    const filing = await load(job)
    if (TERMINAL.has(filing.state as FilingState) || !filing.court_filing_id) return
    const again = { rescheduleAt: new Date(clock.now().getTime() + deps.pollIntervalMs) }
    let status: CourtStatus
    try {
      status = await adapters.for(filing.court_id).status(filing.court_filing_id)
    } catch (err) {
      // A court that cannot answer now is asked again at the next poll, not counted as a failed job.
      if (err instanceof CourtError) deps.metrics?.countCourtError(filing.court_id, err.code)
      if (err instanceof CourtError && err.retryable) return again
      throw err
    }
    await db.transaction().execute(async (trx) => {
      const detail = { status: status.status, ruling: status.ruling, statusText: status.statusText }
      if (filing.state === 'submitted' && status.status !== 'received') {
        await transition(trx, filing.id, ['submitted'], STATUS_STATE[status.status], { source: 'poll', at: at(), detail })
      }
      if (status.ruling && (status.status === 'accepted' || status.status === 'partially-accepted')) {
        const ruled = await transition(trx, filing.id, ['accepted', 'partially_accepted'], RULING_STATE[status.ruling], { source: 'poll', at: at(), detail })
        if (ruled && status.ruling !== 'partially_granted') await recordCourtRuling(trx, filing, status.ruling, at())
      }
    })
    const after = await db.selectFrom('filings').select('state').where('id', '=', filing.id).executeTakeFirstOrThrow()
    if (!TERMINAL.has(after.state as FilingState)) return again
  }

  return { [SUBMIT_JOB]: submit, [RECONCILE_JOB]: reconcile, [POLL_JOB]: poll }
}
