import Type from 'typebox'

const Figures = {
  eligible: Type.Integer({ description: 'Convictions whose newest determination grants relief' }),
  needsReview: Type.Integer(),
  notEligible: Type.Integer(),
  motionsPrepared: Type.Integer(),
  submitted: Type.Integer({ description: 'Filings that reached the court (it gave a filing id)' }),
  accepted: Type.Integer({ description: 'Filings the clerk accepted (including those since ruled on)' }),
  rejected: Type.Integer(),
  granted: Type.Integer(),
  partiallyGranted: Type.Integer(),
  denied: Type.Integer(),
  failed: Type.Integer(),
  open: Type.Integer({ description: 'Filings not yet ruled on' })
}

export const PipelineQuery = Type.Object({
  county: Type.Optional(Type.String({ minLength: 1, description: 'Admin keys: one county (all when left out)' }))
})

export const PipelineView = Type.Object({
  county: Type.Union([Type.String(), Type.Null()]),
  overall: Type.Object(Figures),
  courts: Type.Array(Type.Object({ court: Type.String(), ...Figures })),
  weekly: Type.Array(
    Type.Object({
      week: Type.String({ description: 'The Monday of the ISO week' }),
      prepared: Type.Integer(),
      submitted: Type.Integer(),
      granted: Type.Integer()
    })
  )
})
