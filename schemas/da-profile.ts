import Type, { type Static } from 'typebox'

const Attorney = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    barNumber: Type.String({ pattern: '^[0-9]{1,7}$', description: 'State Bar number' })
  },
  { additionalProperties: false }
)

/** One county District Attorney's office as its court papers show it (CRC 2.111 counsel block). */
export const DaProfile = Type.Object(
  {
    county: Type.String({ minLength: 1, description: 'County name as on records, e.g. SAN FRANCISCO' }),
    courtCounty: Type.String({
      minLength: 1,
      description:
        'The court title after "SUPERIOR COURT OF THE STATE OF CALIFORNIA", e.g. "City and County of San Francisco"'
    }),
    office: Type.String({ minLength: 1 }),
    address: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 3 }),
    phone: Type.String({ minLength: 1 }),
    email: Type.String({ minLength: 3 }),
    electedDa: Attorney,
    filingDeputy: Type.Object(
      { ...Attorney.properties, title: Type.String({ minLength: 1, description: 'e.g. Assistant District Attorney' }) },
      { additionalProperties: false }
    )
  },
  { additionalProperties: false }
)

/** A DA profiles file: a list of county profiles. */
export const DaProfiles = Type.Array(DaProfile, { minItems: 1 })
export type DaProfileConfig = Static<typeof DaProfile>
