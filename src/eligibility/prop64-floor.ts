import prop64Data from './lists/prop64-hs11361.8.json' with { type: 'json' }
import { formatCodeSection, parseCodeSection, sectionMatches, type CodeSection } from './code-section.js'
import { matchList, OFFENSE_LISTS, type ListMatch } from './offense-lists.js'
import { yearsBetween, type ConvictionFact, type PersonRecord } from './record.js'

export const RELIEFS = ['not_eligible', 'reduce_to_misdemeanor', 'reduce_to_infraction', 'dismiss_and_seal'] as const
export type Relief = typeof RELIEFS[number]
export const OUTCOMES = [...RELIEFS, 'needs_review'] as const
export type Outcome = typeof OUTCOMES[number]
export type Remedy = 'resentencing' | 'redesignation_or_dismissal' | 'unknown'
export type DisqualifierStatus = 'present' | 'possible' | 'absent'
export type DisqualifierName = 'superStrike' | 'pc290' | 'twoPriors' | 'aggravating'

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

/** What the law allows for one Prop 64 conviction, on the facts the record has. */
export interface LawFloor {
  section: string
  /** The relief the law gives on the known facts. */
  guaranteed: Relief
  /** The most relief the law could give if the missing facts favor the person. */
  best: Relief
  /** The floor's own answer: `guaranteed`, or `needs_review` when that is "no" only for want of a fact. */
  outcome: Outcome
  remedy: Remedy
  missingFacts: string[]
  disqualifiers: Record<DisqualifierName, DisqualifierFinding>
  convictedAfterProp64: boolean | null
  ageAtConviction: number | null
  explanation: ExplanationNode
}

type Grade = 'lawful' | 'infraction' | 'misdemeanor'
type AgeBand = '21+' | '18-20' | 'under18'

interface Prop64Rule {
  match: string
  conduct: string
  now?: Partial<Record<AgeBand, Grade[]>>
  missingFact?: string
  felonyException?: { subdivision: string, exception: string }
  aggravating?: boolean
  citations: string[]
  confidence: string
}

interface CompiledRule extends Prop64Rule { section: CodeSection }

/** AUMA took effect the day after the election: 2016-11-09. */
export const AUMA_EFFECTIVE = '2016-11-09'
export const PROP64_LIST = {
  id: prop64Data.id,
  version: prop64Data.version,
  statute: prop64Data.statute,
  sections: prop64Data.sections.map((s) => parseCodeSection(s)!),
  rules: (prop64Data.rules as Prop64Rule[]).map((r): CompiledRule => ({ ...r, section: parseCodeSection(r.match)! }))
}

/** True for a conviction under HS 11357-11360 or 11362.1, including attempts and conspiracies. */
export function isProp64Section (section: CodeSection | null): boolean {
  return section !== null && PROP64_LIST.sections.some((s) => sectionMatches(s, section, { includeInchoate: true }))
}

/** The most specific rule for a section: the longest matching subsection prefix. */
function ruleFor (section: CodeSection): CompiledRule | undefined {
  let best: CompiledRule | undefined
  for (const rule of PROP64_LIST.rules) {
    if (!sectionMatches(rule.section, { ...section, attempt: false, conspiracy: false })) continue
    if (!best || rule.section.subsections.length > best.section.subsections.length) best = rule
  }
  return best
}

const rank = (r: Relief) => RELIEFS.indexOf(r)
export const moreRelief = (a: Relief, b: Relief): Relief => (rank(a) >= rank(b) ? a : b)
export const lessRelief = (a: Relief, b: Relief): Relief => (rank(a) <= rank(b) ? a : b)

function reliefFor (grade: Grade, severity: 'F' | 'M' | 'I'): Relief {
  if (grade === 'lawful') return 'dismiss_and_seal'
  if (grade === 'infraction') return severity === 'I' ? 'not_eligible' : 'reduce_to_infraction'
  return severity === 'F' ? 'reduce_to_misdemeanor' : 'not_eligible'
}

/**
 * Age at the offense decides the grade today, but records give the conviction
 * date; the offense came earlier. So an age of 21 (or 18) at conviction leaves
 * two bands open, and the fact is named rather than guessed.
 */
function ageBands (age: number | null): AgeBand[] {
  if (age === null) return ['under18', '18-20', '21+']
  if (age >= 22) return ['21+']
  if (age === 21) return ['18-20', '21+']
  if (age >= 19) return ['18-20']
  if (age === 18) return ['under18', '18-20']
  return ['under18']
}

const SEVERITY_WORD = { F: 'felony', M: 'misdemeanor', I: 'infraction' } as const

export interface FloorOptions {
  asOf: string
  /** `enforce` (default): a disqualifier keeps a felony a felony. `report`: flag it only, as the statewide tool did. */
  disqualifiers: 'enforce' | 'report'
}

/**
 * The law floor for one Prop 64 conviction under HS 11361.8: what relief the
 * law gives on the known facts, the most it could give, which facts are missing,
 * the four disqualifiers of HS 11358(d)/11359(c)/11360(a)(3) judged against
 * *prior* convictions only, and the remedy from the sentence end date.
 */
