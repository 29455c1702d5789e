import prop64Data from './lists/prop64-hs11361.8.json' with { type: 'json' }
import { formatCodeSection, parseCodeSection, sectionMatches, type CodeSection } from './code-section.js'
import { matchList, OFFENSE_LISTS, type OffenseList } from './offense-lists.js'
import { yearsBetween, type ConvictionFact, type PersonRecord } from './record.js'

export const RELIEFS = ['not_eligible', 'reduce_to_misdemeanor', 'reduce_to_infraction', 'dismiss_and_seal'] as const
export type Relief = (typeof RELIEFS)[number]
export const OUTCOMES = [...RELIEFS, 'needs_review'] as const
export type Outcome = (typeof OUTCOMES)[number]
export type Remedy = 'resentencing' | 'redesignation_or_dismissal' | 'unknown'
/** Whether the sentence has ended by the as-of date; `unknown` when the record does not show its length. */
export type SentenceStatus = 'completed' | 'running' | 'unknown'
/**
 * How strongly the record shows a disqualifier: `present` only for a conviction
 * of a listed offense, dated before this one; `possible` for evidence that is
 * not a conviction (a registration), a section the statute needs a fact about,
 * a record without a code or a date, or an unreadable offense; `absent` when
 * the engine looked and found nothing.
 */
export type DisqualifierStatus = 'present' | 'possible' | 'absent'
export type DisqualifierName = 'superStrike' | 'pc290' | 'twoPriors' | 'aggravating'
export const DISQUALIFIER_NAMES: readonly DisqualifierName[] = ['superStrike', 'pc290', 'twoPriors', 'aggravating']

/** One node of a determination's explanation: which rule, what it found, from which facts, under which law. */
export interface ExplanationNode {
  rule: string
  result: string
  facts?: Record<string, unknown>
  citation?: string
  children?: ExplanationNode[]
}

export interface DisqualifierFinding {
  status: DisqualifierStatus
  /** What was found, e.g. `PC 187 on 2001-03-04`, or the fact a review must settle. */
  detail?: string
}

/** The relief on the known facts, the most the missing facts could give, and the floor's own answer. */
export interface ReliefRange {
  guaranteed: Relief
  best: Relief
  outcome: Outcome
}

/** What the law allows for one Prop 64 conviction, on the facts the record has. */
export interface LawFloor extends ReliefRange {
  section: string
  remedy: Remedy
  sentence: SentenceStatus
  missingFacts: string[]
  disqualifiers: Record<DisqualifierName, DisqualifierFinding>
  /**
   * The felony exception whose disqualifiers decide this conviction (`HS 11359(c)`),
   * or null where no disqualifier can change the relief (a misdemeanor, a minor,
   * a section without one). Only then does "no disqualifier" say something.
   */
  felonyException: string | null
  /** The range if disqualifiers were only reported, as a policy may choose: never the law's answer. */
  ignoringDisqualifiers: ReliefRange
  /** The statutes that grade the conduct today: what grants relief under HS 11361.8 (never the lists that were checked). */
  grantCitations: string[]
  convictedAfterProp64: boolean | null
  ageAtConviction: number | null
  /** Age at the offense as the record tells it, and from which date. */
  ageAtOffense: number | null
  ageBasis: 'offense' | 'arrest' | 'conviction' | null
  explanation: ExplanationNode
}

type Grade = 'lawful' | 'infraction' | 'misdemeanor'
type AgeBand = '21+' | '18-20' | 'under18'

interface Prop64Rule {
  match: string
  conduct: string
  now?: Partial<Record<AgeBand, Grade[]>>
  missingFact?: string
  felonyException?: { subdivision: string; exception: string }
  aggravating?: boolean
  /** The date the subdivision came into being (AUMA). */
  from?: string
  citations: string[]
  confidence: string
}

interface CompiledRule extends Prop64Rule {
  section: CodeSection
}

interface CreatedSubdivision {
  section: string
  from: string
  citation: string
}

/** AUMA took effect the day after the election: 2016-11-09. */
export const AUMA_EFFECTIVE = '2016-11-09'
export const PROP64_LIST = {
  id: prop64Data.id,
  version: prop64Data.version,
  statute: prop64Data.statute,
  sections: prop64Data.sections.map((s) => parseCodeSection(s)!),
  rules: (prop64Data.rules as Prop64Rule[]).map((r): CompiledRule => ({ ...r, section: parseCodeSection(r.match)! })),
  created: (prop64Data.subdivisionsCreated.entries as CreatedSubdivision[]).map((c) => ({
    ...c,
    parsed: parseCodeSection(c.section)!
  }))
}

