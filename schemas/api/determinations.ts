import Type, { type Static } from 'typebox'
import { IsoDate, IsoDateTime } from './common.js'
import { PageLinks, PagingQuery } from './paging.js'

export const Outcomes = [
  'dismiss_and_seal',
  'reduce_to_infraction',
  'reduce_to_misdemeanor',
  'not_eligible',
  'needs_review'
] as const
/** Orders of a determinations listing. */
export const DETERMINATION_SORTS = ['created', 'convictionDate', 'caseNumber', 'name'] as const
export const Remedies = ['resentencing', 'redesignation_or_dismissal', 'unknown'] as const

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const DecisionView = Type.Object({
  outcome: Type.Enum(Outcomes),
  reason: Type.String(),
  decidedBy: Type.String(),
  decidedAt: IsoDateTime
})

export const DeterminationView = Type.Object({
  id: Type.String(),
  convictionId: Type.String(),
  reviewId: Nullable(Type.String()),
  section: Nullable(Type.String()),
  outcome: Type.Enum(Outcomes, { description: 'What the engine decided (kept when a deputy DA decides otherwise)' }),
  remedy: Type.Enum(Remedies),
  reason: Nullable(Type.String()),
  citations: Type.Array(Type.String()),
  decision: Nullable(DecisionView),
  /** The explanation tree: each node names a rule, its result, the facts used and the statute cited. */
  explanation: Type.Unknown(),
  createdAt: IsoDateTime
})
export type DeterminationView = Static<typeof DeterminationView>

export const QueueItem = Type.Object({
  id: Type.String(),
  outcome: Type.Enum(Outcomes),
  remedy: Type.Enum(Remedies),
  section: Nullable(Type.String()),
  sectionAsRecorded: Type.String(),
  severity: Type.String(),
  convictionDate: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  citations: Type.Array(Type.String()),
  decision: Nullable(DecisionView),
  reviewId: Nullable(Type.String()),
  case: Type.Object({ id: Type.String(), caseNumber: Type.String(), court: Type.String(), countOrder: Type.String() }),
  person: Type.Object({ id: Type.String(), name: Type.String(), dob: Nullable(Type.String()) }),
  createdAt: IsoDateTime
})

export const DeterminationPage = Type.Object({
  items: Type.Array(QueueItem),
  ...PageLinks
})

export const DeterminationQuery = Type.Object({
  outcome: Type.Optional(Type.Enum(Outcomes)),
  undecided: Type.Optional(Type.Boolean({ description: 'Only those no deputy DA has decided yet' })),
  court: Type.Optional(Type.String({ maxLength: 100, description: 'Cases of this court (its id in the courts file)' })),
  reason: Type.Optional(Type.String({ maxLength: 200, description: "Words the engine's reason contains" })),
  convictedFrom: Type.Optional(IsoDate),
  convictedTo: Type.Optional(IsoDate),
  sort: Type.Optional(Type.Enum(DETERMINATION_SORTS, { default: 'created' })),
  ...PagingQuery
})

export const DecisionInput = Type.Object(
  {
    outcome: Type.Enum(['dismiss_and_seal', 'reduce_to_infraction', 'reduce_to_misdemeanor', 'not_eligible']),
    reason: Type.String({ minLength: 3, maxLength: 2000 })
  },
  { additionalProperties: false }
)

export const BulkDecisionInput = Type.Object(
  {
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 500, uniqueItems: true }),
    ...DecisionInput.properties
  },
  { additionalProperties: false }
)

export const BulkDecisionView = Type.Object({
  decided: Type.Integer(),
  items: Type.Array(DeterminationView)
})
