import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams, authErrors, bodyErrors, errorResponses } from '../../../schemas/api/common.js'
import {
  DeliveryList,
  EventPage,
  EventQuery,
  WebhookCreated,
  WebhookInput,
  WebhookList,
  WebhookView
} from '../../../schemas/api/webhooks.js'
import { recordAudit } from '../../db/audit-repository.js'
import { newId } from '../../db/ids.js'
import {
  disableWebhook,
  eventsAfter,
  findWebhook,
  insertWebhook,
  latestEventId,
  listDeliveries,
  listWebhooks,
  type WebhookRow
} from '../../db/webhook-repository.js'
import { ClearfileError } from '../../errors.js'
import { refusedWebhookUrl } from '../../webhooks/outbound-address.js'
import { eventBody, startWebhookDelivery } from '../../webhooks/webhook-delivery.js'
import type { Services } from '../../services.js'
import { actingCounty, auditContext } from '../auth.js'

const view = (w: WebhookRow) => ({
  id: w.id,
  county: w.county,
  url: w.url,
  events: JSON.parse(w.events) as string[],
  createdAt: w.created_at,
  disabledAt: w.disabled_at,
  lastEventId: String(w.last_event_id)
})

/** Webhook subscriptions and the events feed: how DA systems learn of determinations, filing moves and outcomes. */
export const webhookRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock, config }) => {
  const managers = ['da_system', 'admin'] as const

  app.post(
    '/webhooks',
    {
      config: { roles: [...managers] },
      schema: {
        tags: ['events'],
        operationId: 'createWebhook',
        summary: "Subscribe a URL to the county's events; the signing secret is shown once",
        body: WebhookInput,
        response: { 201: WebhookCreated, ...bodyErrors, ...authErrors }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const county = actingCounty(ctx.principal, request.body.county)
      const refused = refusedWebhookUrl(request.body.url, { allowPrivateNetworks: config.webhookAllowPrivateNetworks })
      if (refused)
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The webhook URL cannot be used', [
          { path: '/url', message: refused }
        ])
      const secret = `whsec_${randomBytes(24).toString('base64url')}`
      const row = {
        id: newId(),
        county,
        url: request.body.url,
        events: JSON.stringify(request.body.events),
        secret,
        created_by: ctx.principal.clientId,
        created_at: ctx.now.toISOString(),
        disabled_at: null
      }
      // Delivery starts with the events that happen from now on.
      const last = await latestEventId(db)
      await db.transaction().execute(async (trx) => {
        await insertWebhook(trx, { ...row, last_event_id: last })
        await startWebhookDelivery(trx, row.id, ctx.now)
        await recordAudit(trx, ctx, [
          {
            action: 'webhook.create',
            recordType: 'webhook',
            recordId: row.id,
            county,
            detail: { url: row.url, events: request.body.events }
          }
        ])
      })
      return reply.status(201).send({ ...view(await find(row.id, null)), secret })
    }
  )

  const find = async (id: string, county: string | null) => {
    const w = await findWebhook(db, id, county)
    if (!w) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such webhook')
    return w
  }

  app.get(
    '/webhooks',
    {
      config: { roles: [...managers] },
      schema: {
        tags: ['events'],
        operationId: 'listWebhooks',
        summary: "The county's webhook subscriptions",
        response: { 200: WebhookList, ...authErrors }
      }
    },
    async (request) => {
      return { items: (await listWebhooks(db, request.principal!.county)).map(view) }
    }
  )

  app.delete(
    '/webhooks/:id',
    {
      config: { roles: [...managers] },
      schema: {
        tags: ['events'],
        operationId: 'disableWebhook',
        summary: 'Stop a subscription (its delivery log stays)',
        params: IdParams,
        response: { 200: WebhookView, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const w = await find(request.params.id, ctx.principal.county)
      await db.transaction().execute(async (trx) => {
        await disableWebhook(trx, w.id, w.disabled_at ?? ctx.now.toISOString())
        await recordAudit(trx, ctx, [
          { action: 'webhook.disable', recordType: 'webhook', recordId: w.id, county: w.county }
        ])
      })
      return view(await find(w.id, null))
    }
  )

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { roles: [...managers] },
      schema: {
        tags: ['events'],
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log of a subscription, newest first (last 500)',
        params: IdParams,
        response: { 200: DeliveryList, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const w = await find(request.params.id, request.principal!.county)
      const rows = await listDeliveries(db, w.id, 500)
      return {
        items: rows.map((d) => ({
          eventId: String(d.event_id),
          attempt: d.attempt,
          status: d.status,
          responseStatus: d.response_status,
          error: d.error,
          at: d.at
        }))
      }
    }
  )

  app.get(
    '/events',
    {
      config: { roles: ['da_system', 'deputy_da', 'admin'] },
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: "The county's events in order, for systems that poll: pass the last id you have as `after`",
        querystring: EventQuery,
        response: { 200: EventPage, ...errorResponses(400), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const county = actingCounty(ctx.principal, request.query.county)
      const after = Number(request.query.after ?? 0)
      const rows = await eventsAfter(db, county, after, request.query.limit ?? 100)
      return { items: rows.map(eventBody), next: String(rows.length > 0 ? rows[rows.length - 1]!.id : after) }
    }
  )
}