/** True for a conviction under HS 11357-11360 or 11362.1, including attempts and conspiracies. */
export function isProp64Section(section: CodeSection | null): boolean {
  return section !== null && PROP64_LIST.sections.some((s) => sectionMatches(s, section, { includeInchoate: true }))
}

/** The most specific rule for a section: the longest matching subsection prefix. */
function ruleFor(section: CodeSection): CompiledRule | undefined {
  let best: CompiledRule | undefined
  const plain = section.attempt || section.conspiracy ? { ...section, attempt: false, conspiracy: false } : section
  for (const rule of PROP64_LIST.rules) {
    if (!sectionMatches(rule.section, plain)) continue
    if (!best || rule.section.subsections.length > best.section.subsections.length) best = rule
  }
  return best
}

/** A subdivision AUMA created, named by a conviction dated before AUMA: the record contradicts itself. */
function anachronism(section: CodeSection, date: string | null): CreatedSubdivision | undefined {
  if (date === null || date >= AUMA_EFFECTIVE || section.subsections.length === 0) return undefined
  const plain = section.attempt || section.conspiracy ? { ...section, attempt: false, conspiracy: false } : section
  return PROP64_LIST.created.find((c) => date < c.from && sectionMatches(c.parsed, plain))
}

const rank = (r: Relief) => RELIEFS.indexOf(r)
export const moreRelief = (a: Relief, b: Relief): Relief => (rank(a) >= rank(b) ? a : b)
export const lessRelief = (a: Relief, b: Relief): Relief => (rank(a) <= rank(b) ? a : b)

function reliefFor(grade: Grade, severity: 'F' | 'M' | 'I'): Relief {
  if (grade === 'lawful') return 'dismiss_and_seal'
  if (grade === 'infraction') return severity === 'I' ? 'not_eligible' : 'reduce_to_infraction'
  return severity === 'F' ? 'reduce_to_misdemeanor' : 'not_eligible'
}

/**
 * Age at the offense decides the grade today. From an offense or arrest date
 * the band is known. From a conviction date it is not: the offense came
 * earlier, so 21 (or 18) at conviction leaves two bands open, and the fact is
 * named rather than guessed.
 */
function ageBands(age: number | null, exact: boolean): AgeBand[] {
  if (age === null) return ['under18', '18-20', '21+']
  if (exact) return age >= 21 ? ['21+'] : age >= 18 ? ['18-20'] : ['under18']
  if (age >= 22) return ['21+']
  if (age === 21) return ['18-20', '21+']
  if (age >= 19) return ['18-20']
  if (age === 18) return ['under18', '18-20']
  return ['under18']
}

const SEVERITY_WORD = { F: 'felony', M: 'misdemeanor', I: 'infraction' } as const

export interface FloorOptions {
  asOf: string
}

function rangeOf(reliefs: Set<Relief>): ReliefRange {
  const list = [...reliefs]
  const guaranteed = list.reduce(lessRelief)
  const best = list.reduce(moreRelief)
  return {
    guaranteed,
    best,
    outcome: guaranteed === best || guaranteed !== 'not_eligible' ? guaranteed : 'needs_review'
  }
}

/** Where the sentence stands on the as-of date; an end the record does not show is unknown, never completed. */
export function sentenceStatus(sentenceEnd: string | null, asOf: string): SentenceStatus {
  return sentenceEnd === null ? 'unknown' : sentenceEnd > asOf ? 'running' : 'completed'
}

/**
 * The law floor for one Prop 64 conviction under HS 11361.8: what relief the
 * law gives on the known facts, the most it could give, which facts are missing,
 * the four disqualifiers of HS 11358(d)/11359(c)/11360(a)(3) judged against
 * *prior* convictions only and always enforced (a policy that only reports them
 * reads `ignoringDisqualifiers`), and the remedy from the sentence.
 */
