// Types only from the schemas: the engine runs in review workers, and loading the schema validator (parsePolicy's,
// in parse-policy.ts) took a worker about 300 ms to start.
import type { Policy, PolicyChoice, PolicyConditions, PolicyRule } from '../../schemas/policy.js'
import { parseCodeSection, sectionMatches } from './code-section.js'
import {
  isProp64Section,
  lawFloor,
  lessRelief,
  moreRelief,
  type DisqualifierFinding,
  type ExplanationNode,
  type LawFloor,
  type Outcome,
  type Relief,
  type ReliefRange,
  type Remedy
} from './prop64-floor.js'
import { lawFactsOf, type LawFacts } from './relief-grounds.js'
import { unreadableFloor } from './unreadable-offense.js'
import { yearsBetween, type ConvictionFact, type PersonRecord } from './record.js'

export type { Policy } from '../../schemas/policy.js'

/** A decided conviction: the outcome, why, under which law, and the whole explanation tree. */
export interface Determination {
  convictionId: string
  section: string
  outcome: Outcome
  remedy: Remedy
  /** One readable line, for CSVs and lists. */
  reason: string
  citations: string[]
  floor: LawFloor
  /** The policy rule that decided, or `otherwise`. */
  decidedBy: string
  explanation: ExplanationNode
  /** What the law floor found, kept with the determination so papers say only what the record shows. */
  lawFacts: LawFacts
}

/** Facts about the person and the conviction that policy conditions read; null when the record cannot tell. */
export interface PolicyFacts {
  ageAtConviction: number | null
  ageAsOf: number | null
  yearsSinceConviction: number | null
  yearsSinceAnyConviction: number | null
  onlyProp64Record: boolean
  deceased: boolean
  sentenceCompleted: boolean | null
  allSentencesCompleted: boolean | null
  convictedAfterProp64: boolean | null
}

export function policyFacts(
  record: PersonRecord,
  conviction: ConvictionFact,
  floor: LawFloor,
  asOf: string
): PolicyFacts {
  // Loops, not callbacks: run for every conviction decided, callbacks made anew each time were compiled again and again.
  let latest: string | null = null
  let onlyProp64Record = true
  let sentenceRunning = false
  let sentenceUnknown = false
  for (const c of record.convictions) {
    if (c.date !== null && (latest === null || c.date > latest)) latest = c.date
    if (!isProp64Section(c.section)) onlyProp64Record = false
    if (c.sentenceEnd === null) sentenceUnknown = true
    else if (c.sentenceEnd > asOf) sentenceRunning = true
  }
  return {
    ageAtConviction: floor.ageAtConviction,
    ageAsOf: record.dob ? yearsBetween(record.dob, asOf) : null,
    yearsSinceConviction: conviction.date ? yearsBetween(conviction.date, asOf) : null,
    yearsSinceAnyConviction: latest ? yearsBetween(latest, asOf) : null,
    onlyProp64Record,
    deceased: record.deceased,
    sentenceCompleted: conviction.sentenceEnd === null ? null : conviction.sentenceEnd <= asOf,
    allSentencesCompleted: sentenceRunning ? false : sentenceUnknown ? null : true,
    convictedAfterProp64: floor.convictedAfterProp64
  }
}

type Range = NonNullable<PolicyConditions['ageAsOf']>

function inRange(value: number | null, range: Range): boolean {
  if (value === null) return false
  return (
    (range.gte === undefined || value >= range.gte) &&
    (range.gt === undefined || value > range.gt) &&
    (range.lte === undefined || value <= range.lte) &&
    (range.lt === undefined || value < range.lt)
  )
}

function flagMatches(want: boolean | 'possible', finding: DisqualifierFinding): boolean {
  if (want === 'possible') return finding.status === 'possible'
  return want ? finding.status === 'present' : finding.status === 'absent'
}

const sameOrUnknown = (want: boolean, value: boolean | null) => value !== null && value === want

