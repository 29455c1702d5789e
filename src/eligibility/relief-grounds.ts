import prop64Data from './lists/prop64-hs11361.8.json' with { type: 'json' }
import {
  moreRelief,
  OUTCOMES,
  RELIEFS,
  type DisqualifierFinding,
  type DisqualifierName,
  type LawFloor,
  type Outcome,
  type Relief,
  type Remedy,
  type SentenceStatus
} from './prop64-floor.js'

/**
 * What a determination keeps of its law floor (stored with it as JSON), so
 * that papers made from it later, whoever decided the outcome, say only what
 * the record shows.
 */
export interface LawFacts {
  /** The relief HS 11361.8 gives on the record's facts. */
  guaranteed: Relief
  /** The most it could give if the facts the record lacks favour the person. */
  best: Relief
  missingFacts: string[]
  /** The felony exception whose disqualifiers were checked (`HS 11359(c)`), or null where none bears on the count. */
  felonyException: string | null
  disqualifiers: Record<DisqualifierName, DisqualifierFinding>
  /** The statutes that grade the conduct today. */
  grantCitations: string[]
  sentence: SentenceStatus
  /** `report` when the county's policy only flags disqualifiers. */
  disqualifierMode: 'enforce' | 'report'
  /** The policy rule's reason, when a rule decided. */
  policyReason: string | null
}

export function lawFactsOf(
  floor: LawFloor,
  policy: { disqualifiers: 'enforce' | 'report' },
  policyReason: string | null
): LawFacts {
  return {
    guaranteed: floor.guaranteed,
    best: floor.best,
    missingFacts: floor.missingFacts,
    felonyException: floor.felonyException,
    disqualifiers: floor.disqualifiers,
    grantCitations: floor.grantCitations,
    sentence: floor.sentence,
    disqualifierMode: policy.disqualifiers,
    policyReason
  }
}

/**
 * On what footing relief is asked:
 * - `law`: HS 11361.8 gives it on the record's facts;
 * - `conceded`: the law gives it only if facts the record lacks favour the person, and the People concede them;
 * - `beyond_law`: more than HS 11361.8 allows on any facts (a county policy, a deputy's discretion), so the motion rests on other authority.
 */
export type ReliefBasis = 'law' | 'conceded' | 'beyond_law'

export type GrantableRelief = Exclude<Relief, 'not_eligible'>

export interface ReliefGrounds {
  outcome: GrantableRelief
  remedy: Remedy
  basis: ReliefBasis
  facts: LawFacts
  /** What grants the relief asked: HS 11361.8 by remedy, the statutes grading the conduct today, and beyond the law the authority the county relies on. */
  authority: string[]
  /** A deputy DA's decision chose the outcome, not the engine. */
  byDecision: boolean
}

/** Authority for relief beyond HS 11361.8, as data (california-relief-law.md is silent; see README). */
export const BEYOND_LAW: { authority: string[]; citation: string; confidence: string } = prop64Data.beyondLaw

const rank = (r: Relief) => RELIEFS.indexOf(r)

const REMEDY_AUTHORITY: Record<Remedy, string[]> = {
  resentencing: ['HS 11361.8(a)-(b)'],
  redesignation_or_dismissal: ['HS 11361.8(e)-(f)'],
  // Unknown sentence: both footings are named, so the People's choice (and the (a)-(b) objection) is never given up silently.
  unknown: ['HS 11361.8(a)-(b)', 'HS 11361.8(e)-(f)']
}

/** The grounds of relief for an outcome against the facts its determination kept. */
export function reliefGrounds(
  outcome: GrantableRelief,
  remedy: Remedy,
  facts: LawFacts,
  byDecision: boolean
): ReliefGrounds {
  const basis: ReliefBasis =
    rank(outcome) <= rank(facts.guaranteed)
      ? 'law'
      : moreRelief(outcome, facts.best) === facts.best
        ? 'conceded'
        : 'beyond_law'
  const authority =
    basis === 'beyond_law'
      ? [...BEYOND_LAW.authority, ...REMEDY_AUTHORITY[remedy]]
      : [...REMEDY_AUTHORITY[remedy], ...facts.grantCitations]
  return { outcome, remedy, basis, facts, authority, byDecision }
}

/** The outcome that stands for a count: a deputy DA's decision where there is one, else the engine's. */
export function effectiveOutcome(d: { outcome: string; decided_outcome: string | null }): Outcome {
  const value = d.decided_outcome ?? d.outcome
  if (!(OUTCOMES as readonly string[]).includes(value)) throw new Error(`${value} is not a determination outcome`)
  return value as Outcome
}

/** True for an outcome a motion asks the court to grant. */
export function isGrantable(outcome: Outcome): outcome is GrantableRelief {
  return outcome === 'dismiss_and_seal' || outcome === 'reduce_to_misdemeanor' || outcome === 'reduce_to_infraction'
}

/**
 * Facts for a determination made before clearfile kept them: nothing is known
 * to be true, so papers assert nothing beyond the relief asked.
 */
export function unknownLawFacts(): LawFacts {
  const unknown = { status: 'possible', detail: 'not kept for this determination' } as const
  return {
    guaranteed: 'not_eligible',
    best: 'dismiss_and_seal',
    missingFacts: ['the facts the law floor found (not kept for determinations made before clearfile kept them)'],
    felonyException: null,
    disqualifiers: { superStrike: unknown, pc290: unknown, twoPriors: unknown, aggravating: unknown },
    grantCitations: [],
    sentence: 'unknown',
    disqualifierMode: 'enforce',
    policyReason: null
  }
}

/** The grounds of a count as papers need them: null when its outcome is not relief a motion asks for. */
export function countGrounds(
  outcome: Outcome,
  remedy: Remedy,
  facts: LawFacts | null,
  byDecision: boolean
): ReliefGrounds | null {
  return isGrantable(outcome) ? reliefGrounds(outcome, remedy, facts ?? unknownLawFacts(), byDecision) : null
}