export function lawFloor(record: PersonRecord, conviction: ConvictionFact, options: FloorOptions): LawFloor {
  const recorded = conviction.section!
  const canonical = formatCodeSection(recorded)
  const missing: string[] = []
  const children: ExplanationNode[] = []

  // A subdivision the conviction predates: decide on the section alone, and send the record to a person.
  const inconsistent = anachronism(recorded, conviction.date)
  const section = inconsistent ? { ...recorded, subsections: [] } : recorded
  if (inconsistent)
    missing.push(
      `${canonical} is dated ${conviction.date}, but ${inconsistent.section} came into being on ${inconsistent.from} (${inconsistent.citation}): the record is inconsistent`
    )
  const rule = ruleFor(section)

  children.push({
    rule: 'prop64.section',
    result: rule ? `${canonical}: ${rule.conduct}` : `${canonical}: not a section Prop 64 changed`,
    facts: {
      sectionAsRecorded: conviction.sectionText,
      ...(recorded.notes.length > 0 ? { readAs: recorded.notes } : {}),
      ...(inconsistent ? { inconsistent: `${inconsistent.section} exists from ${inconsistent.from}` } : {})
    },
    citation: rule ? rule.citations.join('; ') : PROP64_LIST.statute
  })

  // When: Prop 64 relief is for convictions under the old law.
  let convictedAfterProp64: boolean | null = null
  if (conviction.date === null) {
    missing.push('the conviction date (relief depends on whether it predates AUMA, 2016-11-09)')
  } else {
    convictedAfterProp64 = conviction.date >= AUMA_EFFECTIVE
    if (convictedAfterProp64)
      missing.push('whether the offense predates AUMA (2016-11-09) and the sentence applied the old law')
  }
  children.push({
    rule: 'prop64.conviction_date',
    result:
      convictedAfterProp64 === null
        ? 'unknown'
        : convictedAfterProp64
          ? `on or after ${AUMA_EFFECTIVE}, when AUMA took effect`
          : `before ${AUMA_EFFECTIVE}`,
    facts: { convictionDate: conviction.date },
    citation: 'Prop. 64 (AUMA), eff. 2016-11-09; HS 11361.8(a), (e)'
  })

  const age = ageOf(record.dob, conviction)
  const bands = ageBands(age.atOffense, age.basis === 'offense' || age.basis === 'arrest')
  if (age.problem) missing.push(age.problem)
  else if (age.atOffense === null) missing.push('the date of birth (the grade today depends on age at the offense)')
  else if (bands.length > 1)
    missing.push(`the age at the offense (${age.atOffense} at conviction; the record has no offense or arrest date)`)
  children.push({
    rule: 'prop64.age',
    result:
      age.atOffense === null
        ? (age.problem ?? 'unknown')
        : `${age.atOffense} at the ${age.basis === 'conviction' ? 'conviction' : age.basis === 'arrest' ? 'arrest (DOJ cycle date), taken as the offense' : 'offense'} (age band ${bands.join(' or ')} at the offense)`,
    facts: {
      dob: record.dob !== null ? 'on file' : null,
      convictionDate: conviction.date,
      offenseDate: conviction.offenseDate ?? null,
      ageBasis: age.basis,
      ageAtOffense: age.atOffense
    }
  })

  const disqualifiers = findDisqualifiers(record, conviction, rule, section)
  const severities: Array<'F' | 'M' | 'I'> = conviction.severity ? [conviction.severity] : ['F', 'M']
  if (!conviction.severity) missing.push('whether the conviction was a felony, misdemeanor or infraction')

  // Every combination the missing facts leave open, and the relief each gives, with disqualifiers enforced and without.
  const enforced = new Set<Relief>()
  const reported = new Set<Relief>()
  const grades = new Set<Grade>()
  let felonyException: string | null = null
  const dq = Object.values(disqualifiers).map((d) => d.status)
  if (!rule || rule.aggravating || !rule.now) {
    enforced.add('not_eligible')
    reported.add('not_eligible')
  } else {
    if (rule.missingFact) missing.push(rule.missingFact)
    for (const band of bands) {
      for (const grade of rule.now[band] ?? []) {
        grades.add(grade)
        for (const severity of severities) {
          const relief = reliefFor(grade, severity)
          reported.add(relief)
          // The felony exceptions apply to persons 18 or older whose conduct is a misdemeanor today.
          const exceptionApplies =
            rule.felonyException && severity === 'F' && grade === 'misdemeanor' && band !== 'under18'
          if (exceptionApplies) {
            felonyException = rule.felonyException!.exception
            if (dq.includes('present')) {
              enforced.add('not_eligible')
              continue
            }
            if (dq.includes('possible')) enforced.add('not_eligible')
          }
          enforced.add(relief)
        }
      }
    }
  }
  for (const set of [enforced, reported]) {
    if (section.conspiracy || convictedAfterProp64 !== false || inconsistent) set.add('not_eligible')
  }
  if (section.conspiracy)
    missing.push('whether a conspiracy (PC 182) to violate the section is eligible under HS 11361.8')
  if (felonyException) {
    for (const finding of Object.values(disqualifiers))
      if (finding.status === 'possible' && finding.detail) missing.push(finding.detail)
  }

  const law = rangeOf(enforced)
  const ignoring = rangeOf(reported)

  if (rule?.now) {
    children.push({
      rule: 'prop64.grade_today',
      result: [...grades].join(' or '),
      facts: { severity: conviction.severity ? SEVERITY_WORD[conviction.severity] : null },
      citation: rule.citations.join('; ')
    })
  }
  children.push(...disqualifierNodes(disqualifiers, rule, felonyException))

  const sentence = sentenceStatus(conviction.sentenceEnd, options.asOf)
  const remedy: Remedy =
    sentence === 'running' ? 'resentencing' : sentence === 'completed' ? 'redesignation_or_dismissal' : 'unknown'
  children.push({
    rule: 'prop64.remedy',
    result:
      remedy === 'resentencing'
        ? 'still serving: petition to recall and resentence'
        : remedy === 'redesignation_or_dismissal'
          ? 'sentence completed: application to redesignate or dismiss and seal'
          : 'the record does not show when the sentence ends: petition or application not chosen',
    facts: { sentenceEnd: conviction.sentenceEnd, sentence, asOf: options.asOf },
    citation:
      remedy === 'resentencing'
        ? 'HS 11361.8(a)-(b)'
        : remedy === 'redesignation_or_dismissal'
          ? 'HS 11361.8(e)-(f)'
          : 'HS 11361.8(a), (e)'
  })

  const uniqueMissing = [...new Set(missing)]
  return {
    section: canonical,
    ...law,
    remedy,
    sentence,
    missingFacts: uniqueMissing,
    disqualifiers,
    felonyException,
    ignoringDisqualifiers: ignoring,
    grantCitations: rule?.now ? rule.citations : [],
    convictedAfterProp64,
    ageAtConviction: age.atConviction,
    ageAtOffense: age.atOffense,
    ageBasis: age.basis,
    explanation: {
      rule: 'law_floor',
      result:
        law.outcome === 'needs_review'
          ? `needs review: ${uniqueMissing.join('; ')}`
          : law.guaranteed === law.best
            ? law.outcome
            : `${law.outcome} (up to ${law.best} if ${uniqueMissing.join('; ')})`,
      facts: { guaranteed: law.guaranteed, best: law.best, missingFacts: uniqueMissing },
      citation: 'HS 11361.8',
      children
    }
  }
}

