import type { Insertable, Kysely } from 'kysely'
import { chunksOf } from './chunks.js'
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
 * Inserts events into the county's feed. Features append events through
 * src/webhooks/events.ts, which also brings the county's deliveries forward.
 * Payloads carry ids and states, never names.
 */
export async function insertEvents(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
  for (const chunk of chunksOf(eventRows(events), 6)) await trx.insertInto('events').values(chunk).execute()
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
  const hooks = await trx
    .selectFrom('webhooks')
    .select('id')
    .where('county', 'in', counties)
    .where('disabled_at', 'is', null)
    .execute()
  return hooks.map((h) => h.id)
}
