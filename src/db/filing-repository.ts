import type { Kysely, Selectable } from 'kysely'
import { appendEvents } from './event-repository.js'
import type { Database, FilingEventsTable, FilingsTable } from './schema.js'

export type FilingRow = Selectable<FilingsTable>
export type FilingState =
  | 'draft' | 'queued' | 'submitting' | 'submitted' | 'unknown' | 'accepted' | 'partially_accepted' | 'rejected'
  | 'granted' | 'denied' | 'partially_granted' | 'failed' | 'cancelled'
export type EventSource = FilingEventsTable['source']

/**
 * The filing state machine of docs/design.md: the only moves allowed. A move
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

export const TERMINAL: ReadonlySet<FilingState> = new Set(['rejected', 'granted', 'denied', 'partially_granted', 'failed', 'cancelled'])

/**
 * Moves a filing from one of `from` to `to`, writing the `filing_events` row
 * and the county's `filing.state_changed` event in the same transaction (call
 * it with one). Returns false when the filing was no
 * longer in an expected state: another worker moved it first, and the caller
 * must not act on it.
 */
export async function transition (
  trx: Kysely<Database>, filingId: string, from: readonly FilingState[], to: FilingState,
  event: { source: EventSource, at: string, detail?: Record<string, unknown> },
  changes: Partial<Pick<FilingRow, 'court_filing_id' | 'attempts' | 'last_error' | 'next_attempt_at'>> = {}
): Promise<boolean> {
  for (const f of from) if (!TRANSITIONS[f].includes(to)) throw new Error(`filing state machine: ${f} → ${to} is not a move`)
  const current = await trx.selectFrom('filings').select(['state', 'county', 'court_filing_id']).where('id', '=', filingId).executeTakeFirst()
  if (!current || !from.includes(current.state as FilingState)) return false
  const result = await trx.updateTable('filings').set({ state: to, updated_at: event.at, ...changes })
    .where('id', '=', filingId).where('state', '=', current.state).executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return false
  await trx.insertInto('filing_events').values({
    filing_id: filingId, from_state: current.state, to_state: to, at: event.at, source: event.source,
    detail: event.detail ? JSON.stringify(event.detail) : null
  }).execute()
  // DA systems hear of every move (webhooks, GET /v1/events); drafts are not news.
  if (current.state !== 'draft') {
    await appendEvents(trx, [{ county: current.county, type: 'filing.state_changed', recordType: 'filing', recordId: filingId, at: event.at, payload: { filingId, from: current.state, state: to, source: event.source, courtFilingId: changes.court_filing_id ?? current.court_filing_id } }])
  }
  return true
}

export async function findFiling (db: Kysely<Database>, id: string, county: string | null): Promise<FilingRow | undefined> {
  let q = db.selectFrom('filings').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}

export async function filingEvents (db: Kysely<Database>, id: string) {
  return db.selectFrom('filing_events').selectAll().where('filing_id', '=', id).orderBy('id').execute()
}