/** True when every condition of the rule holds; an unknown fact never satisfies a condition. */
export function conditionsHold(
  when: PolicyConditions,
  conviction: ConvictionFact,
  floor: LawFloor,
  facts: PolicyFacts
): boolean {
  if (
    when.section &&
    !(
      conviction.section &&
      when.section.some((s) => sectionMatches(parseCodeSection(s)!, conviction.section!, { includeInchoate: true }))
    )
  )
    return false
  if (when.severity && !(conviction.severity && when.severity.includes(conviction.severity))) return false
  if (when.ageAtConviction && !inRange(facts.ageAtConviction, when.ageAtConviction)) return false
  if (when.ageAsOf && !inRange(facts.ageAsOf, when.ageAsOf)) return false
  if (when.yearsSinceConviction && !inRange(facts.yearsSinceConviction, when.yearsSinceConviction)) return false
  if (when.yearsSinceAnyConviction && !inRange(facts.yearsSinceAnyConviction, when.yearsSinceAnyConviction))
    return false
  if (when.onlyProp64Record !== undefined && when.onlyProp64Record !== facts.onlyProp64Record) return false
  if (when.deceased !== undefined && when.deceased !== facts.deceased) return false
  if (when.sentenceCompleted !== undefined && !sameOrUnknown(when.sentenceCompleted, facts.sentenceCompleted))
    return false
  if (
    when.allSentencesCompleted !== undefined &&
    !sameOrUnknown(when.allSentencesCompleted, facts.allSentencesCompleted)
  )
    return false
  if (when.convictedAfterProp64 !== undefined && !sameOrUnknown(when.convictedAfterProp64, facts.convictedAfterProp64))
    return false
  for (const name of ['superStrike', 'pc290', 'twoPriors', 'aggravating'] as const) {
    const want = when[name]
    if (want !== undefined && !flagMatches(want, floor.disqualifiers[name])) return false
  }
  if (when.lawAllows && !when.lawAllows.includes(floor.best)) return false
  return true
}

/**
 * Turns a policy's choice into an outcome. `range` is what the policy works
 * within: the law floor, or the same with disqualifiers only reported. An
 * outcome beyond what HS 11361.8 allows on any facts is kept only where the
 * policy says so (`limitToLaw: false`), and the note says it is beyond the law.
 */
function resolveChoice(
  choice: PolicyChoice,
  floor: LawFloor,
  range: ReliefRange,
  limitToLaw: boolean
): { outcome: Outcome; note?: string } {
  const beyond = (outcome: Outcome, note?: string) => {
    if (outcome === 'needs_review' || moreRelief(outcome, floor.best) === floor.best)
      return note ? { outcome, note } : { outcome }
    return {
      outcome,
      note: `beyond HS 11361.8, which allows at most ${floor.best} on this record${note ? `; ${note}` : ''}`
    }
  }
  if (choice === 'floor') return beyond(range.outcome)
  if (choice === 'most_relief') return beyond(range.best)
  if (choice === 'needs_review') return { outcome: 'needs_review' }
  const wanted: Relief = choice
  if (!limitToLaw) return beyond(wanted)
  if (moreRelief(wanted, range.best) !== range.best)
    return beyond(range.best, `${wanted} asked; the law allows at most ${range.best}`)
  if (lessRelief(wanted, range.guaranteed) !== range.guaranteed)
    return beyond(range.guaranteed, `${wanted} asked; the law gives at least ${range.guaranteed}`)
  return beyond(wanted)
}

const REMEDY_TEXT: Record<Remedy, string> = {
  resentencing: 'petition to recall and resentence (HS 11361.8(a)-(b))',
  redesignation_or_dismissal: 'application to redesignate or dismiss and seal (HS 11361.8(e)-(f))',
  unknown:
    'remedy unknown: the record does not show whether the sentence has been completed (petition under HS 11361.8(a)-(b) or application under (e)-(f))'
}

// The same few dozen citation strings recur in every explanation: each is split once.
const CITATION_PARTS = new Map<string, string[]>()

function collectCitations(node: ExplanationNode, into: Set<string>): Set<string> {
  if (node.citation) {
    let parts = CITATION_PARTS.get(node.citation)
    if (!parts) {
      parts = node.citation.split(/;\s*/).filter((c) => c !== '')
      if (CITATION_PARTS.size < 10_000) CITATION_PARTS.set(node.citation, parts)
    }
    for (const c of parts) into.add(c)
  }
  for (const child of node.children ?? []) collectCitations(child, into)
  return into
}

/**
 * Decides one Prop 64 conviction: the law floor first, then the county policy
 * (first matching rule wins). The explanation tree holds both.
 */