interface AgeFacts {
  atConviction: number | null
  atOffense: number | null
  basis: LawFloor['ageBasis']
  /** A date of birth after the offense or conviction: the record contradicts itself. */
  problem?: string
}

/** Age at the offense date where the record has one (the offense, or the DOJ arrest date), else at conviction. */
function ageOf(dob: string | null, c: ConvictionFact): AgeFacts {
  const atConviction = dob && c.date ? yearsBetween(dob, c.date) : null
  const on = c.offenseDate ?? null
  const basis: LawFloor['ageBasis'] = on ? (c.offenseDateBasis ?? 'offense') : c.date ? 'conviction' : null
  const atOffense = dob && on ? yearsBetween(dob, on) : atConviction
  if ((atOffense !== null && atOffense < 0) || (atConviction !== null && atConviction < 0)) {
    return {
      atConviction: null,
      atOffense: null,
      basis,
      problem: `the date of birth (${dob}) is after the ${on ? 'offense' : 'conviction'} date (${on ?? c.date}): the record is inconsistent`
    }
  }
  return { atConviction, atOffense: dob ? atOffense : null, basis: dob ? basis : null }
}

interface Prior {
  conviction: ConvictionFact
  certain: boolean
}

/** Convictions before this one. With a date missing on either side, a conviction is only possibly prior. */
function priorsOf(record: PersonRecord, conviction: ConvictionFact): Prior[] {
  const out: Prior[] = []
  for (const other of record.convictions) {
    if (other === conviction || other.id === conviction.id) continue
    if (conviction.date !== null && other.date !== null) {
      if (other.date < conviction.date) out.push({ conviction: other, certain: true })
    } else {
      out.push({ conviction: other, certain: false })
    }
  }
  return out
}

function describe(c: ConvictionFact): string {
  return `${c.section ? formatCodeSection(c.section) : JSON.stringify(c.sectionText)} on ${c.date ?? 'an unknown date'}`
}

/**
 * Whether a prior conviction on the list is present, possible (its offense or
 * its order unknown) or absent. A module function, not a closure per person:
 * V8 keeps a closure's optimized code only while such a closure lives, so one
 * made anew per person was compiled again and again.
 */
