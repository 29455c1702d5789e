import t from 'tap'
import { BUILT_IN_POLICIES, DEFAULT_POLICY } from '../../src/eligibility/policies.js'
import { parsePolicy } from '../../src/eligibility/parse-policy.js'
import { determine, determineRecord, type Policy } from '../../src/eligibility/policy.js'
import { effectiveOutcome, reliefGrounds } from '../../src/eligibility/relief-grounds.js'
import type { ConvictionFact, PersonRecord } from '../../src/eligibility/record.js'
import { conv, person } from './record-builder.js'

const AS_OF = '2020-07-01' // BEAR's fixed compute-at date
const decide = (policy: Policy, record: PersonRecord, c: ConvictionFact) => determine(record, c, policy, AS_OF)

// The options file of gogen's own fixture (test_fixtures/eligibility_options.json) shape.
const gogen = (overrides: Record<string, unknown> = {}) =>
  parsePolicy({
    baselineEligibility: { dismiss: ['11357', '11358'], reduce: ['11359', '11360'] },
    additionalRelief: {
      subjectUnder21AtConviction: false,
      subjectAgeThreshold: 0,
      yearsSinceConvictionThreshold: 0,
      yearsCrimeFreeThreshold: 0,
      subjectHasOnlyProp64Charges: false,
      subjectIsDeceased: false,
      ...overrides
    }
  })

t.test('gogen rule 1: a misdemeanor or infraction is dismissed, whatever the lists say', async (t) => {
  const c = conv('11359 HS', 'M', '2010-01-01')
  const d = decide(gogen(), person([c]), c)
  t.equal(d.outcome, 'dismiss_and_seal')
  t.match(d.reason, /Misdemeanor or Infraction/)
  t.match(d.reason, /beyond HS 11361\.8/, 'and says the law itself would not')
})

t.test('gogen rule 2: a felony in the dismiss list is dismissed', async (t) => {
  const c = conv('11358 HS', 'F', '2010-01-01')
  const d = decide(gogen(), person([c]), c)
  t.equal(d.outcome, 'dismiss_and_seal')
  t.match(d.reason, /Dismiss all HS 11358 convictions/)
})

t.test('gogen rule 9: a felony in the reduce list is reduced when no additional relief applies', async (t) => {
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(gogen(), person([c]), c)
  t.equal(d.outcome, 'reduce_to_misdemeanor')
  t.match(d.reason, /Reduce all HS 11359 convictions/)
})

t.test('gogen rule 3: under 21 at conviction is dismissed', async (t) => {
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(gogen({ subjectUnder21AtConviction: true }), person([c], { dob: '1990-01-02' }), c)
  t.equal(d.outcome, 'dismiss_and_seal')
  t.match(d.reason, /21 years or younger/)
})

t.test('gogen rule 4: at or above the age threshold on the compute-at date is dismissed', async (t) => {
  const c = conv('11360 HS', 'F', '2010-01-01')
  const policy = gogen({ subjectAgeThreshold: 50 })
  t.equal(decide(policy, person([c], { dob: '1970-07-01' }), c).outcome, 'dismiss_and_seal', '50 on 2020-07-01')
  t.equal(decide(policy, person([c], { dob: '1970-07-02' }), c).outcome, 'reduce_to_misdemeanor', 'one day short of 50')
})

t.test('gogen rule 5: a conviction N or more years before the compute-at date is dismissed', async (t) => {
  const policy = gogen({ yearsSinceConvictionThreshold: 5 })
  const old = conv('11359 HS', 'F', '2015-07-01')
  const recent = conv('11359 HS', 'F', '2015-07-02')
  t.equal(decide(policy, person([old]), old).outcome, 'dismiss_and_seal')
  t.match(decide(policy, person([old]), old).reason, /Conviction occurred 5 or more years ago/)
  t.equal(decide(policy, person([recent]), recent).outcome, 'reduce_to_misdemeanor')
})

t.test('gogen rule 6: no conviction of any kind in the last N years is dismissed', async (t) => {
  const policy = gogen({ yearsCrimeFreeThreshold: 5 })
  const c = conv('11359 HS', 'F', '2010-01-01')
  t.equal(
    decide(policy, person([c, conv('459 PC', 'F', '2014-01-01', { county: 'LOS ANGELES' })]), c).outcome,
    'dismiss_and_seal'
  )
  t.equal(
    decide(policy, person([c, conv('459 PC', 'F', '2016-01-01', { county: 'LOS ANGELES' })]), c).outcome,
    'reduce_to_misdemeanor',
    'a later conviction in another county counts'
  )
})