export function lawFloor (record: PersonRecord, conviction: ConvictionFact, options: FloorOptions): LawFloor {
  const section = conviction.section!
  const canonical = formatCodeSection(section)
  const rule = ruleFor(section)
  const missing: string[] = []
  const children: ExplanationNode[] = []

  children.push({
    rule: 'prop64.section',
    result: rule ? `${canonical}: ${rule.conduct}` : `${canonical}: not a section Prop 64 changed`,
    facts: { sectionAsRecorded: conviction.sectionText, ...(section.notes.length > 0 ? { readAs: section.notes } : {}) },
    citation: rule ? rule.citations.join('; ') : PROP64_LIST.statute
  })

  // When: Prop 64 relief is for convictions under the old law.
  let convictedAfterProp64: boolean | null = null
  if (conviction.date === null) {
    missing.push('the conviction date (relief depends on whether it predates AUMA, 2016-11-09)')
  } else {
    convictedAfterProp64 = conviction.date >= AUMA_EFFECTIVE
    if (convictedAfterProp64) missing.push('whether the offense predates AUMA (2016-11-09) and the sentence applied the old law')
  }
  children.push({
    rule: 'prop64.conviction_date',
    result: convictedAfterProp64 === null ? 'unknown' : convictedAfterProp64 ? `on or after ${AUMA_EFFECTIVE}, when AUMA took effect` : `before ${AUMA_EFFECTIVE}`,
    facts: { convictionDate: conviction.date },
    citation: 'Prop. 64 (AUMA), eff. 2016-11-09; HS 11361.8(a), (e)'
  })

  const ageAtConviction = record.dob && conviction.date ? yearsBetween(record.dob, conviction.date) : null
  const bands = ageBands(ageAtConviction)
  if (ageAtConviction === null) missing.push('the date of birth (the grade today depends on age at the offense)')
  else if (bands.length > 1) missing.push(`the age at the offense (${ageAtConviction} at conviction)`)
  children.push({
    rule: 'prop64.age',
    result: ageAtConviction === null ? 'unknown' : `${ageAtConviction} at conviction (age band ${bands.join(' or ')} at the offense)`,
    facts: { dob: record.dob !== null ? 'on file' : null, convictionDate: conviction.date, ageAtConviction }
  })

  const disqualifiers = findDisqualifiers(record, conviction, rule)
  const severities: Array<'F' | 'M' | 'I'> = conviction.severity ? [conviction.severity] : ['F', 'M']
  if (!conviction.severity) missing.push('whether the conviction was a felony, misdemeanor or infraction')

  // Every combination the missing facts leave open, and the relief each gives.
  const reliefs = new Set<Relief>()
  const grades = new Set<Grade>()
  if (!rule || rule.aggravating || !rule.now) {
    reliefs.add('not_eligible')
  } else {
    if (rule.missingFact) missing.push(rule.missingFact)
    const dq = Object.values(disqualifiers).map((d) => d.status)
    for (const band of bands) {
      for (const grade of rule.now[band] ?? []) {
        grades.add(grade)
        for (const severity of severities) {
          let relief = reliefFor(grade, severity)
          // The felony exceptions apply to persons 18 or older whose conduct is a misdemeanor today.
          const exceptionApplies = rule.felonyException && severity === 'F' && grade === 'misdemeanor' && band !== 'under18'
          if (exceptionApplies && options.disqualifiers === 'enforce') {
            if (dq.includes('present')) relief = 'not_eligible'
            else if (dq.includes('possible')) reliefs.add('not_eligible')
          }
          reliefs.add(relief)
        }
      }
    }
  }
  if (section.conspiracy) {
    reliefs.add('not_eligible')
    missing.push('whether a conspiracy (PC 182) to violate the section is eligible under HS 11361.8')
  }
  if (convictedAfterProp64 !== false) reliefs.add('not_eligible')
  if (options.disqualifiers === 'enforce' && rule?.felonyException) {
    for (const finding of Object.values(disqualifiers)) if (finding.status === 'possible' && finding.detail) missing.push(finding.detail)
  }

  const list = [...reliefs]
  const guaranteed = list.reduce(lessRelief)
  const best = list.reduce(moreRelief)
  const outcome: Outcome = guaranteed === best || guaranteed !== 'not_eligible' ? guaranteed : 'needs_review'

  if (rule?.now) {
    children.push({
      rule: 'prop64.grade_today',
      result: [...grades].join(' or '),
      facts: { severity: conviction.severity ? SEVERITY_WORD[conviction.severity] : null },
      citation: rule.citations.join('; ')
    })
  }
  children.push(...disqualifierNodes(disqualifiers, rule, options))

  const remedy: Remedy = conviction.sentenceEnd === null ? 'unknown' : conviction.sentenceEnd > options.asOf ? 'resentencing' : 'redesignation_or_dismissal'
  children.push({
    rule: 'prop64.remedy',
    result: remedy === 'resentencing' ? 'still serving: petition to recall and resentence' : remedy === 'redesignation_or_dismissal' ? 'sentence completed: application to redesignate or dismiss and seal' : 'sentence end unknown',
    facts: { sentenceEnd: conviction.sentenceEnd, asOf: options.asOf },
    citation: remedy === 'resentencing' ? 'HS 11361.8(a)-(b)' : remedy === 'redesignation_or_dismissal' ? 'HS 11361.8(e)-(f)' : 'HS 11361.8(a), (e)'
  })

  const uniqueMissing = [...new Set(missing)]
  return {
    section: canonical,
    guaranteed,
    best,
    outcome,
    remedy,
    missingFacts: uniqueMissing,
    disqualifiers,
    convictedAfterProp64,
    ageAtConviction,
    explanation: {
      rule: 'law_floor',
      result: outcome === 'needs_review' ? `needs review: ${uniqueMissing.join('; ')}` : guaranteed === best ? outcome : `${outcome} (up to ${best} if ${uniqueMissing.join('; ')})`,
      facts: { guaranteed, best, missingFacts: uniqueMissing },
      citation: 'HS 11361.8',
      children
    }
  }
}

