import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** What DA systems are told about: by webhook and through GET /v1/events. */
export type EventType = 'determination.made' | 'filing.state_changed' | 'outcome.recorded' | 'outcome.conflict'

export interface NewEvent {
  county: string
  type: EventType
  recordType: string
  recordId: string
  payload: Record<string, unknown>
  at: string
}

/**
 * Appends events to the county's feed. Call it with the transaction that makes
 * the change, so an event exists exactly when its change does (the outbox that
 * webhooks are delivered from). Payloads carry ids and states, never names.
 */
export async function appendEvents (trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    await trx.insertInto('events').values(events.slice(i, i + 200).map((e) => ({
      county: e.county, type: e.type, record_type: e.recordType, record_id: e.recordId, payload: JSON.stringify(e.payload), at: e.at
    }))).execute()
  }
}