t.test('gogen rule 7: a record of only HS 11357-11360 convictions is dismissed', async (t) => {
  const policy = gogen({ subjectHasOnlyProp64Charges: true })
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(policy, person([c, conv('11357(B) HS', 'M', '2005-01-01')]), c)
  t.equal(d.outcome, 'dismiss_and_seal')
  t.match(d.reason, /Only has 11357-60 charges/)
  t.equal(decide(policy, person([c, conv('459 PC', 'M', '2005-01-01')]), c).outcome, 'reduce_to_misdemeanor')
})

t.test('gogen rule 8: a deceased person’s conviction is dismissed', async (t) => {
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(gogen({ subjectIsDeceased: true }), person([c], { deceased: true }), c)
  t.equal(d.outcome, 'dismiss_and_seal')
  t.match(d.reason, /Individual is deceased/)
})

t.test('gogen rule 10: a felony in neither list gets no determination, so it goes to review', async (t) => {
  const c = conv('11360 HS', 'F', '2010-01-01')
  const policy = parsePolicy({ baselineEligibility: { dismiss: ['11357'], reduce: [] }, additionalRelief: {} })
  t.equal(decide(policy, person([c]), c).outcome, 'needs_review')
})

t.test('like gogen, an imported options file reports disqualifiers and does not enforce them', async (t) => {
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(gogen(), person([conv('187 PC', 'F', '2001-01-01'), c]), c)
  t.equal(d.outcome, 'reduce_to_misdemeanor')
  t.match(d.reason, /superStrike present/)
})

t.test('the statewide default is the law floor with disqualifiers enforced', async (t) => {
  const c = conv('11359 HS', 'F', '2010-01-01')
  t.equal(decide(DEFAULT_POLICY, person([c]), c).outcome, 'reduce_to_misdemeanor')
  t.equal(decide(DEFAULT_POLICY, person([conv('187 PC', 'F', '2001-01-01'), c]), c).outcome, 'not_eligible')
})

t.test(
  'dismiss-all (San Francisco style) gives felonies the most the law allows and dismisses misdemeanors',
  async (t) => {
    const sf = BUILT_IN_POLICIES['dismiss-all']!
    const cultivation = conv('11358 HS', 'F', '2010-01-01')
    t.equal(decide(sf, person([cultivation]), cultivation).outcome, 'dismiss_and_seal', 'conceding six plants or fewer')
    const sale = conv('11359 HS', 'F', '2010-01-01')
    t.equal(decide(sf, person([sale]), sale).outcome, 'reduce_to_misdemeanor', 'sale is a misdemeanor at best')
    t.equal(
      decide(sf, person([conv('187 PC', 'F', '2001-01-01'), sale]), sale).outcome,
      'not_eligible',
      'a super strike still disqualifies'
    )
  }
)

t.test(
  'the LA pilot flow: post-AUMA convictions are not eligible, 11357(a)/(b) dismissed, other 11357 reviewed',
  async (t) => {
    const la = BUILT_IN_POLICIES['la-pilot']!
    const late = conv('11359 HS', 'F', '2017-01-01')
    t.equal(decide(la, person([late]), late).outcome, 'not_eligible')
    const a = conv('11357(A) HS', 'F', '2010-01-01')
    t.equal(decide(la, person([a]), a).outcome, 'dismiss_and_seal')
    const other = conv('11357(C) HS', 'F', '2010-01-01')
    t.equal(decide(la, person([other]), other).outcome, 'needs_review')
    const misd = conv('11359 HS', 'M', '2010-01-01')
    t.match(decide(la, person([misd]), misd).reason, /City Attorneys/)
  }
)

t.test(
  'the LA pilot flow: prior super strike and 290 disqualify; age 50 and a completed Prop-64-only record dismiss',
  async (t) => {
    const la = BUILT_IN_POLICIES['la-pilot']!
    const c = conv('11359 HS', 'F', '2010-01-01')
    t.equal(decide(la, person([conv('187 PC', 'F', '2001-01-01'), c]), c).outcome, 'not_eligible')
    t.equal(decide(la, person([conv('288(A) PC', 'F', '2001-01-01'), c]), c).outcome, 'not_eligible')
    t.equal(decide(la, person([c], { dob: '1960-01-01' }), c).outcome, 'dismiss_and_seal')
    t.equal(
      decide(la, person([c], { dob: '1985-01-01' }), c).outcome,
      'dismiss_and_seal',
      'only Prop 64 and every sentence completed'
    )
    const serving = conv('11359 HS', 'F', '2014-01-01', { sentenceEnd: '2030-01-01' })
    t.equal(
      decide(la, person([serving, conv('459 PC', 'F', '2013-01-01')], { dob: '1985-01-01' }), serving).outcome,
      'needs_review'
    )
  }
)

