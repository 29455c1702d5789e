import Type, { type Static } from 'typebox'
import { IsoDate, IsoDateTime } from './common.js'
import { DeterminationView } from './determinations.js'

export const Roles = ['da_system', 'deputy_da', 'clerk', 'admin'] as const
export const Severities = ['F', 'M', 'I'] as const
export const Dispositions = ['convicted', 'dismissed', 'acquitted', 'diverted', 'pending', 'other'] as const
export const SentenceKinds = [
  'jail',
  'prison',
  'probation',
  'county_jail_1170h',
  'fine',
  'community_service',
  'other'
] as const
export const SentenceUnits = ['days', 'months', 'years'] as const

export const SentencePart = Type.Object(
  {
    kind: Type.Enum(SentenceKinds),
    length: Type.Optional(Type.Integer({ minimum: 0, maximum: 36500 })),
    unit: Type.Optional(Type.Enum(SentenceUnits)),
    amount: Type.Optional(Type.Number({ minimum: 0, description: 'Fine amount in dollars' }))
  },
  { additionalProperties: false }
)

export const CountInput = Type.Object(
  {
    codeSection: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'As the DA system writes it: `11359 HS`, `HS 11359(b)`, `PC 664/187`'
    }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    severity: Type.Enum(Severities, { description: 'F felony, M misdemeanor, I infraction' }),
    disposition: Type.Enum(Dispositions),
    convictionDate: Type.Optional(IsoDate),
    offenseDate: Type.Optional(
      Type.String({
        format: 'date',
        description:
          'When the offense happened; the age at the offense decides the grade under AUMA (without it, the conviction date is used and the explanation says so)'
      })
    ),
    countNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 999 })),
    sentence: Type.Optional(Type.Array(SentencePart, { maxItems: 20 }))
  },
  { additionalProperties: false }
)

/**
 * A name as it goes onto court papers: at least one letter or digit, and no
 * control characters, bidirectional overrides, zero-width characters or lone
 * surrogates (they print wrong, or hide what a paper says).
 */
const PERSON_NAME = '^(?=.*[\\p{L}\\p{N}])[^\\p{Cc}\\p{Cs}\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2069\\uFEFF]+$'

export const PersonName = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: PERSON_NAME,
  description: 'As on the record, e.g. `GARCIA, MARIA`: a letter or digit at least, no control or invisible characters'
})

export const PersonInput = Type.Object(
  {
    name: PersonName,
    aliases: Type.Optional(Type.Array(PersonName, { maxItems: 50 })),
    dob: IsoDate,
    cii: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9]{1,12}$', description: 'California criminal identification index number' })
    ),
    dojSubjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    deceased: Type.Optional(Type.Boolean())
  },
  { additionalProperties: false }
)

export const CaseRef = Type.Object(
  {
    county: Type.String({ minLength: 1, maxLength: 60, description: 'County name, e.g. `SAN FRANCISCO`' }),
    court: Type.String({ minLength: 1, maxLength: 60, description: 'Court id, e.g. `CA-SF`' }),
    caseNumber: Type.String({ minLength: 1, maxLength: 60 }),
    courtCaseId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          "The court's own id for the case (ECF `nc:CaseTrackingID`) where its case index has one besides the case number: filings carry it, and the court's filing list is asked and matched by it"
      })
    )
  },
  { additionalProperties: false }
)

/** What may change on a stored case (PATCH /v1/cases/{id}): the court's own id for it, learnt after intake. */
export const CaseUpdate = Type.Object(
  {
    courtCaseId: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
      description:
        "The court's own id for the case (nc:CaseTrackingID); null removes it. Filings whose message is not yet built carry the new value; a message already sent is not changed"
    })
  },
  { additionalProperties: false }
)

export const CaseInput = Type.Object(
  {
    person: PersonInput,
    case: CaseRef,
    counts: Type.Array(CountInput, { minItems: 1, maxItems: 100 })
  },
  { additionalProperties: false }
)
export type CaseInput = Static<typeof CaseInput>

export const MAX_BATCH_CASES = 1000
export const CaseBatchInput = Type.Object(
  {
    cases: Type.Array(CaseInput, { minItems: 1, maxItems: MAX_BATCH_CASES })
  },
  { additionalProperties: false }
)
export type CaseBatchInput = Static<typeof CaseBatchInput>

export const CountView = Type.Object({
  id: Type.String(),
  countOrder: Type.String(),
  codeSection: Type.String({ description: 'As received' }),
  normalizedSection: Type.Union([Type.String(), Type.Null()], { description: 'Canonical form, e.g. `HS 11359(b)`' }),
  description: Type.Union([Type.String(), Type.Null()]),
  severity: Type.Union([Type.Enum(Severities), Type.Null()]),
  disposition: Type.String(),
  convictionDate: Type.Union([IsoDate, Type.Null()]),
  offenseDate: Type.Union([IsoDate, Type.Null()]),
  sentence: Type.Array(SentencePart),
  sentenceEndDate: Type.Union([IsoDate, Type.Null()]),
  determination: Type.Union([DeterminationView, Type.Null()], {
    description: 'The newest determination, for a Prop 64 conviction'
  })
})

export const PersonView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  aliases: Type.Array(Type.String()),
  dob: Type.Union([IsoDate, Type.Null()]),
  cii: Type.Union([Type.String(), Type.Null()]),
  dojSubjectId: Type.Union([Type.String(), Type.Null()]),
  deceased: Type.Boolean()
})

export const CaseView = Type.Object(
  {
    id: Type.String(),
    county: Type.String(),
    court: Type.String(),
    caseNumber: Type.String(),
    courtCaseId: Type.Union([Type.String(), Type.Null()]),
    source: Type.String(),
    person: PersonView,
    counts: Type.Array(CountView),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime
  },
  { $id: 'CaseView' }
)
export type CaseView = Static<typeof CaseView>

export const CaseBatchView = Type.Object({
  cases: Type.Array(Type.Object({ id: Type.String(), caseNumber: Type.String(), personId: Type.String() }))
})
export type CaseBatchView = Static<typeof CaseBatchView>
