import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import { type Dispatcher, request } from 'undici'
import type { Clock } from '../clock.js'
import type { Database, EventsTable } from '../db/schema.js'
import {
  advanceWebhookCursor,
  deliveryAttempts,
  eventsAfter,
  findWebhook,
  insertDelivery
} from '../db/webhook-repository.js'
import { defineJob, enqueue, handle, type RegisteredJob } from '../jobs/job-definition.js'
import { UNTIL_DONE } from '../jobs/job-queue.js'
import { refusedWebhookUrl } from './outbound-address.js'

/** A subscription's delivery loop: one job per webhook, for as long as it lives. */
export const WEBHOOK_JOB = defineJob({
  name: 'webhook.deliver',
  payload: Type.Object({ webhookId: Type.String() }),
  maxAttempts: UNTIL_DONE,
  lane: 'deliver',
  key: (p) => `webhook.deliver:${p.webhookId}`
})
/** How often an idle subscription looks for new events (appending an event brings it forward at once). */
const IDLE_MS = 5000
const BATCH = 100
export const SIGNATURE_HEADER = 'clearfile-signature'
export const EVENT_ID_HEADER = 'clearfile-event-id'

/**
 * The signature a receiver checks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the
 * subscription's secret>`. Receivers recompute it, compare in constant time and refuse a `t` more than five
 * minutes away from their clock (replays).
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`
}

/** The receiver's side of {@link signWebhook}, as the README documents it; used by the tests as a receiver would. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300
): boolean {
  const t = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1])
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1]
  if (!Number.isFinite(t) || !v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1]!, 'hex')
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'))
}

/** The JSON body of an event, as delivered and as GET /v1/events lists it. */
export function eventBody(
  e: Pick<EventsTable, 'type' | 'county' | 'record_type' | 'record_id' | 'payload' | 'at'> & { id: number }
) {
  return {
    id: String(e.id),
    type: e.type,
    at: e.at,
    county: e.county,
    recordType: e.record_type,
    recordId: e.record_id,
    data: JSON.parse(e.payload) as Record<string, unknown>
  }
}

/** Starts delivering to a new subscription: its job lives as long as the subscription. */
export async function startWebhookDelivery(trx: Kysely<Database>, webhookId: string, now: Date): Promise<void> {
  await enqueue(trx, WEBHOOK_JOB, { webhookId }, { runAt: now, now })
}

/**
 * Delivers a subscription's events in order, one at a time, from where it got
 * to: each POST is signed and timestamped; a 2xx moves the cursor and logs the
 * delivery in one transaction; anything else logs the failed attempt and the
 * job retries the same event with exponential backoff, so the receiver gets
 * every event it subscribed to once, in order, as soon as it answers 2xx.
 */
export function webhookJob(deps: {
  db: Kysely<Database>
  clock: Clock
  timeoutMs?: number
  /** Deliver to internal addresses too (config `webhookAllowPrivateNetworks`). */
  allowPrivateNetworks?: boolean
  /** Connects for every delivery: {@link publicOnlyAgent} unless internal addresses are allowed. */
  dispatcher?: Dispatcher
}): RegisteredJob {
  const { db, clock } = deps
  const allowPrivateNetworks = deps.allowPrivateNetworks ?? false
  return handle(WEBHOOK_JOB, async ({ webhookId }) => {
    const hook = await findWebhook(db, webhookId, null)
    if (!hook || hook.disabled_at) return
    const types = new Set(JSON.parse(hook.events) as string[])
    const events = await eventsAfter(db, hook.county, hook.last_event_id, BATCH)
    for (const event of events) {
      if (!types.has(event.type)) {
        await advanceWebhookCursor(db, hook.id, event.id)
        continue
      }
      const body = JSON.stringify(eventBody(event))
      const now = clock.now()
      const attempt = (await deliveryAttempts(db, hook.id, event.id)) + 1
      let status: number | null = null
      let error: string | null = null
      try {
        // A URL stored before the rule, or an IP literal (which is connected to without a lookup), is checked here.
        const refused = refusedWebhookUrl(hook.url, { allowPrivateNetworks })
        if (refused) throw new Error(`the URL ${refused}; not delivered`)
        const res = await request(hook.url, {
          ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            [EVENT_ID_HEADER]: String(event.id),
            [SIGNATURE_HEADER]: signWebhook(hook.secret, body, Math.floor(now.getTime() / 1000)),
            'user-agent': 'clearfile-webhooks'
          },
          headersTimeout: deps.timeoutMs ?? 10_000,
          bodyTimeout: deps.timeoutMs ?? 10_000
        })
        status = res.statusCode
        await res.body.dump()
      } catch (err) {
        error = (err as Error).message
      }
      const delivered = status !== null && status >= 200 && status < 300
      await db.transaction().execute(async (trx) => {
        await insertDelivery(trx, {
          webhook_id: hook.id,
          event_id: event.id,
          attempt,
          status: delivered ? 'delivered' : 'failed',
          response_status: status,
          error,
          at: clock.now().toISOString()
        })
        if (delivered) await advanceWebhookCursor(trx, hook.id, event.id)
      })
      if (!delivered)
        throw new Error(
          `webhook ${hook.id}: event ${event.id} not delivered (${status === null ? error : `HTTP ${status}`})`
        )
    }
    // Events appended while this run was sending are not in its batch, and their wake-up was for a job that was
    // running: look once more before idling.
    const cursor = events.length > 0 ? events[events.length - 1]!.id : hook.last_event_id
    const more = (await eventsAfter(db, hook.county, cursor, 1)).length > 0
    return { rescheduleAt: new Date(clock.now().getTime() + (more ? 0 : IDLE_MS)) }
  })
}
