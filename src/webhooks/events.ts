import type { Kysely } from 'kysely'
import { activeWebhookIds, insertEventsReadingWebhooks, type NewEvent } from '../db/event-repository.js'
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
  await bringForward(trx, events, await insertEventsReadingWebhooks(trx, events))
}

/**
 * The second half of `appendEvents`, for events inserted with other rows (`eventRows` and `insertRows`): `hooks`,
 * the events' counties' active subscriptions when they were read with the rows (`activeWebhooks`), else read here.
 */
export async function bringDeliveriesForward(
  trx: Kysely<Database>,
  events: readonly NewEvent[],
  hooks?: readonly string[]
): Promise<void> {
  if (events.length === 0) return
  await bringForward(trx, events, hooks ?? (await activeWebhookIds(trx, [...new Set(events.map((e) => e.county))])))
}

/** Brings the deliveries of these subscriptions forward to the last event's time. */
async function bringForward(trx: Kysely<Database>, events: readonly NewEvent[], hooks: readonly string[]) {
  if (hooks.length > 0)
    await bringJobsForward(
      trx,
      hooks.map((webhookId) => WEBHOOK_JOB.key({ webhookId })),
      new Date(events[events.length - 1]!.at)
    )
}
