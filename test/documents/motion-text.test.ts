import t from 'tap'
import { motionText, proposedOrderText, type PacketInput, type PaperCount } from '../../src/documents/court-papers.js'
import { RELIEFS, type DisqualifierFinding, type Relief, type Remedy } from '../../src/eligibility/prop64-floor.js'
import {
  reliefGrounds,
  type GrantableRelief,
  type LawFacts,
  type ReliefBasis
} from '../../src/eligibility/relief-grounds.js'
import { lawFacts, SF_PROFILE } from './fixtures.js'

/*
 * The motion's words against the facts, for every combination of outcome,
 * footing, felony exception, disqualifiers, remedy and who decided: each
 * sentence is checked against what the grounds say, so the papers a deputy DA
 * signs never assert eligibility or the absence of a prior the record does not show.
 */

const OUTCOMES: GrantableRelief[] = ['dismiss_and_seal', 'reduce_to_misdemeanor', 'reduce_to_infraction']
const BASES: ReliefBasis[] = ['law', 'conceded', 'beyond_law']
const EXCEPTIONS = [null, 'HS 11359(c)'] as const
const REMEDIES: Remedy[] = ['resentencing', 'redesignation_or_dismissal', 'unknown']
const MISSING = [
  'the amount possessed (28.5 g or less is lawful for 21+)',
  'the age at the offense (21 at conviction; the record has no offense or arrest date)'
]
const PC187 = 'PC 187 on 2001-03-04'
const REGISTRATION = 'which conviction the PC 290 registration of 1999-01-01 rests on'
/** The same facts as the papers write them: dates written out. */
const PC187_WRITTEN = 'PC 187 on March 4, 2001'
const REGISTRATION_WRITTEN = 'which conviction the PC 290 registration of January 1, 1999 rests on'
const POLICY = 'Recall, resentence or redesignate every Prop 64 felony.'

const absent: DisqualifierFinding = { status: 'absent' }
const DISQUALIFIERS: Record<string, Pick<LawFacts, 'disqualifiers' | 'disqualifierMode' | 'policyReason'>> = {
  'all absent': {
    disqualifiers: { superStrike: absent, pc290: absent, twoPriors: absent, aggravating: absent },
    disqualifierMode: 'enforce',
    policyReason: null
  },
  'super strike present': {
    disqualifiers: {
      superStrike: { status: 'present', detail: PC187 },
      pc290: absent,
      twoPriors: absent,
      aggravating: absent
    },
    disqualifierMode: 'enforce',
    policyReason: null
  },
  'PC 290 possible': {
    disqualifiers: {
      superStrike: absent,
      pc290: { status: 'possible', detail: REGISTRATION },
      twoPriors: absent,
      aggravating: absent
    },
    disqualifierMode: 'enforce',
    policyReason: null
  },
  'reported only': {
    disqualifiers: {
      superStrike: { status: 'present', detail: PC187 },
      pc290: absent,
      twoPriors: absent,
      aggravating: absent
    },
    disqualifierMode: 'report',
    policyReason: POLICY
  }
}

const below = (r: Relief): Relief => RELIEFS[RELIEFS.indexOf(r) - 1]!

/** The law floor's range that puts an outcome on the wanted footing. */
function range(outcome: GrantableRelief, basis: ReliefBasis): Pick<LawFacts, 'guaranteed' | 'best' | 'missingFacts'> {
  if (basis === 'law') return { guaranteed: outcome, best: outcome, missingFacts: [] }
  if (basis === 'conceded') return { guaranteed: 'not_eligible', best: outcome, missingFacts: MISSING }
  return { guaranteed: 'not_eligible', best: below(outcome), missingFacts: [] }
}

const SECTION = {
  dismiss_and_seal: 'HS 11357(b)',
  reduce_to_misdemeanor: 'HS 11359',
  reduce_to_infraction: 'HS 11357(c)'
} as const

function input(counts: PaperCount[]): PacketInput {
  return {
    profile: SF_PROFILE,
    person: { name: 'GARCIA, MARIA', aliases: [], dob: '1970-02-03' },
    cases: [{ caseNumber: 'SCN123456', court: 'Superior Court of California, County of San Francisco', counts }],
    date: '2026-11-28'
  }
}