export function determine(
  record: PersonRecord,
  conviction: ConvictionFact,
  policy: Policy,
  asOf: string
): Determination {
  if (conviction.section === null) return reviewUnreadable(conviction, asOf)
  const floor = lawFloor(record, conviction, { asOf })
  const facts = policyFacts(record, conviction, floor, asOf)
  const limitToLaw = policy.limitToLaw !== false
  let rule: PolicyRule | undefined
  let ruleIndex = -1
  for (const [i, candidate] of policy.rules.entries()) {
    if (conditionsHold(candidate.when, conviction, floor, facts)) {
      rule = candidate
      ruleIndex = i
      break
    }
  }
  const choice = rule ? rule.then : (policy.otherwise ?? 'floor')
  const range = policy.disqualifiers === 'report' ? floor.ignoringDisqualifiers : floor
  const { outcome, note } = resolveChoice(choice, floor, range, limitToLaw)
  const decidedBy = rule ? (rule.id ?? `rule ${ruleIndex + 1}`) : 'otherwise'
  const policyReason = rule ? rule.reason : choice === 'floor' ? 'law floor' : `no rule applied (${choice})`
  const policyNode: ExplanationNode = {
    rule: `policy: ${policy.name} v${policy.version}, ${decidedBy}`,
    result: `${outcome}${note ? ` (${note})` : ''}`,
    facts: { choice, reason: policyReason, disqualifiers: policy.disqualifiers, limitToLaw, ...facts }
  }
  const explanation: ExplanationNode = {
    rule: 'determination',
    result: outcome,
    children: [floor.explanation, policyNode]
  }
  const lawPart = floor.explanation.result
  const reportOnly =
    policy.disqualifiers === 'report' ? ' [reported only: the policy does not enforce disqualifiers]' : ''
  const disq: string[] = []
  for (const [n, f] of Object.entries(floor.disqualifiers))
    if (f.status !== 'absent') disq.push(`${n} ${f.status}${f.detail ? ` (${f.detail})` : ''}${reportOnly}`)
  const reason = [
    `${floor.section} ${conviction.severity ? ({ F: 'felony', M: 'misdemeanor', I: 'infraction' } as const)[conviction.severity] : 'of unknown grade'}`,
    `policy: ${policyReason}${note ? ` [${note}]` : ''}`,
    `law: ${lawPart}`,
    ...(disq.length > 0 ? [`disqualifiers: ${disq.join(', ')}`] : []),
    REMEDY_TEXT[floor.remedy]
  ].join(' · ')
  return {
    convictionId: conviction.id,
    section: floor.section,
    outcome,
    remedy: floor.remedy,
    reason,
    citations: [...collectCitations(explanation, new Set())],
    floor,
    decidedBy,
    explanation,
    lawFacts: lawFactsOf(floor, policy, rule ? rule.reason : null)
  }
}

export interface DetermineOptions {
  asOf: string
  policy: Policy
  /** Only convictions in this county are decided (every county's record still counts as priors). */
  county?: string | null
}

/**
 * Determinations for every Prop 64 conviction of a person in the county, and
 * for every conviction there whose offense could not be read but may concern
 * cannabis (those go to review: never away).
 */
export function determineRecord(record: PersonRecord, options: DetermineOptions): Determination[] {
  const out: Determination[] = []
  for (const conviction of record.convictions) {
    if (!decidesConviction(conviction)) continue
    if (options.county && conviction.county !== options.county) continue
    out.push(determine(record, conviction, options.policy, options.asOf))
  }
  return out
}

/** True for a conviction the engine decides: a Prop 64 section, or an unreadable offense that may concern cannabis. */
export function decidesConviction(conviction: ConvictionFact): boolean {
  return isProp64Section(conviction.section) || (conviction.section === null && conviction.mayConcernCannabis === true)
}

/** An offense that may concern cannabis but cannot be read: a person must look. */
function reviewUnreadable(conviction: ConvictionFact, asOf: string): Determination {
  const floor = unreadableFloor(conviction, asOf)
  const explanation: ExplanationNode = { rule: 'determination', result: 'needs_review', children: [floor.explanation] }
  return {
    convictionId: conviction.id,
    section: floor.section,
    outcome: 'needs_review',
    remedy: floor.remedy,
    reason: `${floor.section}: ${floor.missingFacts.join('; ')}`,
    citations: [...collectCitations(explanation, new Set())],
    floor,
    decidedBy: 'unreadable offense',
    explanation,
    lawFacts: lawFactsOf(floor, { disqualifiers: 'enforce' }, null)
  }
}
