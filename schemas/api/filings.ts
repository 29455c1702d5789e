import Type from 'typebox'
import { IsoDate, IsoDateTime } from './common.js'
import { PageLinks, PagingQuery } from './paging.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const FilingStates = [
  'draft',
  'queued',
  'submitting',
  'submitted',
  'unknown',
  'accepted',
  'partially_accepted',
  'rejected',
  'granted',
  'denied',
  'partially_granted',
  'failed',
  'cancelled'
] as const

/** One of `caseId` or `reviewId` (one object rather than a union: ajv strips unknown keys while trying union branches). */
export const FilingInput = Type.Object(
  {
    caseId: Type.Optional(
      Type.String({ minLength: 1, description: 'A case whose papers are prepared (POST /v1/cases/{id}/documents)' })
    ),
    reviewId: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Or a review run whose papers are prepared (POST /v1/reviews/{id}/documents)'
      })
    ),
    scope: Type.Optional(
      Type.Enum(['case', 'person'], {
        description:
          "With reviewId: which of the review's papers to file, one filing per case (the default) or per person and court"
      })
    )
  },
  { additionalProperties: false }
)

/** Why a filing not yet sent is cancelled (POST /v1/filings/{id}/cancellation). */
export const CancellationInput = Type.Object(
  {
    note: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'Why (kept on the filing\'s timeline): "the defendant\'s counsel filed a petition already"'
    })
  },
  { additionalProperties: false }
)

/** What a person found out about a filing in state `unknown` (POST /v1/filings/{id}/settlement). */
export const SettlementInput = Type.Object(
  {
    atCourt: Type.Boolean({
      description:
        'true: the court has the filing (give the filing id its clerk gave it); false: it does not, and it is sent again'
    }),
    courtFilingId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: "With atCourt true: the court's filing id" })
    ),
    note: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'How it was found out (kept on the filing\'s timeline): "the clerk confirmed SIM-0000123 by phone"'
    })
  },
  { additionalProperties: false }
)

export const ReviewFilingsView = Type.Object({
  reviewId: Type.String(),
  scope: Type.String(),
  filings: Type.Array(Type.Object({ id: Type.String(), court: Type.String(), caseIds: Type.Array(Type.String()) })),
  alreadyFiled: Type.Integer({
    description: 'Cases not filed again: they are already in a standing filing'
  })
})

export const FilingEvent = Type.Object({
  from: Nullable(Type.String()),
  to: Type.String(),
  at: IsoDateTime,
  source: Type.String(),
  detail: Type.Unknown()
})

export const FilingView = Type.Object({
  id: Type.String({ description: 'Our filing id: the idempotency key the court sees' }),
  state: Type.Enum(FilingStates),
  county: Type.String(),
  court: Type.String(),
  courtFilingId: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  caseIds: Type.Array(Type.String()),
  documentIds: Type.Array(Type.String()),
  events: Type.Array(FilingEvent),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})

const { events: _events, caseIds: _caseIds, documentIds: _documentIds, ...summaryProperties } = FilingView.properties

/** A filing in a listing: whom it is for and its case numbers instead of ids and events. */
export const FilingSummary = Type.Object({
  ...summaryProperties,
  caseNumbers: Type.Array(Type.String(), { description: "The filing's cases, by case number" }),
  defendant: Nullable(Type.Object({ id: Type.String(), name: Type.String({ description: 'As DOJ records it' }) }))
})

export const FilingList = Type.Object({
  items: Type.Array(FilingSummary),
  ...PageLinks
})

export const FilingQuery = Type.Object({
  state: Type.Optional(Type.Enum(FilingStates)),
  court: Type.Optional(
    Type.String({ maxLength: 100, description: 'Filings with this court (its id in the courts file)' })
  ),
  createdFrom: Type.Optional(IsoDate),
  createdTo: Type.Optional(IsoDate),
  sort: Type.Optional(Type.Enum(['created', 'updated'], { default: 'created' })),
  ...PagingQuery
})