function count(
  outcome: GrantableRelief,
  remedy: Remedy,
  facts: LawFacts,
  byDecision: boolean,
  order = '001'
): PaperCount {
  return {
    countOrder: order,
    section: SECTION[outcome],
    severity: outcome === 'reduce_to_misdemeanor' ? 'F' : 'M',
    convictionDate: '2010-05-01',
    outcome,
    remedy,
    grounds: reliefGrounds(outcome, remedy, facts, byDecision)
  }
}

const has = (text: string, pattern: RegExp | string) =>
  typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)

t.test(
  'every sentence of the motion and the order follows from the count’s grounds, in every combination',
  async (t) => {
    let checked = 0
    let refused = 0
    for (const outcome of OUTCOMES) {
      for (const basis of BASES) {
        for (const felonyException of EXCEPTIONS) {
          for (const [dqName, dq] of Object.entries(DISQUALIFIERS)) {
            for (const remedy of REMEDIES) {
              for (const byDecision of [false, true]) {
                const name = `${outcome}, ${basis}, exception ${felonyException ?? 'none'}, ${dqName}, ${remedy}${byDecision ? ', by decision' : ''}`
                const facts = lawFacts({
                  ...range(outcome, basis),
                  felonyException,
                  ...dq,
                  grantCitations: ['HS 11359(a)-(b)']
                })
                const n = count(outcome, remedy, facts, byDecision)
                const g = n.grounds!
                if (g.basis !== basis) throw new Error(`${name}: the facts give basis ${g.basis}`)
                const open =
                  felonyException !== null && Object.values(facts.disqualifiers).some((d) => d.status !== 'absent')

                if (basis === 'law' && open) {
                  // The law floor enforces the exception: such grounds contradict themselves and are never put on papers.
                  t.throws(() => motionText(input([n])), /contradict themselves/, `${name}: refused`)
                  refused++
                  continue
                }
                const m = motionText(input([n]))
                const order = proposedOrderText(input([n]))
                const p = m.counts[0]!
                const all = [m.nature, m.salutation, ...m.intro, m.heading, ...m.counts, ...m.closing].join('\n')
                const orderAll = [order.nature, ...order.intro, ...order.counts, ...order.closing].join('\n')
                const beyond = basis === 'beyond_law'
                const fails: string[] = []
                const expect = (ok: boolean, what: string) => {
                  if (!ok) fails.push(what)
                }
                const iff = (text: string, pattern: RegExp | string, when: boolean, what: string) =>
                  expect(has(text, pattern) === when, `${what} ${when ? 'missing' : 'said'}`)

                iff(all, /eligib/i, basis === 'law', 'eligibility')
                iff(
                  p,
                  /finds that the defendant is eligible for this relief under Health and Safety Code section 11361\.8/,
                  basis === 'law',
                  'the finding of eligibility'
                )
                iff(
                  all,
                  'no prior conviction of an offense listed in Penal Code section 667(e)(2)(C)(iv)',
                  basis === 'law' && felonyException !== null && facts.disqualifiers.superStrike.status === 'absent',
                  'no 667(e)(2)(C)(iv) prior'
                )
                iff(
                  all,
                  'no prior conviction of an offense requiring registration under Penal Code section 290(c)',
                  basis === 'law' && felonyException !== null && facts.disqualifiers.pc290.status === 'absent',
                  'no 290(c) prior'
                )
                iff(
                  all,
                  'fewer than two prior convictions under Health and Safety Code section 11359(b)',
                  basis === 'law' && felonyException !== null && facts.disqualifiers.twoPriors.status === 'absent',
                  'fewer than two priors'
                )
                expect(
                  !/no disqualifying|disqualifying prior conviction appears/i.test(all),
                  'a blanket absence of disqualifiers'
                )
                expect(
                  !/\bno\b[^.]*\bprior/i.test(all) || (basis === 'law' && felonyException !== null),
                  'an absence of priors off the law basis'
                )

                // PC 1385 exactly where relief goes beyond HS 11361.8: caption, intro, count, closing, order.
                iff(all, /1385/, beyond, 'PC 1385 in the motion')
                iff(m.nature, '; IN FURTHERANCE OF JUSTICE (Pen. Code, § 1385)', beyond, 'the nature beyond the law')
                iff(
                  m.intro[0]!,
                  'under Health and Safety Code section 11361.8 and, where stated, Penal Code section 1385, for the relief',
                  beyond,
                  'PC 1385 in the intro'
                )
                iff(
                  p,
                  /in furtherance of justice \(Pen\. Code, § 1385, subd\. \(a\)\), alongside Health and Safety Code section 11361\.8/,
                  beyond,
                  'the request under PC 1385'
                )
                iff(
                  p,
                  'The People do not contend that the defendant meets the criteria of Health and Safety Code section 11361.8',
                  beyond,
                  'that the criteria are not met'
                )
                iff(
                  p,
                  'as legally invalid',
                  !beyond && outcome === 'dismiss_and_seal' && remedy !== 'resentencing',
                  '"as legally invalid"'
                )
                iff(orderAll, /in furtherance of justice/, beyond, 'the order in furtherance of justice')
                iff(orderAll, /1385/, beyond, 'PC 1385 in the order')
                expect(!/eligib/i.test(orderAll), 'eligibility in the order')

                // Authority: exactly the grounds', never the lists that were checked.
                const authority = /Authority: (.*)\.$/.exec(p)?.[1]
                expect(authority === g.authority.join('; '), `authority ${authority}`)
                expect(!/PC 667|PC 290/.test(authority ?? ''), 'a checked list as authority')
                expect(
                  g.authority.every((a) => !a.startsWith('PC ') || a.startsWith('PC 1385')),
                  'grounds authority'
                )

                // The remedy: (a)-(b) while serving, (e)-(f) when completed, both when the record does not show it.
                const ask = p.slice(
                  p.indexOf('the People ask the Court to') >= 0
                    ? p.indexOf('the People ask the Court to')
                    : p.indexOf('The People ask the Court to'),
                  p.indexOf('Authority:')
                )
                iff(ask, 'subds. (a), (b)', remedy !== 'redesignation_or_dismissal', 'the petition of (a)-(b)')
                iff(ask, 'subds. (e), (f)', remedy !== 'resentencing', 'the application of (e)-(f)')
                iff(
                  p,
                  'The record does not show whether the sentence on this count has been completed',
                  remedy === 'unknown',
                  'the unknown sentence'
                )
                iff(
                  orderAll,
                  'if the defendant is still serving the sentence',
                  remedy === 'unknown',
                  'the order in the alternative'
                )
                iff(orderAll, /subd\. \(h\)/, !beyond && outcome !== 'dismiss_and_seal', 'the order under 11361.8(h)')
                iff(orderAll, 'for all purposes', !beyond && outcome !== 'dismiss_and_seal', '"for all purposes"')
                iff(
                  orderAll,
                  '(Health & Saf. Code, § 11361.8, subd. (f).)',
                  !beyond && outcome === 'dismiss_and_seal',
                  'sealing under 11361.8(f)'
                )

                // Conceded facts: each one named, and conceded; no concession elsewhere.
                iff(p, 'the People concede', basis === 'conceded', 'a concession')
                if (basis === 'conceded') {
                  for (const fact of MISSING) expect(p.includes(fact), `the missing fact ${fact}`)
                  iff(
                    p,
                    REGISTRATION_WRITTEN,
                    felonyException !== null && dqName === 'PC 290 possible',
                    'the possible PC 290 prior as a missing fact'
                  )
                }

                // What the record shows: a prior that bears on the count is named, one that does not is not a reason.
                iff(
                  p,
                  PC187_WRITTEN,
                  felonyException !== null && facts.disqualifiers.superStrike.status === 'present',
                  'the PC 187 prior'
                )
                if (beyond) {
                  const most = {
                    not_eligible: 'gives no relief',
                    reduce_to_misdemeanor: 'gives at most a reduction to a misdemeanor',
                    reduce_to_infraction: 'gives at most a reduction to an infraction',
                    dismiss_and_seal: ''
                  }[facts.best]
                  expect(
                    p.includes(`on the record's facts that section ${most} on this count`),
                    'what the law gives at most'
                  )
                  iff(
                    p,
                    'reports the disqualifying prior convictions of Health and Safety Code section 11359(c) without applying them',
                    felonyException !== null && dq.disqualifierMode === 'report',
                    'the reported-only policy'
                  )
                  iff(p, 'a deputy district attorney decided', byDecision, 'the deputy’s decision')
                  iff(
                    p,
                    `under the District Attorney's policy ("${POLICY.slice(0, -1)}")`,
                    !byDecision && dq.policyReason !== null,
                    'the policy’s reason'
                  )
                }
                t.same(fails, [], name)
                checked++
              }
            }
          }
        }
      }
    }
    t.equal(checked + refused, 3 * 3 * 2 * 4 * 3 * 2, 'every combination')
    t.equal(refused, 3 * 3 * 3 * 2, 'law-basis grounds with an open felony-exception prior are refused')
  }
)

