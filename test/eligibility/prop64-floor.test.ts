import t from 'tap'
import { lawFloor, type LawFloor } from '../../src/eligibility/prop64-floor.js'
import type { ConvictionFact, PersonRecord } from '../../src/eligibility/record.js'
import { conv, person } from './record-builder.js'

const AS_OF = '2026-11-28'
const floorOf = (record: PersonRecord, c: ConvictionFact): LawFloor => lawFloor(record, c, { asOf: AS_OF })
const only = (c: ConvictionFact, extra: Partial<PersonRecord> = {}) => floorOf(person([c], extra), c)

t.test(
  'HS 11357(b) (28.5 g or less) by an adult is lawful today: dismiss and seal — HS 11362.1(a)(1), 11361.8(e)',
  async (t) => {
    const f = only(conv('11357(B) HS', 'M', '2010-05-01'))
    t.equal(f.outcome, 'dismiss_and_seal')
    t.same([f.guaranteed, f.best], ['dismiss_and_seal', 'dismiss_and_seal'])
    t.match(f.explanation.children?.[0]?.citation, /HS 11362\.1\(a\)\(1\)/)
  }
)

t.test('HS 11357(b) by an 18-20 year old is an infraction today — HS 11357(a)(2)', async (t) => {
  t.equal(only(conv('11357(B) HS', 'M', '2010-05-01'), { dob: '1990-06-01' }).outcome, 'reduce_to_infraction')
})

t.test('an infraction that is still an infraction gets no relief — HS 11357(a)(2)', async (t) => {
  t.equal(only(conv('11357(B) HS', 'I', '2010-05-01'), { dob: '1990-06-01' }).outcome, 'not_eligible')
})

t.test('HS 11357(c) (more than 28.5 g) is still a misdemeanor for adults: no relief — HS 11357(b)(2)', async (t) => {
  t.equal(only(conv('11357(C) HS', 'M', '2010-05-01')).outcome, 'not_eligible')
})

t.test('HS 11357(c) by a minor is an infraction today — HS 11357(b)(1)', async (t) => {
  t.equal(only(conv('11357(C) HS', 'M', '2010-05-01'), { dob: '1994-01-01' }).outcome, 'reduce_to_infraction')
})

t.test(
  'a felony HS 11357(a) (concentrated) is at least a misdemeanor, and dismissed if 8 g or less — HS 11357(b)(2), 11362.1(a)(2)',
  async (t) => {
    const f = only(conv('11357(A) HS', 'F', '2010-05-01'))
    t.same([f.guaranteed, f.best, f.outcome], ['reduce_to_misdemeanor', 'dismiss_and_seal', 'reduce_to_misdemeanor'])
    t.match(f.missingFacts.join(), /8 g or less/)
  }
)

t.test(
  'a misdemeanor HS 11357 with no subdivision needs review naming the amount, never a silent no — HS 11362.1',
  async (t) => {
    const f = only(conv('11357 HS', 'M', '2010-05-01'))
    t.equal(f.outcome, 'needs_review')
    t.match(f.missingFacts.join(), /amount possessed/)
  }
)

t.test(
  'a felony HS 11358 (cultivation) is a misdemeanor today and dismissed with six plants or fewer — HS 11358(c), 11362.1(a)(3)',
  async (t) => {
    const f = only(conv('11358 HS', 'F', '2010-05-01'))
    t.same([f.outcome, f.best], ['reduce_to_misdemeanor', 'dismiss_and_seal'])
    t.match(f.missingFacts.join(), /number of plants/)
  }
)

t.test('cultivation by a minor is an infraction today — HS 11358(a)', async (t) => {
  t.equal(only(conv('11358 HS', 'F', '2010-05-01'), { dob: '1994-01-01' }).outcome, 'reduce_to_infraction')
})

t.test('a felony HS 11359 by an adult becomes a misdemeanor — HS 11359(b)', async (t) => {
  const f = only(conv('11359 HS', 'F', '2010-05-01'))
  t.same([f.outcome, f.guaranteed, f.best], ['reduce_to_misdemeanor', 'reduce_to_misdemeanor', 'reduce_to_misdemeanor'])
})

t.test('a felony HS 11359 by a minor becomes an infraction — HS 11359(a)', async (t) => {
  t.equal(only(conv('11359 HS', 'F', '2010-05-01'), { dob: '1993-01-01' }).outcome, 'reduce_to_infraction')
})

t.test('age 21 at conviction leaves the age at the offense open, and says so — HS 11362.1(a)', async (t) => {
  const f = only(conv('11357(B) HS', 'M', '2010-05-01'), { dob: '1989-01-01' })
  t.same([f.guaranteed, f.best], ['reduce_to_infraction', 'dismiss_and_seal'])
  t.match(f.missingFacts.join(), /age at the offense \(21 at conviction; the record has no offense or arrest date\)/)
})