function fromList(priors: readonly Prior[], list: OffenseList, felonyOnly: boolean): DisqualifierFinding {
  let possible: string | undefined
  for (const { conviction: p, certain } of priors) {
    if (felonyOnly && p.severity !== null && p.severity !== 'F') continue
    if (!p.section) {
      // An offense the record does not let us read could be anything, a listed offense included.
      possible ??= `what offense the prior conviction ${describe(p)} was (clearfile could not read it as a code section)`
      continue
    }
    const m = matchList(list, p.section, p.severity, p.date)
    if (m.kind === 'listed' && certain) return { status: 'present', detail: describe(p) }
    if (m.kind === 'listed') possible ??= `whether ${describe(p)} came before this conviction`
    if (m.kind === 'needs_fact') possible ??= `${describe(p)}: ${m.fact}`
  }
  return possible ? { status: 'possible', detail: possible } : { status: 'absent' }
}

function findDisqualifiers(
  record: PersonRecord,
  conviction: ConvictionFact,
  rule: CompiledRule | undefined,
  section: CodeSection
): Record<DisqualifierName, DisqualifierFinding> {
  const priors = priorsOf(record, conviction)

  // A super strike is a prior *felony* conviction (PC 667(e)(2)(C)(iv): "serious and/or violent felony").
  const superStrike = fromList(priors, OFFENSE_LISTS.superstrikes, true)
  let pc290 = fromList(priors, OFFENSE_LISTS.registrable, false)
  if (pc290.status === 'absent') {
    // HS 11359(c)(1) and 11360(a)(3)(A) turn on a *conviction* of a 290(c) offense. A registration is evidence
    // of one, not proof: it can follow PC 290.006 (court-ordered) or another state's law.
    for (const reg of record.registrations) {
      if (reg.date !== null && conviction.date !== null && reg.date >= conviction.date) continue
      pc290 = {
        status: 'possible',
        detail: `which conviction the PC 290 registration${reg.date ? ` of ${reg.date}` : ''} rests on, and whether it is a PC 290(c) offense before this conviction (a registration alone is not a conviction)`
      }
      break
    }
  }

  let twoPriors: DisqualifierFinding = { status: 'absent' }
  if (rule?.felonyException) {
    const subdivision = parseCodeSection(rule.felonyException.subdivision)!
    const base = { ...subdivision, subsections: [] }
    const sameSection = priors.filter(
      (p) => p.certain && p.conviction.section && sectionMatches(base, p.conviction.section)
    )
    const underNewSubdivision = sameSection.filter(
      (p) => p.conviction.date! >= AUMA_EFFECTIVE && sectionMatches(subdivision, p.conviction.section!)
    )
    if (underNewSubdivision.length >= 2) {
      twoPriors = { status: 'present', detail: underNewSubdivision.map((p) => describe(p.conviction)).join('; ') }
    } else if (sameSection.length >= 2) {
      twoPriors = {
        status: 'possible',
        detail: `whether ${sameSection.length} prior ${formatCodeSection(base)} convictions (${sameSection.map((p) => p.conviction.date).join(', ')}) count as priors under ${rule.felonyException.subdivision}, which AUMA created`
      }
    }
  }

  const aggravating: DisqualifierFinding = rule?.aggravating
    ? { status: 'present', detail: `convicted under ${formatCodeSection(section)}: ${rule.conduct}` }
    : { status: 'absent' }
  return { superStrike, pc290, twoPriors, aggravating }
}

const DISQUALIFIER_RULES: Record<DisqualifierName, { rule: string; citation: (exception: string) => string }> = {
  superStrike: { rule: 'disqualifier.super_strike', citation: (e) => `PC 667(e)(2)(C)(iv); ${e}` },
  pc290: { rule: 'disqualifier.pc290', citation: (e) => `PC 290(c); ${e}` },
  twoPriors: { rule: 'disqualifier.two_priors', citation: (e) => e },
  aggravating: { rule: 'disqualifier.aggravating_subdivision', citation: (e) => e }
}

function disqualifierNodes(
  found: Record<DisqualifierName, DisqualifierFinding>,
  rule: CompiledRule | undefined,
  felonyException: string | null
): ExplanationNode[] {
  const exception = rule?.felonyException?.exception ?? rule?.citations[0] ?? 'HS 11361.8'
  return DISQUALIFIER_NAMES.map((name) => {
    const f = found[name]
    const bears =
      name === 'aggravating' || felonyException !== null ? '' : ' (no felony exception bears on this conviction)'
    return {
      rule: DISQUALIFIER_RULES[name].rule,
      result: `${f.status}${f.detail ? `: ${f.detail}` : ''}${f.status !== 'absent' ? bears : ''}`,
      citation: DISQUALIFIER_RULES[name].citation(exception)
    }
  })
}