t.test('a policy outcome is kept within the law unless the policy says otherwise', async (t) => {
  const policy = parsePolicy({
    name: 'p',
    version: '1',
    disqualifiers: 'enforce',
    rules: [{ when: {}, then: 'dismiss_and_seal', reason: 'dismiss everything' }]
  })
  const c = conv('11359 HS', 'F', '2010-01-01')
  const d = decide(policy, person([c]), c)
  t.equal(d.outcome, 'reduce_to_misdemeanor')
  t.match(d.reason, /dismiss_and_seal asked; the law allows at most reduce_to_misdemeanor/)
})

t.test('conditions on unknown facts never match: no age rule fires without a date of birth', async (t) => {
  const policy = parsePolicy({
    name: 'p',
    version: '1',
    disqualifiers: 'enforce',
    rules: [{ when: { ageAsOf: { gte: 0 } }, then: 'needs_review', reason: 'age known' }]
  })
  const c = conv('11359 HS', 'F', '2010-01-01')
  t.equal(decide(policy, person([c], { dob: null }), c).decidedBy, 'otherwise')
})

t.test('determinations cover only Prop 64 convictions in the county, with citations on each', async (t) => {
  const record = person([
    conv('11359 HS', 'F', '2010-01-01'),
    conv('11357(B) HS', 'M', '2011-01-01', { county: 'LOS ANGELES' }),
    conv('459 PC', 'F', '2012-01-01')
  ])
  const ds = determineRecord(record, { asOf: AS_OF, policy: DEFAULT_POLICY, county: 'SAN FRANCISCO' })
  t.equal(ds.length, 1)
  t.equal(ds[0]!.section, 'HS 11359')
  t.ok(ds[0]!.citations.includes('HS 11361.8'))
  t.ok(ds[0]!.citations.includes('HS 11359(a)-(b)'))
})

t.test(
  'relief a report-only policy gives past a prior PC 187 is marked beyond HS 11361.8, and its grounds say so (finding 8)',
  async (t) => {
    const c = conv('11359 HS', 'F', '2010-01-01')
    const d = decide(gogen(), person([conv('187 PC', 'F', '2001-01-01'), c]), c)
    t.equal(d.outcome, 'reduce_to_misdemeanor')
    t.match(d.reason, /beyond HS 11361\.8, which allows at most not_eligible on this record/)
    t.equal(d.lawFacts.guaranteed, 'not_eligible')
    t.equal(d.lawFacts.disqualifierMode, 'report')
    t.equal(d.lawFacts.disqualifiers.superStrike.status, 'present')
    const grounds = reliefGrounds('reduce_to_misdemeanor', d.remedy, d.lawFacts, false)
    t.equal(grounds.basis, 'beyond_law')
    t.equal(grounds.authority[0], 'PC 1385(a)')
    t.notOk(
      grounds.authority.some((a) => /PC 667|PC 290/.test(a)),
      'the lists that were checked are not authority'
    )
  }
)

t.test(
  'footing of relief: the law on the known facts, conceded missing facts, or beyond the law (dismiss-all on a misdemeanor the law still punishes)',
  async (t) => {
    const sf = BUILT_IN_POLICIES['dismiss-all']!
    const sale = conv('11359 HS', 'F', '2010-01-01')
    const law = decide(sf, person([sale]), sale)
    t.equal(reliefGrounds('reduce_to_misdemeanor', law.remedy, law.lawFacts, false).basis, 'law')
    const cultivation = conv('11358 HS', 'F', '2010-01-01')
    const conceded = decide(sf, person([cultivation]), cultivation)
    t.equal(conceded.outcome, 'dismiss_and_seal')
    t.equal(reliefGrounds('dismiss_and_seal', conceded.remedy, conceded.lawFacts, false).basis, 'conceded')
    const heavy = conv('11357(C) HS', 'M', '2010-01-01')
    const beyond = decide(sf, person([heavy]), heavy)
    t.equal(beyond.outcome, 'dismiss_and_seal')
    t.match(beyond.reason, /beyond HS 11361\.8/)
    t.equal(reliefGrounds('dismiss_and_seal', beyond.remedy, beyond.lawFacts, false).basis, 'beyond_law')
  }
)

t.test('the effective outcome is a deputy’s decision where there is one, else the engine’s', async (t) => {
  t.equal(
    effectiveOutcome({ outcome: 'needs_review', decided_outcome: 'reduce_to_misdemeanor' }),
    'reduce_to_misdemeanor'
  )
  t.equal(effectiveOutcome({ outcome: 'dismiss_and_seal', decided_outcome: null }), 'dismiss_and_seal')
  t.throws(() => effectiveOutcome({ outcome: 'granted', decided_outcome: null }))
})