t.test('a misdemeanor HS 11359 by an adult is still a misdemeanor: no relief — HS 11359(b)', async (t) => {
  t.equal(only(conv('11359 HS', 'M', '2010-05-01')).outcome, 'not_eligible')
})

t.test(
  'a felony HS 11360 is at least a misdemeanor, dismissed if it was giving away 28.5 g or less — HS 11360(a)(2), (b)',
  async (t) => {
    const f = only(conv('11360(A) HS', 'F', '2010-05-01'))
    t.same([f.outcome, f.best], ['reduce_to_misdemeanor', 'dismiss_and_seal'])
  }
)

t.test('HS 11360(b) (giving away 28.5 g or less) by an adult is lawful today — HS 11362.1(a)(1)', async (t) => {
  t.equal(only(conv('11360(B) HS', 'M', '2010-05-01')).outcome, 'dismiss_and_seal')
})

t.test(
  'aggravating subdivisions keep a conviction a felony: sale to a minor — HS 11359(c)(3), 11360(a)(3)(C), (D), 11359(d), 11358(d)',
  async (t) => {
    for (const s of ['11359(C)(3) HS', '11359(D) HS', '11360(A)(3)(C) HS', '11360(A)(3)(D) HS', '11358(D) HS']) {
      const f = only(conv(s, 'F', '2018-05-01'))
      t.equal(f.guaranteed, 'not_eligible', s)
      t.equal(f.disqualifiers.aggravating.status, 'present', s)
    }
  }
)

t.test(
  'a super strike before the conviction keeps an 11359 felony a felony — HS 11359(c)(1), PC 667(e)(2)(C)(iv)',
  async (t) => {
    const c = conv('11359 HS', 'F', '2010-05-01')
    const f = floorOf(person([conv('187 PC', 'F', '2001-03-04'), c]), c)
    t.equal(f.outcome, 'not_eligible')
    t.equal(f.disqualifiers.superStrike.status, 'present')
    t.match(f.disqualifiers.superStrike.detail, 'PC 187 on 2001-03-04')
    t.ok(
      f.explanation.children?.some(
        (n) =>
          n.rule === 'disqualifier.super_strike' && /PC 667\(e\)\(2\)\(C\)\(iv\); HS 11359\(c\)/.test(n.citation ?? '')
      )
    )
  }
)

t.test(
  'a super strike after the conviction is not a prior and does not disqualify — HS 11359(c)(1) ("prior")',
  async (t) => {
    const c = conv('11359 HS', 'F', '2010-05-01')
    const f = floorOf(person([c, conv('187 PC', 'F', '2015-03-04')]), c)
    t.equal(f.outcome, 'reduce_to_misdemeanor')
    t.equal(f.disqualifiers.superStrike.status, 'absent')
  }
)

t.test('PC 1187 is not PC 187, and PC 137 is not PC 37: no false super strike', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  const f = floorOf(person([conv('1187 PC', 'F', '2001-01-01'), conv('137 PC', 'F', '2002-01-01'), c]), c)
  t.equal(f.disqualifiers.superStrike.status, 'absent')
  t.equal(f.outcome, 'reduce_to_misdemeanor')
})

t.test(
  'a prior whose statute needs a fact the record lacks sends the felony to review naming it — PC 667(e)(2)(C)(iv)(I), WIC 6600(b)',
  async (t) => {
    const c = conv('11360 HS', 'F', '2010-05-01')
    const f = floorOf(person([conv('207 PC', 'F', '2001-01-01'), c]), c)
    t.equal(f.disqualifiers.superStrike.status, 'possible')
    t.equal(f.guaranteed, 'not_eligible')
    t.equal(f.outcome, 'needs_review')
    t.match(f.missingFacts.join(), /intent to commit a sex offense/)
  }
)

t.test('a bare PC 286 prior needs its subdivision before it can be called a super strike', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  const f = floorOf(person([conv('286 PC', 'F', '2001-01-01'), c]), c)
  t.equal(f.disqualifiers.superStrike.status, 'possible')
  t.equal(f.disqualifiers.pc290.status, 'present', 'every PC 286 is registrable under PC 290(c)')
  t.equal(f.outcome, 'not_eligible')
})

t.test(
  'a prior PC 290(c) registrable conviction keeps an 11360 felony a felony — HS 11360(a)(3)(A), PC 290(c)',
  async (t) => {
    const c = conv('11360 HS', 'F', '2010-05-01')
    const f = floorOf(person([conv('288(A) PC', 'F', '2000-01-01'), c]), c)
    t.equal(f.disqualifiers.pc290.status, 'present')
    t.equal(f.guaranteed, 'not_eligible')
    t.equal(f.best, 'dismiss_and_seal', 'giving away 28.5 g or less would still be lawful, whatever the priors')
    t.equal(f.outcome, 'needs_review')
  }
)

