import type { Insertable, Kysely, QueryCreator } from 'kysely'
import { insertRows } from './insert-rows.js'
import type { Database, EventsTable } from './schema.js'

/** What DA systems are told about: by webhook and through GET /v1/events. */
export type EventType =
  | 'determination.made'
  | 'filing.state_changed'
  | 'filing.ruling_unread'
  | 'filing.ruling_overdue'
  | 'filing.needs_attention'
  | 'outcome.recorded'
  | 'outcome.conflict'

export interface NewEvent {
  county: string
  type: EventType
  recordType: string
  recordId: string
  payload: Record<string, unknown>
  at: string
}

/**
 * Inserts events into the county's feed, and returns the active subscriptions of their counties
 * (`activeWebhookIds`), read by the statement that inserts them where it can (`insertRows`: every change of a
 * filing's state appends its events, a statement fewer for each). Features append events through
 * src/webhooks/events.ts, which also brings those deliveries forward. Payloads carry ids and states, never names.
 */
export async function insertEventsReadingWebhooks(
  trx: Kysely<Database>,
  events: readonly NewEvent[]
): Promise<string[]> {
  const counties = [...new Set(events.map((e) => e.county))]
  const hooks = await insertRows(trx, [{ table: 'events', rows: eventRows(events) }], activeWebhooks(trx, counties))
  return hooks.map((h) => h.id)
}

/** Events as rows to insert (for `insertRows`, with the change they tell of). */
export function eventRows(events: readonly NewEvent[]): Insertable<EventsTable>[] {
  return events.map((e) => ({
    county: e.county,
    type: e.type,
    record_type: e.recordType,
    record_id: e.recordId,
    payload: JSON.stringify(e.payload),
    at: e.at
  }))
}

/** The active subscriptions of these counties. */
export async function activeWebhookIds(trx: Kysely<Database>, counties: readonly string[]): Promise<string[]> {
  return (await activeWebhooks(trx, counties).execute()).map((h) => h.id)
}

/** The select of the active subscriptions of these counties (their ids), to run alone or with other statements. */
export function activeWebhooks(db: QueryCreator<Database>, counties: readonly string[]) {
  return db.selectFrom('webhooks').select('id').where('county', 'in', counties).where('disabled_at', 'is', null)
}
