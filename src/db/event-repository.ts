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
  if (events.length === 0) return
  for (let i = 0; i < events.length; i += 200) {
    await trx.insertInto('events').values(events.slice(i, i + 200).map((e) => ({
      county: e.county, type: e.type, record_type: e.recordType, record_id: e.recordId, payload: JSON.stringify(e.payload), at: e.at
    }))).execute()
  }
  // Bring the counties' webhook deliveries forward (the job key is the one src/webhooks uses).
  const counties = [...new Set(events.map((e) => e.county))]
  const hooks = await trx.selectFrom('webhooks').select('id').where('county', 'in', counties).where('disabled_at', 'is', null).execute()
  if (hooks.length > 0) {
    const at = events[events.length - 1]!.at
    await trx.updateTable('jobs').set({ run_at: at }).where('dedupe_key', 'in', hooks.map((h) => `webhook.deliver:${h.id}`))
      .where('done_at', 'is', null).where('run_at', '>', at).execute()
  }
}