t.test('attempts of registrable offenses count too — PC 290(c) covers attempts', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  t.equal(floorOf(person([conv('664/288(A) PC', 'F', '2000-01-01'), c]), c).outcome, 'not_eligible')
})

t.test(
  'a PC 290 registration before the conviction is evidence, not a 290(c) conviction: review, not a firm no — HS 11359(c)(1)',
  async (t) => {
    const c = conv('11359 HS', 'F', '2010-05-01')
    const f = floorOf(person([c], { registrations: [{ date: '2005-01-01' }] }), c)
    t.equal(f.disqualifiers.pc290.status, 'possible')
    t.equal(f.outcome, 'needs_review')
    t.match(f.missingFacts.join(), /registration alone is not a conviction/)
    const after = floorOf(person([c], { registrations: [{ date: '2015-01-01' }] }), c)
    t.equal(after.disqualifiers.pc290.status, 'absent', 'a registration after the conviction is no prior')
  }
)

t.test('PC 261.5 alone only needs review', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  const statutory = floorOf(person([conv('261.5 PC', 'F', '2000-01-01'), c]), c)
  t.equal(
    statutory.disqualifiers.pc290.status,
    'possible',
    'added to 290(c) only in 2026 (SB 680): which version applies is for counsel'
  )
})

t.test('two prior convictions under the post-AUMA subdivision keep a felony a felony — HS 11359(c)(2)', async (t) => {
  const c = conv('11359 HS', 'F', '2020-05-01')
  const f = floorOf(person([conv('11359(B) HS', 'M', '2017-01-01'), conv('11359(B) HS', 'M', '2018-01-01'), c]), c)
  t.equal(f.disqualifiers.twoPriors.status, 'present')
})

t.test('two pre-AUMA priors of the same section need review, as the peers disagree — HS 11359(c)(2)', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  const f = floorOf(person([conv('11359 HS', 'F', '2001-01-01'), conv('11359 HS', 'F', '2005-01-01'), c]), c)
  t.equal(f.disqualifiers.twoPriors.status, 'possible')
  t.equal(f.outcome, 'needs_review')
  t.match(f.missingFacts.join(), /count as priors under HS 11359\(b\)/)
})

t.test('the law floor always enforces disqualifiers; what a report-only policy would give is kept apart', async (t) => {
  const c = conv('11359 HS', 'F', '2010-05-01')
  const f = floorOf(person([conv('187 PC', 'F', '2001-03-04'), c]), c)
  t.equal(f.outcome, 'not_eligible')
  t.equal(f.ignoringDisqualifiers.outcome, 'reduce_to_misdemeanor')
  t.equal(f.felonyException, 'HS 11359(c)')
  t.equal(f.disqualifiers.superStrike.status, 'present')
})

t.test('disqualifiers do not touch misdemeanor relief — HS 11357 has no felony exception', async (t) => {
  const c = conv('11357(B) HS', 'M', '2010-05-01')
  t.equal(floorOf(person([conv('187 PC', 'F', '2001-03-04'), c]), c).outcome, 'dismiss_and_seal')
})

t.test('a conviction on or after 2016-11-09 is flagged and reviewed — Prop. 64 effective date', async (t) => {
  const f = only(conv('11359 HS', 'F', '2017-02-01'))
  t.equal(f.convictedAfterProp64, true)
  t.equal(f.outcome, 'needs_review')
})

t.test(
  'the remedy follows the sentence end: still serving is resentencing, completed is redesignation — HS 11361.8(a), (e)',
  async (t) => {
    t.equal(only(conv('11359 HS', 'F', '2010-05-01', { sentenceEnd: '2030-01-01' })).remedy, 'resentencing')
    t.equal(
      only(conv('11359 HS', 'F', '2010-05-01', { sentenceEnd: '2012-01-01' })).remedy,
      'redesignation_or_dismissal'
    )
    t.equal(only(conv('11359 HS', 'F', '2010-05-01', { sentenceEnd: null })).remedy, 'unknown')
  }
)

t.test('an attempted 11357 (664 glued on) is a Prop 64 conviction; a conspiracy needs review', async (t) => {
  t.equal(only(conv('66411357(B) HS', 'M', '2010-05-01')).outcome, 'dismiss_and_seal')
  t.equal(only(conv('182/11359 HS', 'F', '2010-05-01')).outcome, 'needs_review')
})

t.test('every node of the explanation names its rule and the floor cites HS 11361.8', async (t) => {
  const f = only(conv('11359 HS', 'F', '2010-05-01'))
  t.equal(f.explanation.citation, 'HS 11361.8')
  for (const node of f.explanation.children ?? []) {
    t.ok(node.rule, 'rule')
    t.ok(node.result, `result of ${node.rule}`)
  }
})
