import type { Insertable, Kysely, QueryCreator } from 'kysely'
import { chunksOf } from './chunks.js'
import { dialectOf } from './database.js'
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
 * (`activeWebhookIds`): on PostgreSQL, events that fit one statement are inserted by the statement that reads the
 * subscriptions (every change of a filing's state appends its events: a statement fewer for each). Features append
 * events through src/webhooks/events.ts, which also brings those deliveries forward. Payloads carry ids and states,
 * never names.
 */
export async function insertEventsReadingWebhooks(
  trx: Kysely<Database>,
  events: readonly NewEvent[]
): Promise<string[]> {
  const counties = [...new Set(events.map((e) => e.county))]
  const chunks = [...chunksOf(eventRows(events), 6)]
  if (dialectOf(trx) !== 'postgres' || chunks.length !== 1) {
    for (const chunk of chunks) await trx.insertInto('events').values(chunk).execute()
    return activeWebhookIds(trx, counties)
  }
  const hooks = await activeWebhooks(
    trx.with('inserted', (db) => db.insertInto('events').values(chunks[0]!)),
    counties
  ).execute()
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

function activeWebhooks(db: QueryCreator<Database>, counties: readonly string[]) {
  return db.selectFrom('webhooks').select('id').where('county', 'in', counties).where('disabled_at', 'is', null)
}
