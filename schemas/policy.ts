import Type, { type Static } from 'typebox'

/*
 * A county's Prop 64 policy, written by a DA without code: an ordered list of
 * rules (first match wins) choosing an outcome within what the law allows, or
 * sending the conviction to review. `schemas/policy.schema.json` is this schema
 * as plain JSON Schema, for editors and other systems (a test keeps them equal).
 */

const Range = Type.Object(
  {
    gte: Type.Optional(Type.Number()),
    gt: Type.Optional(Type.Number()),
    lte: Type.Optional(Type.Number()),
    lt: Type.Optional(Type.Number())
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'A number range: gte, gt, lte, lt (all given must hold)'
  }
)

const Flag = Type.Union([Type.Boolean(), Type.Literal('possible')], {
  description: 'true: found on the record; false: not found; "possible": the record cannot tell'
})

export const PolicyConditions = Type.Object(
  {
    section: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'Code sections, matched by prefix on a subsection boundary: "HS 11357" covers "HS 11357(a)"'
      })
    ),
    severity: Type.Optional(Type.Array(Type.Enum(['F', 'M', 'I']), { minItems: 1 })),
    ageAtConviction: Type.Optional(Range),
    ageAsOf: Type.Optional(Range),
    yearsSinceConviction: Type.Optional(Range),
    yearsSinceAnyConviction: Type.Optional(Range),
    onlyProp64Record: Type.Optional(
      Type.Boolean({ description: 'Every conviction on the record is under HS 11357-11360 or 11362.1' })
    ),
    deceased: Type.Optional(Type.Boolean()),
    sentenceCompleted: Type.Optional(
      Type.Boolean({ description: "This conviction's sentence has ended by the as-of date" })
    ),
    allSentencesCompleted: Type.Optional(
      Type.Boolean({ description: 'Every sentence on the record has ended by the as-of date' })
    ),
    convictedAfterProp64: Type.Optional(Type.Boolean({ description: 'Convicted on or after 2016-11-09' })),
    superStrike: Type.Optional(Flag),
    pc290: Type.Optional(Flag),
    twoPriors: Type.Optional(Flag),
    aggravating: Type.Optional(Flag),
    lawAllows: Type.Optional(
      Type.Array(Type.Enum(['dismiss_and_seal', 'reduce_to_infraction', 'reduce_to_misdemeanor', 'not_eligible']), {
        minItems: 1,
        description: 'The most relief the law could give is one of these'
      })
    )
  },
  { additionalProperties: false }
)

export const PolicyChoice = Type.Enum(
  [
    'floor',
    'most_relief',
    'dismiss_and_seal',
    'reduce_to_infraction',
    'reduce_to_misdemeanor',
    'not_eligible',
    'needs_review'
  ],
  {
    description:
      'floor: what the law gives on the known facts; most_relief: the most the law could give (the DA concedes the missing facts); or an outcome'
  }
)

export const PolicyRule = Type.Object(
  {
    id: Type.Optional(Type.String()),
    when: PolicyConditions,
    then: PolicyChoice,
    reason: Type.String({ minLength: 1, description: 'Shown in every determination this rule decides' })
  },
  { additionalProperties: false }
)

export const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    version: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    disqualifiers: Type.Enum(['enforce', 'report'], {
      description: 'enforce: a disqualifier keeps a felony a felony; report: flag it only'
    }),
    limitToLaw: Type.Optional(
      Type.Boolean({
        description:
          'Default true: a chosen outcome is kept within what HS 11361.8 allows. false reproduces tools that did not (gogen).'
      })
    ),
    rules: Type.Array(PolicyRule),
    otherwise: Type.Optional(PolicyChoice)
  },
  {
    additionalProperties: false,
    $id: 'https://clearfile.example/schemas/policy.schema.json',
    title: 'clearfile county policy'
  }
)

export type Policy = Static<typeof Policy>
export type PolicyRule = Static<typeof PolicyRule>
export type PolicyConditions = Static<typeof PolicyConditions>
export type PolicyChoice = Static<typeof PolicyChoice>

/**
 * The eligibility-options file of Code for America's gogen (and BEAR), which counties already have, checked
 * as strictly as clearfile's own format: a `"dismiss": "11357"` (a string, not a list) is refused, not read
 * letter by letter.
 */
export const GogenOptions = Type.Object(
  {
    baselineEligibility: Type.Optional(
      Type.Object(
        {
          dismiss: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          reduce: Type.Optional(Type.Array(Type.String({ minLength: 1 })))
        },
        { additionalProperties: false }
      )
    ),
    additionalRelief: Type.Optional(
      Type.Object(
        {
          subjectUnder21AtConviction: Type.Optional(Type.Boolean()),
          subjectAgeThreshold: Type.Optional(Type.Integer({ minimum: 0 })),
          yearsSinceConvictionThreshold: Type.Optional(Type.Integer({ minimum: 0 })),
          yearsCrimeFreeThreshold: Type.Optional(Type.Integer({ minimum: 0 })),
          subjectHasOnlyProp64Charges: Type.Optional(Type.Boolean()),
          subjectIsDeceased: Type.Optional(Type.Boolean())
        },
        { additionalProperties: false }
      )
    )
  },
  { additionalProperties: false, title: 'gogen eligibility options' }
)
export type GogenOptions = Static<typeof GogenOptions>