interface Prior { conviction: ConvictionFact, certain: boolean }

/** Convictions before this one. With a date missing on either side, a conviction is only possibly prior. */
function priorsOf (record: PersonRecord, conviction: ConvictionFact): Prior[] {
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

function describe (c: ConvictionFact): string {
  return `${c.section ? formatCodeSection(c.section) : c.sectionText} on ${c.date ?? 'an unknown date'}`
}

function findDisqualifiers (record: PersonRecord, conviction: ConvictionFact, rule: CompiledRule | undefined): Record<DisqualifierName, DisqualifierFinding> {
  const priors = priorsOf(record, conviction)

  const fromList = (matcher: (c: ConvictionFact) => ListMatch, felonyOnly: boolean): DisqualifierFinding => {
    let possible: string | undefined
    for (const { conviction: p, certain } of priors) {
      if (!p.section || (felonyOnly && p.severity !== null && p.severity !== 'F')) continue
      const m = matcher(p)
      if (m.kind === 'listed' && certain) return { status: 'present', detail: describe(p) }
      if (m.kind === 'listed') possible ??= `whether ${describe(p)} came before this conviction`
      if (m.kind === 'needs_fact') possible ??= `${describe(p)}: ${m.fact}`
    }
    return possible ? { status: 'possible', detail: possible } : { status: 'absent' }
  }

  // A super strike is a prior *felony* conviction (PC 667(e)(2)(C)(iv): "serious and/or violent felony").
  const superStrike = fromList((p) => matchList(OFFENSE_LISTS.superstrikes, p.section!, p.severity), true)
  let pc290 = fromList((p) => matchList(OFFENSE_LISTS.registrable, p.section!, p.severity), false)
  if (pc290.status !== 'present') {
    for (const reg of record.registrations) {
      if (reg.date !== null && conviction.date !== null && reg.date < conviction.date) {
        pc290 = { status: 'present', detail: `PC 290 registration on ${reg.date}` }
        break
      }
      if (reg.date === null || conviction.date === null) pc290 = { status: 'possible', detail: 'whether the PC 290 registration on the record came before this conviction' }
    }
  }

  let twoPriors: DisqualifierFinding = { status: 'absent' }
  if (rule?.felonyException) {
    const subdivision = parseCodeSection(rule.felonyException.subdivision)!
    const base = { ...subdivision, subsections: [] }
    const sameSection = priors.filter((p) => p.certain && p.conviction.section && sectionMatches(base, p.conviction.section))
    const underNewSubdivision = sameSection.filter((p) => p.conviction.date! >= AUMA_EFFECTIVE && sectionMatches(subdivision, p.conviction.section!))
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
    ? { status: 'present', detail: `convicted under ${formatCodeSection(conviction.section!)}: ${rule.conduct}` }
    : { status: 'absent' }
  return { superStrike, pc290, twoPriors, aggravating }
}

const DISQUALIFIER_RULES: Record<DisqualifierName, { rule: string, citation: (exception: string) => string }> = {
  superStrike: { rule: 'disqualifier.super_strike', citation: (e) => `PC 667(e)(2)(C)(iv); ${e}` },
  pc290: { rule: 'disqualifier.pc290', citation: (e) => `PC 290(c); ${e}` },
  twoPriors: { rule: 'disqualifier.two_priors', citation: (e) => e },
  aggravating: { rule: 'disqualifier.aggravating_subdivision', citation: (e) => e }
}

function disqualifierNodes (found: Record<DisqualifierName, DisqualifierFinding>, rule: CompiledRule | undefined, options: FloorOptions): ExplanationNode[] {
  const exception = rule?.felonyException?.exception ?? rule?.citations[0] ?? 'HS 11361.8'
  return (Object.keys(DISQUALIFIER_RULES) as DisqualifierName[]).map((name) => {
    const f = found[name]
    const mode = f.status !== 'absent' && options.disqualifiers === 'report' ? ' (reported only: policy sets disqualifiers to report)' : ''
    return {
      rule: DISQUALIFIER_RULES[name].rule,
      result: `${f.status}${f.detail ? `: ${f.detail}` : ''}${mode}`,
      citation: DISQUALIFIER_RULES[name].citation(exception)
    }
  })
}