t.test(
  'a motion mixing the law and relief beyond it says each count’s footing, and 1385 only where it is asked',
  async (t) => {
    const law = count(
      'reduce_to_misdemeanor',
      'redesignation_or_dismissal',
      lawFacts({
        guaranteed: 'reduce_to_misdemeanor',
        best: 'reduce_to_misdemeanor',
        felonyException: 'HS 11359(c)',
        grantCitations: ['HS 11359(a)-(b)']
      }),
      false,
      '001'
    )
    const policy = count(
      'dismiss_and_seal',
      'redesignation_or_dismissal',
      lawFacts({
        guaranteed: 'not_eligible',
        best: 'not_eligible',
        grantCitations: ['HS 11357(b)(2)'],
        policyReason: 'Dismiss and seal every Prop 64 misdemeanor and infraction',
        disqualifiers: {
          superStrike: { status: 'present', detail: PC187 },
          pc290: absent,
          twoPriors: absent,
          aggravating: absent
        }
      }),
      false,
      '002'
    )
    const m = motionText(input([law, policy]))
    t.match(
      m.nature,
      /TO REDESIGNATE OR DISMISS AND SEAL \(Health & Saf\. Code, § 11361\.8\); IN FURTHERANCE OF JUSTICE \(Pen\. Code, § 1385\)$/
    )
    t.match(m.counts[0], /finds that the defendant is eligible/)
    t.notMatch(m.counts[0], /1385/)
    t.match(
      m.counts[1],
      /do not contend that the defendant meets the criteria of Health and Safety Code section 11361\.8 for this relief: on the record's facts that section gives no relief on this count\./
    )
    t.notMatch(
      m.counts[1],
      /eligib|PC 187/,
      'a prior that does not bear on a misdemeanor is no reason, and no absence is claimed'
    )
    t.match(
      m.counts[1],
      /under the District Attorney's policy \("Dismiss and seal every Prop 64 misdemeanor and infraction"\) in furtherance of justice/
    )
    t.match(
      m.counts[1],
      /dismiss the conviction in furtherance of justice and seal its record \(Pen\. Code, § 1385, subd\. \(a\); Health & Saf\. Code, § 11361\.8, subds\. \(e\), \(f\)\)\. Authority: PC 1385\(a\); HS 11361\.8\(e\)-\(f\)\.$/
    )
    const order = proposedOrderText(input([law, policy]))
    t.match(order.counts[0], /is REDESIGNATED a misdemeanor for all purposes\.$/)
    t.match(order.counts[1], /is DISMISSED in furtherance of justice and SEALED\.$/)
    t.same(order.closing.slice(0, 1), [
      'The records of each conviction dismissed above in furtherance of justice shall be sealed.'
    ])
  }
)

t.test('a count without grounds, or with grounds for other relief, is not put on papers', async (t) => {
  const n = count('dismiss_and_seal', 'redesignation_or_dismissal', lawFacts(), false)
  t.throws(() => motionText(input([{ ...n, grounds: null }])), /has no grounds of relief/)
  t.throws(
    () => motionText(input([{ ...n, remedy: 'resentencing' }])),
    /its grounds are for dismiss_and_seal\/redesignation_or_dismissal/
  )
})
