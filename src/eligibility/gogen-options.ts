import type { GogenOptions, Policy, PolicyRule } from '../../schemas/policy.js'

/**
 * The eligibility-options JSON of Code for America's gogen (and BEAR), which
 * counties already have (schema: `GogenOptions` in schemas/policy.ts):
 *   { "baselineEligibility": { "dismiss": ["11357"], "reduce": ["11359"] },
 *     "additionalRelief": { "subjectUnder21AtConviction": true, "subjectAgeThreshold": 50,
 *       "yearsSinceConvictionThreshold": 5, "yearsCrimeFreeThreshold": 5,
 *       "subjectHasOnlyProp64Charges": true, "subjectIsDeceased": false } }
 */
export type { GogenOptions }

/** Whether a policy document is meant as gogen options (it is then checked against their schema). */
export function isGogenOptions(input: unknown): input is object {
  return (
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    ('baselineEligibility' in input || 'additionalRelief' in input) &&
    !('rules' in input)
  )
}

export const gogenSection = (s: string) => `HS ${s.trim().replace(/^(HS|H&S)\s*/i, '')}`

/**
 * A gogen options file as a clearfile policy, rule for rule in the order of
 * gogen's configurable flow (data/configurable_eligibility_flow.go), with its
 * reason texts. Like gogen, disqualifiers are reported, not enforced, and the
 * outcomes are not limited to what HS 11361.8 allows (`limitToLaw: false`);
 * each determination still shows the law floor beside it. Where gogen leaves a
 * conviction without a determination, the policy sends it to review.
 */
export function fromGogenOptions(options: GogenOptions): Policy {
  const dismiss = options.baselineEligibility?.dismiss ?? []
  const reduce = options.baselineEligibility?.reduce ?? []
  const extra = options.additionalRelief ?? {}
  const rules: PolicyRule[] = [
    {
      id: 'gogen.not_felony',
      when: { severity: ['M', 'I'] },
      then: 'dismiss_and_seal',
      reason: 'Misdemeanor or Infraction'
    }
  ]
  for (const s of dismiss) {
    rules.push({
      id: `gogen.dismiss.${s}`,
      when: { section: [gogenSection(s)] },
      then: 'dismiss_and_seal',
      reason: `Dismiss all ${gogenSection(s)} convictions`
    })
  }
  if (extra.subjectUnder21AtConviction) {
    rules.push({
      id: 'gogen.under21',
      when: { ageAtConviction: { lt: 21 } },
      then: 'dismiss_and_seal',
      reason: '21 years or younger'
    })
  }
  if (extra.subjectAgeThreshold && extra.subjectAgeThreshold > 0) {
    const n = extra.subjectAgeThreshold
    rules.push({
      id: 'gogen.age',
      when: { ageAsOf: { gte: n } },
      then: 'dismiss_and_seal',
      reason: `${n} years or older`
    })
  }
  if (extra.yearsSinceConvictionThreshold && extra.yearsSinceConvictionThreshold > 0) {
    const n = extra.yearsSinceConvictionThreshold
    rules.push({
      id: 'gogen.years_since_conviction',
      when: { yearsSinceConviction: { gte: n } },
      then: 'dismiss_and_seal',
      reason: `Conviction occurred ${n} or more years ago`
    })
  }
  if (extra.yearsCrimeFreeThreshold && extra.yearsCrimeFreeThreshold > 0) {
    const n = extra.yearsCrimeFreeThreshold
    rules.push({
      id: 'gogen.crime_free',
      when: { yearsSinceAnyConviction: { gte: n } },
      then: 'dismiss_and_seal',
      reason: `No convictions in the past ${n} years`
    })
  }
  if (extra.subjectHasOnlyProp64Charges) {
    rules.push({
      id: 'gogen.only_prop64',
      when: { onlyProp64Record: true },
      then: 'dismiss_and_seal',
      reason: 'Only has 11357-60 charges'
    })
  }
  if (extra.subjectIsDeceased) {
    rules.push({
      id: 'gogen.deceased',
      when: { deceased: true },
      then: 'dismiss_and_seal',
      reason: 'Individual is deceased'
    })
  }
  for (const s of reduce) {
    rules.push({
      id: `gogen.reduce.${s}`,
      when: { section: [gogenSection(s)] },
      then: 'reduce_to_misdemeanor',
      reason: `Reduce all ${gogenSection(s)} convictions`
    })
  }
  return {
    name: 'gogen eligibility options',
    version: '1',
    description: 'Converted from a gogen/BEAR eligibility-options file',
    disqualifiers: 'report',
    limitToLaw: false,
    rules,
    otherwise: 'needs_review'
  }
}
