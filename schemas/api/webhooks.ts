import Type from 'typebox'
import { IsoDateTime } from './common.js'

export const EVENT_TYPES = [
  'determination.made',
  'filing.state_changed',
  'filing.ruling_unread',
  'filing.ruling_overdue',
  'filing.needs_attention',
  'outcome.recorded',
  'outcome.conflict'
] as const

export const WebhookInput = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://',
      maxLength: 2000,
      description: 'Where events are POSTed (https in production)'
    }),
    events: Type.Array(Type.Enum(EVENT_TYPES), { minItems: 1, uniqueItems: true }),
    county: Type.Optional(Type.String({ minLength: 1, description: 'Admin keys: the county whose events to send' }))
  },
  { additionalProperties: false }
)

export const WebhookView = Type.Object({
  id: Type.String(),
  county: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  createdAt: IsoDateTime,
  disabledAt: Type.Union([IsoDateTime, Type.Null()]),
  lastEventId: Type.String({ description: 'The last event delivered' })
})

export const WebhookCreated = Type.Intersect([
  WebhookView,
  Type.Object({
    secret: Type.String({ description: "Shown once: verify each delivery's clearfile-signature header with it" })
  })
])

export const WebhookList = Type.Object({ items: Type.Array(WebhookView) })

export const DeliveryList = Type.Object({
  items: Type.Array(
    Type.Object({
      eventId: Type.String(),
      attempt: Type.Integer(),
      status: Type.Enum(['delivered', 'failed']),
      responseStatus: Type.Union([Type.Integer(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      at: IsoDateTime
    })
  )
})

export const EventQuery = Type.Object({
  after: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      description: 'The cursor: events after this id (the last id you have); from the start when left out'
    })
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  county: Type.Optional(Type.String({ minLength: 1, description: 'Admin keys: the county' }))
})

export const EventView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  at: IsoDateTime,
  county: Type.String(),
  recordType: Type.String(),
  recordId: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown())
})

export const EventPage = Type.Object({
  items: Type.Array(EventView),
  next: Type.String({
    description: 'Pass as `after` to get what comes next (the same cursor when nothing new has happened)'
  })
})
