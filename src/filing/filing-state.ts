import type { Kysely } from 'kysely'
import {
  insertFilingEvent,
  insertFilingEvents,
  insertFilings,
  moveFiling,
  moveFilings,
  type EventSource,
  type FilingCaseRow,
  type FilingDocumentRow,
  type FilingRow,
  type FilingState
} from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import { appendEvents, type NewEvent } from '../webhooks/events.js'

export type { FilingState } from '../db/filing-repository.js'

/**
 * The filing state machine (README, "E-filing"): the only moves allowed. A move
 * not listed is a bug, and `transition` refuses it.
 */
export const TRANSITIONS: Readonly<Record<FilingState, readonly FilingState[]>> = {
  draft: ['queued', 'cancelled'],
  queued: ['submitting', 'failed', 'cancelled'],
  submitting: ['submitted', 'unknown', 'queued', 'failed'],
  unknown: ['submitted', 'queued', 'failed'],
  submitted: ['accepted', 'partially_accepted', 'rejected', 'failed'],
  accepted: ['granted', 'denied', 'partially_granted'],
  partially_accepted: ['granted', 'denied', 'partially_granted'],
  rejected: [],
  granted: [],
  denied: [],
  partially_granted: [],
  failed: [],
  cancelled: []
}

export const TERMINAL: ReadonlySet<FilingState> = new Set([
  'rejected',
  'granted',
  'denied',
  'partially_granted',
  'failed',
  'cancelled'
])

/**
 * Moves a filing from one of `from` to `to`, writing the `filing_events` row
 * and the county's `filing.state_changed` event in the same transaction (call
 * it with one). Returns false when the filing was no longer in an expected
 * state: another worker moved it first, and the caller must not act on it.
 */
export async function transition(
  trx: Kysely<Database>,
  filingId: string,
  from: readonly FilingState[],
  to: FilingState,
  event: { source: EventSource; at: string; detail?: Record<string, unknown> },
  changes: Partial<Pick<FilingRow, 'court_filing_id' | 'attempts' | 'last_error'>> = {}
): Promise<boolean> {
  for (const f of from)
    if (!TRANSITIONS[f].includes(to)) throw new Error(`filing state machine: ${f} → ${to} is not a move`)
  const moved = await moveFiling(trx, filingId, from, to, event.at, changes)
  if (!moved) return false
  await insertFilingEvent(trx, {
    filingId,
    from: moved.from,
    to,
    at: event.at,
    source: event.source,
    detail: event.detail
  })
  // DA systems hear of every move (webhooks, GET /v1/events); drafts are not news.
  if (moved.from !== 'draft')
    await appendEvents(trx, [stateChanged(filingId, moved.from, to, event, moved.county, moved.courtFilingId)])
  return true
}

/**
 * Moves filings each from `from` to `to`, as `transition` does for one (their timeline rows and county events in
 * the same transaction; call it with one), in a few statements for any number. A move may carry the court's
 * filing id and its own event detail. Returns the ids of those moved: the rest were no longer in `from`.
 */
export async function transitionAll(
  trx: Kysely<Database>,
  moves: ReadonlyArray<{ filingId: string; courtFilingId?: string; detail?: Record<string, unknown> }>,
  from: FilingState,
  to: FilingState,
  event: { source: EventSource; at: string },
  changes: { countAttempt?: boolean; last_error?: string | null } = {}
): Promise<Set<string>> {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`filing state machine: ${from} → ${to} is not a move`)
  if (moves.length === 0) return new Set()
  const moved = await moveFilings(
    trx,
    moves.map((m) => ({
      id: m.filingId,
      ...(m.courtFilingId !== undefined ? { courtFilingId: m.courtFilingId } : {})
    })),
    from,
    to,
    event.at,
    changes
  )
  const detailOf = new Map(moves.map((m) => [m.filingId, m.detail]))
  await insertFilingEvents(
    trx,
    moved.map((m) => ({ filingId: m.id, from, to, at: event.at, source: event.source, detail: detailOf.get(m.id) }))
  )
  if (from !== 'draft')
    await appendEvents(
      trx,
      moved.map((m) => stateChanged(m.id, from, to, event, m.county, m.courtFilingId))
    )
  return new Set(moved.map((m) => m.id))
}

/** The county's `filing.state_changed` event of a move. */
function stateChanged(
  filingId: string,
  from: FilingState,
  to: FilingState,
  event: { source: EventSource; at: string },
  county: string,
  courtFilingId: string | null
): NewEvent {
  return {
    county,
    type: 'filing.state_changed',
    recordType: 'filing',
    recordId: filingId,
    at: event.at,
    payload: { filingId, from, state: to, source: event.source, courtFilingId }
  }
}

/**
 * Stores new filings straight into `queued`, each timeline starting with the
 * draft → queued move (drafts are not news: no county event), in a few
 * statements for any number: what inserting drafts and calling `transition`
 * on each would do. Call it with a transaction.
 */
export async function insertQueuedFilings(
  trx: Kysely<Database>,
  filings: ReadonlyArray<Omit<FilingRow, 'state'>>,
  cases: readonly FilingCaseRow[],
  documents: readonly FilingDocumentRow[],
  event: { source: EventSource; at: string; detail?: Record<string, unknown> }
): Promise<void> {
  if (!TRANSITIONS.draft.includes('queued')) throw new Error('filing state machine: draft → queued is not a move')
  await insertFilings(
    trx,
    filings.map((f) => ({ ...f, state: 'queued' as const })),
    cases,
    documents
  )
  await insertFilingEvents(
    trx,
    filings.map((f) => ({ filingId: f.id, from: 'draft' as const, to: 'queued' as const, ...event }))
  )
}
