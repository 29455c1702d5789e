import type { Kysely } from 'kysely'
import { activeWebhookIds, insertEvents, type NewEvent } from '../db/event-repository.js'
import type { Database } from '../db/schema.js'
import { bringJobsForward } from '../jobs/job-queue.js'
import { WEBHOOK_JOB } from './webhook-delivery.js'

export type { EventType, NewEvent } from '../db/event-repository.js'

/**
 * Appends events to the county's feed, and brings the county's webhook
 * deliveries forward so subscribers hear at once. Call it with the transaction
 * that makes the change, so an event exists exactly when its change does (the
 * outbox webhooks are delivered from).
 */
export async function appendEvents(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return
  await insertEvents(trx, events)
  await bringDeliveriesForward(trx, events)
}

/** The second half of `appendEvents`, for events inserted with other rows (`eventRows` and `insertRows`). */
export async function bringDeliveriesForward(trx: Kysely<Database>, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return
  const hooks = await activeWebhookIds(trx, [...new Set(events.map((e) => e.county))])
  if (hooks.length > 0)
    await bringJobsForward(
      trx,
      hooks.map((webhookId) => WEBHOOK_JOB.key({ webhookId })),
      new Date(events[events.length - 1]!.at)
    )
}
