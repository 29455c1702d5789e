import type { Kysely, Selectable } from 'kysely'
import type { Database, EventsTable, WebhookDeliveriesTable, WebhooksTable } from './schema.js'

type Db = Kysely<Database>
export type WebhookRow = Selectable<WebhooksTable>
export type EventRow = Selectable<EventsTable>
export type DeliveryRow = Selectable<WebhookDeliveriesTable>

/** The newest event id of every county: a new subscription starts after it. */
export async function latestEventId(db: Db): Promise<number> {
  const last = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return Number(last?.id ?? 0)
}

export async function insertWebhook(
  db: Db,
  row: Omit<WebhookRow, 'last_event_id'> & { last_event_id: number }
): Promise<void> {
  await db.insertInto('webhooks').values(row).execute()
}

/** A subscription the key may see (its county's, or any for admin keys); undefined otherwise. */
export async function findWebhook(db: Db, id: string, county: string | null): Promise<WebhookRow | undefined> {
  let q = db.selectFrom('webhooks').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}

export async function listWebhooks(db: Db, county: string | null): Promise<WebhookRow[]> {
  let q = db.selectFrom('webhooks').selectAll().orderBy('id')
  if (county !== null) q = q.where('county', '=', county)
  return q.execute()
}

export async function disableWebhook(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('webhooks').set({ disabled_at: at }).where('id', '=', id).execute()
}

/** A subscription's delivery log, newest first. */
export async function listDeliveries(db: Db, webhookId: string, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

/** A county's events after `after`, in order. */
export async function eventsAfter(db: Db, county: string, after: number, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('county', '=', county)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute()
}

/** Moves a subscription's cursor past an event (delivered, or of a type it did not ask for). */
export async function advanceWebhookCursor(db: Db, webhookId: string, eventId: number): Promise<void> {
  await db.updateTable('webhooks').set({ last_event_id: eventId }).where('id', '=', webhookId).execute()
}

/** How many times an event was tried for a subscription already. */
export async function deliveryAttempts(db: Db, webhookId: string, eventId: number): Promise<number> {
  const previous = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('webhook_id', '=', webhookId)
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow()
  return Number(previous.n)
}

export async function insertDelivery(db: Db, row: Omit<DeliveryRow, 'id'>): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute()
}
