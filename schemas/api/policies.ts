import Type from 'typebox'
import { IsoDateTime } from './common.js'

export const PolicyView = Type.Object({
  county: Type.String(),
  /** Null when the county has set none and the shipped statewide default applies. */
  id: Type.Union([Type.String(), Type.Null()]),
  sha256: Type.String(),
  createdAt: Type.Union([IsoDateTime, Type.Null()]),
  policy: Type.Unknown({ description: 'The policy (schemas/policy.schema.json)' })
})

export const CountyQuery = Type.Object({
  county: Type.Optional(Type.String({ description: 'Admin keys only: which county' }))
})
