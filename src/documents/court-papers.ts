import { createHash } from 'node:crypto'
import { PROP64_LIST, type Relief, type Remedy } from '../eligibility/prop64-floor.js'
import { BEYOND_LAW, type ReliefGrounds } from '../eligibility/relief-grounds.js'
import { numericDate, writeDatesIn, writtenDate } from './court-dates.js'
import { captionNames, proseName, rosterNames } from './court-names.js'
import { assertDrawable } from './fonts.js'
import {
  baselineOf,
  LINE_PITCH,
  LINES_PER_PAGE,
  PAGE,
  PleadingWriter,
  TEXT_LEFT,
  TEXT_RIGHT
} from './pleading-paper.js'

/** A county District Attorney's office as it appears on its papers; kept in configuration, per county. */
export interface DaProfile {
  county: string
  /** "SUPERIOR COURT OF THE STATE OF CALIFORNIA" is fixed; this is the rest: "COUNTY OF SAN FRANCISCO". */
  courtCounty: string
  office: string
  address: string[]
  phone: string
  email: string
  electedDa: { name: string; barNumber: string }
  filingDeputy: { name: string; barNumber: string; title: string }
}

export interface PaperCount {
  countOrder: string
  /** Canonical, e.g. `HS 11359`. */
  section: string
  severity: 'F' | 'M' | 'I' | null
  convictionDate: string | null
  outcome: Relief
  remedy: Remedy
  /**
   * On what footing the relief is asked and under which authority, from the
   * facts the determination kept: what the motion may say about this count.
   * Null for a count that is not granted relief (it stays off the papers).
   */
  grounds: ReliefGrounds | null
}

export interface PaperCase {
  caseNumber: string
  /** The court's own id for the case (nc:CaseTrackingID), where known. */
  courtCaseId?: string | null
  court: string
  counts: PaperCount[]
}

export interface PaperPerson {
  name: string
  aliases: string[]
  dob: string | null
}

export interface PacketInput {
  profile: DaProfile
  person: PaperPerson
  /** One case (scope `case`) or all of a person's cases in one court (scope `person`). */
  cases: PaperCase[]
  /** The run's date (YYYY-MM-DD): printed and used as the PDF's fixed metadata date. */
  date: string
}

export interface BulkInput {
  profile: DaProfile
  court: string
  entries: Array<{ person: PaperPerson; case: PaperCase }>
  date: string
}

export type DocumentKind = 'motion' | 'proposed_order' | 'schedule'

export interface RenderedDocument {
  kind: DocumentKind
  bytes: Uint8Array
  pages: number
  sha256: string
}

const GRANTABLE = new Set<Relief>(['dismiss_and_seal', 'reduce_to_misdemeanor', 'reduce_to_infraction'])
const SEVERITY = { F: 'felony', M: 'misdemeanor', I: 'infraction' } as const
const PEOPLE = 'THE PEOPLE OF THE STATE OF CALIFORNIA'

/** Only counts the law and policy relieve go on a motion. */
export function grantableCounts(c: PaperCase): PaperCount[] {
  return c.counts.filter((n) => GRANTABLE.has(n.outcome))
}

/**
 * The grounds of a count on the papers. A count without them, or whose grounds
 * were made for another outcome or remedy, cannot be put on papers a deputy
 * DA signs: the papers would say what nobody found.
 */
function groundsOf(count: PaperCount): ReliefGrounds {
  const g = count.grounds
  if (!g)
    throw new Error(
      `${count.section} (count ${count.countOrder}) has no grounds of relief: the papers cannot say on what footing it is asked`
    )
  if (g.outcome !== count.outcome || g.remedy !== count.remedy) {
    throw new Error(
      `${count.section} (count ${count.countOrder}): its grounds are for ${g.outcome}/${g.remedy}, the count asks ${count.outcome}/${count.remedy}`
    )
  }
  return g
}

const beyondLaw = (count: PaperCount) => count.grounds?.basis === 'beyond_law'

/** `PC 1385(a)` as a court cites it (`Pen. Code, § 1385, subd. (a)`) and in prose (`Penal Code section 1385`). */
function citeOf(code: string): { cite: string; prose: string } {
  const m = /^(PC|HS) (\d+(?:\.\d+)?)(\(.*)?$/.exec(code)
  if (!m) return { cite: code, prose: code }
  const [abbr, name] = m[1] === 'PC' ? ['Pen. Code', 'Penal Code'] : ['Health & Saf. Code', 'Health and Safety Code']
  return { cite: `${abbr}, § ${m[2]}${m[3] ? `, subd. ${m[3]}` : ''}`, prose: `${name} section ${m[2]}` }
}

/** `HS 11359(b)` in a sentence: `Health and Safety Code section 11359(b)`. */
const proseOf = (code: string) =>
  code.replace(/^HS /, 'Health and Safety Code section ').replace(/^PC /, 'Penal Code section ')

// The authority the county relies on beyond HS 11361.8 is data (BEYOND_LAW); the papers cite what it names.
const BEYOND = citeOf(BEYOND_LAW.authority[0] ?? 'PC 1385(a)')
const BEYOND_SHORT = (BEYOND_LAW.authority[0] ?? 'PC 1385(a)').replace(/\(.*$/, '')
/** `Pen. Code, § 1385`: the section without its subdivision, for titles and closing citations. */
const BEYOND_SECTION = BEYOND.cite.replace(/, subd\..*$/, '')

const HS = (subds: string) => `Health & Saf. Code, § 11361.8, ${subds}`
const SERVING_SUBDS = 'subds. (a), (b)'
const COMPLETED_SUBDS = 'subds. (e), (f)'

/** The relief for one remedy, already known: the words of HS 11361.8, or beyond it the county's authority alongside. */
function reliefFor(outcome: Relief, serving: boolean, beyond: boolean): string {
  const cite = beyond
    ? `(${BEYOND.cite}; ${HS(serving ? SERVING_SUBDS : COMPLETED_SUBDS)})`
    : `(${HS(serving ? SERVING_SUBDS : COMPLETED_SUBDS)})`
  const justice = beyond ? ' in furtherance of justice' : ''
  switch (outcome) {
    case 'dismiss_and_seal':
      return serving
        ? `recall the sentence and dismiss the conviction${justice} ${cite}`
        : // "As legally invalid" is the finding of HS 11361.8(e)-(f): never said of relief beyond it.
          beyond
          ? `dismiss the conviction${justice} and seal its record ${cite}`
          : `dismiss and seal the conviction as legally invalid ${cite}`
    case 'reduce_to_misdemeanor':
      return serving
        ? `recall the sentence and resentence the conviction as a misdemeanor${justice} ${cite}`
        : `redesignate the conviction as a misdemeanor${justice} ${cite}`
    case 'reduce_to_infraction':
      return serving
        ? `recall the sentence and resentence the conviction as an infraction${justice} ${cite}`
        : `redesignate the conviction as an infraction${justice} ${cite}`
    default:
      throw new Error(`${outcome} is not relief a motion asks for`)
  }
}

/**
 * What the court is asked to do with a count, in the words of HS 11361.8, by
 * remedy. Where the record does not show whether the sentence was completed,
 * both are asked in the alternative, so the petition of subdivisions (a)-(b)
 * is never given up for the application of (e)-(f).
 */
export function reliefText(count: PaperCount): string {
  const beyond = beyondLaw(count)
  if (count.remedy === 'unknown') {
    return `${reliefFor(count.outcome, true, beyond)}, if the defendant is still serving the sentence, or to ${reliefFor(count.outcome, false, beyond)}, if the sentence has been completed`
  }
  return reliefFor(count.outcome, count.remedy === 'resentencing', beyond)
}

/** The order's words for the same relief, for one remedy (the subject is the count). */
function orderFor(outcome: Relief, serving: boolean, beyond: boolean): string {
  const justice = beyond ? ' in furtherance of justice' : ''
  switch (outcome) {
    case 'dismiss_and_seal':
      return serving
        ? `is recalled and the conviction DISMISSED${justice}`
        : beyond
          ? `is DISMISSED${justice} and SEALED`
          : 'is DISMISSED and SEALED as legally invalid'
    // "For all purposes" is HS 11361.8(h): only for relief under that section.
    case 'reduce_to_misdemeanor':
      return serving
        ? `is recalled and RESENTENCED as a misdemeanor${justice}`
        : `is REDESIGNATED a misdemeanor${beyond ? justice : ' for all purposes'}`
    default:
      return serving
        ? `is recalled and RESENTENCED as an infraction${justice}`
        : `is REDESIGNATED an infraction${beyond ? justice : ' for all purposes'}`
  }
}

/** The order's sentence for one count. */
function orderText(count: PaperCount, c: PaperCase): string {
  const g = groundsOf(count)
  const beyond = g.basis === 'beyond_law'
  if (g.remedy === 'unknown') {
    return `${describeCount(count, c)}: if the defendant is still serving the sentence, the count ${orderFor(g.outcome, true, beyond)}; if the sentence has been completed, the count ${orderFor(g.outcome, false, beyond)}`
  }
  return `${describeCount(count, c)}, ${orderFor(g.outcome, g.remedy === 'resentencing', beyond)}`
}

/**
 * "PEOPLE'S MOTION TO RECALL AND RESENTENCE, REDESIGNATE, OR DISMISS AND SEAL
 * (Health & Saf. Code, § 11361.8)", from the relief actually asked; with
 * "; IN FURTHERANCE OF JUSTICE (Pen. Code, § 1385)" when any count asks more
 * than HS 11361.8 gives.
 */
export function natureOfMotion(counts: PaperCount[]): string {
  const asks = new Set<string>()
  for (const c of counts) {
    const dismiss = c.outcome === 'dismiss_and_seal'
    // An unknown remedy asks both, in the alternative.
    if (c.remedy !== 'redesignation_or_dismissal') asks.add(dismiss ? 'RECALL AND DISMISS' : 'RECALL AND RESENTENCE')
    if (c.remedy !== 'resentencing') asks.add(dismiss ? 'DISMISS AND SEAL' : 'REDESIGNATE')
  }
  const order = ['RECALL AND RESENTENCE', 'RECALL AND DISMISS', 'REDESIGNATE', 'DISMISS AND SEAL'].filter((a) =>
    asks.has(a)
  )
  const list = order.length <= 2 ? order.join(' OR ') : `${order.slice(0, -1).join(', ')}, OR ${order.at(-1)}`
  const beyond = counts.some(beyondLaw) ? `; IN FURTHERANCE OF JUSTICE (${BEYOND_SECTION})` : ''
  return `PEOPLE'S MOTION TO ${list} (Health & Saf. Code, § 11361.8)${beyond}`
}

const DISQUALIFIER_LABEL: Record<'superStrike' | 'pc290', string> = {
  superStrike: 'a prior conviction of an offense listed in Penal Code section 667(e)(2)(C)(iv)',
  pc290: 'a prior conviction of an offense requiring registration under Penal Code section 290(c)'
}
const PRIORS = ['superStrike', 'pc290', 'twoPriors'] as const

/** The subdivision whose prior convictions a felony exception counts: `HS 11359(c)` -> `HS 11359(b)`. */
function priorSubdivision(exception: string): string | undefined {
  return PROP64_LIST.rules.find((r) => r.felonyException?.exception === exception)?.felonyException?.subdivision
}

function twoPriorsLabel(exception: string): string {
  const sub = priorSubdivision(exception)
  return sub
    ? `two or more prior convictions under ${proseOf(sub)}`
    : `two or more prior convictions that ${proseOf(exception)} counts`
}

/** "a and b", "a, b, and c"; with `;` between parts that carry their own commas. */
function listOf(parts: string[], sep = ','): string {
  if (parts.length <= 1) return parts.join('')
  if (parts.length === 2) return `${parts[0]}${sep === ';' ? ';' : ''} and ${parts[1]}`
  return `${parts.slice(0, -1).join(`${sep} `)}${sep} and ${parts.at(-1)}`
}

/** What HS 11361.8 gives at most on the record's facts, for a count beyond it. */
const LAW_GIVES: Record<Relief, string> = {
  not_eligible: 'gives no relief',
  reduce_to_misdemeanor: 'gives at most a reduction to a misdemeanor',
  reduce_to_infraction: 'gives at most a reduction to an infraction',
  dismiss_and_seal: 'gives at most dismissal and sealing'
}

/** The disqualifiers the record shows for a count, as the motion states them (only where they bear on it). */
function presentDisqualifiers(g: ReliefGrounds): string[] {
  const f = g.facts
  const out: string[] = []
  const exception = f.felonyException
  if (exception !== null) {
    for (const name of PRIORS) {
      const d = f.disqualifiers[name]
      if (d.status !== 'present') continue
      const label = name === 'twoPriors' ? twoPriorsLabel(exception) : DISQUALIFIER_LABEL[name]
      out.push(
        `the record shows ${label}${d.detail ? ` (${writeDatesIn(d.detail)})` : ''}, which ${proseOf(exception)} makes disqualifying`
      )
    }
  }
  const aggravating = f.disqualifiers.aggravating
  if (aggravating.status === 'present')
    out.push(
      `the conviction is under a subdivision that section 11361.8 does not relieve${aggravating.detail ? ` (${writeDatesIn(aggravating.detail)})` : ''}`
    )
  return out
}

/**
 * What the District Attorney says of one count, from its grounds only:
 * - `law`: eligible under HS 11361.8; where a felony exception bears on the
 *   count, that the record shows none of its disqualifying priors;
 * - `conceded`: no finding of eligibility: the facts the record lacks, conceded;
 * - `beyond_law`: that the People do not contend the count meets HS 11361.8,
 *   why, and the authority the relief is asked under.
 */
function findings(g: ReliefGrounds): string[] {
  const f = g.facts
  const exception = f.felonyException
  if (g.basis === 'law') {
    // The law floor enforces the felony exception: law-basis grounds with a prior not ruled out contradict themselves.
    const open =
      exception === null
        ? []
        : [...PRIORS, 'aggravating' as const].filter((n) => f.disqualifiers[n].status !== 'absent')
    if (open.length > 0)
      throw new Error(
        `grounds on the basis of law, but ${exception} bears on the count and ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} not absent: the grounds contradict themselves`
      )
    const sentences = [
      `The District Attorney finds that the defendant is eligible for this relief under Health and Safety Code section 11361.8: had the Control, Regulate and Tax Adult Use of Marijuana Act been in effect at the time of the offense, the defendant would ${f.guaranteed === 'dismiss_and_seal' ? 'not have been guilty of the offense' : 'have been guilty of a lesser offense'}.`
    ]
    if (exception !== null) {
      const none = [
        `no ${DISQUALIFIER_LABEL.superStrike.slice(2)}`,
        `no ${DISQUALIFIER_LABEL.pc290.slice(2)}`,
        `fewer than ${twoPriorsLabel(exception).replace(/^two or more/, 'two')}`
      ]
      sentences.push(
        `As to the prior convictions that ${proseOf(exception)} makes disqualifying, the record shows ${listOf(none)}.`
      )
    }
    return sentences
  }
  if (g.basis === 'conceded') {
    const possible =
      exception === null
        ? []
        : PRIORS.filter((n) => f.disqualifiers[n].status === 'possible').map(
            (n) =>
              f.disqualifiers[n].detail ??
              `whether the defendant has ${n === 'twoPriors' ? twoPriorsLabel(exception) : DISQUALIFIER_LABEL[n]}`
          )
    const missing = [...new Set([...f.missingFacts, ...possible])].map(writeDatesIn)
    const present = presentDisqualifiers(g)
    return [
      ...(present.length > 0 ? [`As to this count, ${listOf(present, ';')}.`] : []),
      missing.length > 0
        ? `This relief depends on facts the record does not show: ${listOf(missing, ';')}.`
        : 'This relief depends on facts the record does not fully show.',
      `For this motion the People concede ${missing.length === 1 ? 'that fact' : 'those facts'} in the defendant's favour and, on that footing, do not oppose relief on this count.`
    ]
  }
  const reasons = [...presentDisqualifiers(g), `on the record's facts that section ${LAW_GIVES[f.best]} on this count`]
  const source = g.byDecision
    ? "in the District Attorney's discretion, as a deputy district attorney decided on review of this count,"
    : `under the District Attorney's policy${f.policyReason ? ` ("${f.policyReason.replace(/[.\s]+$/, '')}")` : ''}`
  return [
    `The People do not contend that the defendant meets the criteria of Health and Safety Code section 11361.8 for this relief: ${listOf(reasons, ';')}.`,
    ...(exception !== null && f.disqualifierMode === 'report'
      ? [
          `The District Attorney's policy reports the disqualifying prior convictions of ${proseOf(exception)} without applying them.`
        ]
      : []),
    `The People request this relief ${source} in furtherance of justice (${BEYOND.cite}), alongside Health and Safety Code section 11361.8.`
  ]
}

/** One count of the motion: the count, what the record shows and on what footing, the relief asked and the authority that grants it. */
function countParagraph(index: number, count: PaperCount, c: PaperCase): string {
  const g = groundsOf(count)
  const ask =
    g.remedy === 'unknown'
      ? `The record does not show whether the sentence on this count has been completed; the People ask the Court to ${reliefText(count)}.`
      : `The People ask the Court to ${reliefText(count)}.`
  // Authority: what grants the relief, never the lists that were checked.
  return [
    `${index + 1}. ${describeCount(count, c)}.`,
    ...findings(g),
    ask,
    `Authority: ${g.authority.join('; ')}.`
  ].join(' ')
}

/** The words of a motion, paragraph by paragraph, as renderMotion draws them. */
export interface MotionText {
  /** The nature of the paper: the caption's title. */
  nature: string
  salutation: string
  /** The motion and the District Attorney's review. */
  intro: string[]
  heading: string
  /** One paragraph a count: its findings, the relief asked and its authority. */
  counts: string[]
  closing: string[]
}

/** The words of a proposed order, paragraph by paragraph. */
export interface OrderText {
  nature: string
  intro: string[]
  counts: string[]
  closing: string[]
}

function motionCounts(cases: PaperCase[]): Array<{ c: PaperCase; n: PaperCount }> {
  const counts = cases.flatMap((c) => grantableCounts(c).map((n) => ({ c, n })))
  if (counts.length === 0) throw new Error('no count of these cases is granted relief')
  for (const { n } of counts) groundsOf(n)
  return counts
}

/**
 * Every sentence of the People's motion for one person's case (or cases in
 * one court), made only from each count's grounds: no blanket finding of
 * eligibility and no blanket absence of disqualifying priors.
 */
export function motionText(input: PacketInput): MotionText {
  const counts = motionCounts(input.cases)
  const caseNumbers = input.cases.map((c) => c.caseNumber).join(', ')
  const beyond = counts.some(({ n }) => beyondLaw(n))
  return {
    nature: natureOfMotion(counts.map((x) => x.n)),
    salutation: 'TO THE HONORABLE COURT:',
    intro: [
      `The People of the State of California, by ${input.profile.electedDa.name}, District Attorney of the ${titleCase(input.profile.courtCounty)}, move this Court under Health and Safety Code section 11361.8${beyond ? ` and, where stated, ${BEYOND.prose},` : ''} for the relief stated below on each listed count of the conviction${counts.length > 1 ? 's' : ''} of defendant ${proseName(input.person.name)} in case number ${caseNumbers}.`,
      `The District Attorney has reviewed the defendant's record. With each count below, this motion states what the record shows and on what footing the People ask for relief.`
    ],
    heading: 'COUNTS AND RELIEF REQUESTED',
    counts: counts.map(({ c, n }, i) => countParagraph(i, n, c)),
    closing: [
      `The People do not oppose relief and ask that it be granted without a hearing. (Health & Saf. Code, §§ 11361.8, 11361.9${beyond ? `; ${BEYOND_SECTION}` : ''}.)`
    ]
  }
}

/**
 * Every sentence of the proposed order: the relief count by count, sealing
 * under HS 11361.8(f) and "for all purposes" under 11361.8(h) only for relief
 * under that section, relief beyond it "in furtherance of justice".
 */
export function proposedOrderText(input: PacketInput): OrderText {
  const counts = motionCounts(input.cases)
  const beyond = counts.some(({ n }) => beyondLaw(n))
  const dismissed = counts.filter(({ n }) => n.outcome === 'dismiss_and_seal')
  const lawDismissed = dismissed.some(({ n }) => !beyondLaw(n))
  const beyondDismissed = dismissed.some(({ n }) => beyondLaw(n))
  const lawReduced = counts.some(({ n }) => n.outcome !== 'dismiss_and_seal' && !beyondLaw(n))
  const closing: string[] = []
  if (lawDismissed)
    closing.push(
      `The records of each conviction dismissed above${beyondDismissed ? ' under Health and Safety Code section 11361.8' : ''} shall be sealed. (Health & Saf. Code, § 11361.8, subd. (f).)`
    )
  if (beyondDismissed)
    closing.push('The records of each conviction dismissed above in furtherance of justice shall be sealed.')
  closing.push(
    'Any requirement that the defendant register under Health and Safety Code section 11590 because of a conviction listed above is terminated.'
  )
  closing.push(
    `${lawReduced ? 'A conviction redesignated or resentenced above under Health and Safety Code section 11361.8 is a misdemeanor or an infraction for all purposes. (Health & Saf. Code, § 11361.8, subd. (h).) ' : ''}The clerk shall report this order to the Department of Justice. (Health & Saf. Code, § 11361.9.)`
  )
  return {
    nature: `[PROPOSED] ORDER GRANTING ${natureOfMotion(counts.map((x) => x.n))}`,
    intro: [
      `The Court has read and considered the People's motion under Health and Safety Code section 11361.8${beyond ? ` and ${BEYOND.prose}` : ''} concerning defendant ${proseName(input.person.name)}. Good cause appearing, IT IS ORDERED:`
    ],
    counts: counts.map(({ c, n }, i) => `${i + 1}. ${orderText(n, c)}.`),
    closing
  }
}

const MARK = { conceded: '(conceded)', beyond_law: `(${BEYOND_SHORT})` } as const

/**
 * The bulk motion's words. It finds every person eligible only when every
 * count rests on the law; otherwise it asks for the relief on the grounds
 * Schedule A marks beside each count.
 */
export function bulkMotionText(input: BulkInput): { nature: string; salutation: string; intro: string[] } {
  const counts = input.entries.flatMap((e) => grantableCounts(e.case))
  const bases = new Set(counts.map((n) => groundsOf(n).basis))
  const people = new Set(input.entries.map((e) => `${e.person.name}|${e.person.dob}`)).size
  const remedies = new Set(counts.map((n) => n.remedy))
  const serving = remedies.has('resentencing') || remedies.has('unknown')
  const completed = remedies.has('redesignation_or_dismissal') || remedies.has('unknown')
  const subds = serving && completed ? 'subds. (a), (b), (e), (f)' : serving ? SERVING_SUBDS : COMPLETED_SUBDS
  const beyond = bases.has('beyond_law')
  const review =
    bases.size === 1 && bases.has('law')
      ? 'The District Attorney has reviewed the record of each person listed and finds each eligible for the relief stated beside each count.'
      : `The District Attorney has reviewed the record of each person listed. The People ask for the relief stated in Schedule A on the grounds marked there: ${listOf(
          [
            ...(bases.has('law')
              ? [
                  'on each count not marked, the District Attorney finds the person eligible for the relief stated under Health and Safety Code section 11361.8'
                ]
              : []),
            ...(bases.has('conceded')
              ? [
                  `on each count marked "${MARK.conceded}", the record does not show every fact the relief depends on, and the People concede those facts in the person's favour`
                ]
              : []),
            ...(beyond
              ? [
                  `on each count marked "${MARK.beyond_law}", the People do not contend that the person meets the criteria of section 11361.8 and request the relief in the District Attorney's discretion, in furtherance of justice (${BEYOND.cite})`
                ]
              : [])
          ],
          ';'
        )}.`
  return {
    nature: natureOfMotion(counts),
    salutation: 'TO THE HONORABLE PRESIDING JUDGE:',
    intro: [
      `The People of the State of California, by ${input.profile.electedDa.name}, District Attorney of the ${titleCase(input.profile.courtCounty)}, move this Court under Health and Safety Code section 11361.8${beyond ? ` and, where stated, ${BEYOND.prose},` : ''} for the relief stated in the attached Schedule A on ${counts.length} count${counts.length === 1 ? '' : 's'} of conviction of ${people} ${people === 1 ? 'person' : 'people'} in the ${input.court}.`,
      review,
      `The People do not oppose relief and ask that it be granted without a hearing, and that the records of each dismissed conviction be sealed. (Health & Saf. Code, §§ 11361.8, ${subds}, 11361.9${beyond ? `; ${BEYOND_SECTION}` : ''}.)`
    ]
  }
}

/** The defendant in the caption, in capitals as captions write a party: the court form of the name, then its a.k.a.s. */
function defendantLines(person: PaperPerson): string[] {
  const { name, akas } = captionNames(person.name, person.aliases)
  return [`${name.toUpperCase()},`, ...akas.map((a) => `aka ${a.toUpperCase()},`)]
}

function describeCount(count: PaperCount, c: PaperCase): string {
  const grade = count.severity ? SEVERITY[count.severity] : 'conviction'
  return `Count ${Number(count.countOrder.slice(-6, -3)) || Number(count.countOrder) || count.countOrder} in case ${c.caseNumber}: ${count.section} (${grade}), convicted ${count.convictionDate ? writtenDate(count.convictionDate) : 'on a date not on record'}`
}

/** Counsel is single-spaced, as pleadings set it: this many lines from line 1's baseline down to line 7's. */
const COUNSEL_LEADING = 12
const COUNSEL_ROOM = (baselineOf(1) - baselineOf(7)) / COUNSEL_LEADING + 1
/** Counsel stays left of the centre of the page: right of it, lines 1-7 are the clerk's (CRC 2.111). */
const COUNSEL_WIDTH = PAGE.width / 2 - 6 - TEXT_LEFT
/** The court's title: on line 8 (CRC 2.111), or lower when counsel's block runs past line 7, down to line 12 at most. */
const COURT_LINE = 8
const COURT_LINE_LAST = 12

/**
 * Counsel's block as it fits lines 1-7 (CRC 2.111(1)): name and State Bar
 * number of the District Attorney and of the filing deputy, the office, its
 * address, phone and email, and whom they appear for. When the block is too
 * long it drops the blank line before "Attorneys for", then runs that line on;
 * a block that still does not fit is returned whole and pushes the court down.
 */
async function counselLines(w: PleadingWriter, profile: DaProfile): Promise<string[]> {
  const counsel = [
    `${profile.electedDa.name.toUpperCase()} (SBN ${profile.electedDa.barNumber})`,
    'District Attorney',
    `${profile.filingDeputy.name.toUpperCase()} (SBN ${profile.filingDeputy.barNumber})`,
    profile.filingDeputy.title,
    profile.office,
    ...profile.address,
    `Telephone: ${profile.phone}`,
    `Email: ${profile.email}`
  ]
  const font = await w.fonts.forText(counsel.join(' '))
  const variants = [
    [...counsel, '', 'Attorneys for Plaintiff,', PEOPLE],
    [...counsel, 'Attorneys for Plaintiff,', PEOPLE],
    [...counsel, `Attorneys for Plaintiff, ${PEOPLE}`]
  ].map((lines) =>
    // `(SBN 123456)` is kept whole, as a citation is.
    lines.flatMap((text) => (text === '' ? [''] : w.wrap(text, font, COUNSEL_WIDTH, 0, { keepPhrases: true })))
  )
  return variants.find((lines) => lines.length <= COUNSEL_ROOM) ?? variants.at(-1)!
}

/**
 * Lines 1-7, left of centre: counsel; right of centre left blank for the
 * clerk's stamp; line 8: the court (lower only if counsel's block needs the
 * room, never beside it); then the caption, the case number and the nature of
 * the paper, its citation kept on one line (CRC 2.111).
 */
async function firstPage(
  w: PleadingWriter,
  profile: DaProfile,
  defendant: string[],
  caseNumber: string,
  nature: string
): Promise<void> {
  const counsel = await counselLines(w, profile)
  await w.drawBlock(baselineOf(1), counsel, { lineHeight: COUNSEL_LEADING })
  const lastCounsel = baselineOf(1) - (counsel.length - 1) * COUNSEL_LEADING
  w.line = COURT_LINE
  while (baselineOf(w.line) > lastCounsel - LINE_PITCH) w.line++
  if (w.line > COURT_LINE_LAST)
    throw new Error(`the DA profile takes ${counsel.length} lines: too long for the top of pleading paper`)
  await w.drawOn(w.line++, 'SUPERIOR COURT OF THE STATE OF CALIFORNIA', { align: 'center', bold: true })
  await w.drawOn(w.line++, profile.courtCounty.toUpperCase(), { align: 'center', bold: true })
  w.line++

  const mid = TEXT_LEFT + (TEXT_RIGHT - TEXT_LEFT) / 2
  const leftCol = mid - TEXT_LEFT - 12
  const left: Array<{ text: string; indent: number }> = []
  for (const [text, indent] of [
    [`${PEOPLE},`, 0],
    ['Plaintiff,', 96],
    ['v.', 36],
    ...defendant.map((d) => [d, 0] as const),
    ['Defendant.', 96]
  ] as const) {
    for (const part of w.wrap(text, await w.fonts.forText(text), leftCol - indent)) left.push({ text: part, indent })
  }
  const rightX = mid + 10
  const right = [
    `Case No. ${caseNumber}`,
    '',
    ...w.wrap(nature, w.fonts.bold, TEXT_RIGHT - rightX, 0, { keepPhrases: true })
  ]
  const rows = Math.max(left.length, right.length)
  w.ensure(rows + 1)
  const start = w.line
  // Each run of left-column lines with the same indent, the ")" divider, the case number and the nature: one text operation each.
  for (let i = 0; i < left.length; ) {
    let j = i
    while (j < left.length && left[j]!.indent === left[i]!.indent) j++
    await w.drawBlock(
      baselineOf(start + i),
      left.slice(i, j).map((l) => l.text),
      { x: TEXT_LEFT + left[i]!.indent }
    )
    i = j
  }
  await w.drawBlock(baselineOf(start), new Array<string>(rows).fill(')'), { x: mid - 4 })
  await w.drawBlock(baselineOf(start), [right[0]!], { x: rightX })
  await w.drawBlock(baselineOf(start + 2), right.slice(2), { x: rightX, bold: true })
  w.line = start + rows
  w.skip(1)
}

async function signature(w: PleadingWriter, profile: DaProfile, date: string): Promise<void> {
  w.ensure(6)
  await w.drawOn(w.line++, `Dated: ${writtenDate(date)}`)
  await w.drawBlock(
    baselineOf(w.line),
    [
      'Respectfully submitted,',
      `${profile.electedDa.name}, District Attorney`,
      '',
      'By: ______________________________',
      `${profile.filingDeputy.name}, ${profile.filingDeputy.title}`
    ],
    { x: 330 }
  )
  w.line += 5
}

function checkNames(person: PaperPerson, where: string): void {
  assertDrawable(person.name, `${where}: name`)
  for (const a of person.aliases) assertDrawable(a, `${where}: alias`)
}

async function finish(w: PleadingWriter, kind: DocumentKind): Promise<RenderedDocument> {
  const bytes = await w.save()
  return { kind, bytes, pages: w.pageCount, sha256: createHash('sha256').update(bytes).digest('hex') }
}

const dateOf = (date: string) => new Date(`${date}T12:00:00.000Z`)

/**
 * The People's motion under HS 11361.8 for one person's case (or cases in one
 * court): exactly the paragraphs of motionText, count by count what the record
 * shows, the footing, the relief asked and the authority that grants it.
 */
export async function renderMotion(input: PacketInput): Promise<RenderedDocument> {
  checkNames(input.person, 'motion')
  const text = motionText(input)
  const caseNumbers = input.cases.map((c) => c.caseNumber).join(', ')
  const w = await PleadingWriter.create({
    title: `${text.nature} — ${caseNumbers}`,
    footer: "PEOPLE'S MOTION — H&S § 11361.8",
    date: dateOf(input.date)
  })
  await firstPage(w, input.profile, defendantLines(input.person), caseNumbers, text.nature)
  await w.paragraph(text.salutation)
  for (const p of text.intro) await w.paragraph(p, { firstIndent: 36 })
  w.skip(1)
  await w.paragraph(text.heading, { align: 'center', bold: true })
  for (const p of text.counts) await w.paragraph(p, { firstIndent: 36 })
  for (const p of text.closing) await w.paragraph(p, { firstIndent: 36 })
  w.skip(1)
  await signature(w, input.profile, input.date)
  return finish(w, 'motion')
}

/** The order for the judge: exactly the paragraphs of proposedOrderText, then the judge's lines. */
export async function renderProposedOrder(input: PacketInput): Promise<RenderedDocument> {
  checkNames(input.person, 'proposed order')
  const text = proposedOrderText(input)
  const caseNumbers = input.cases.map((c) => c.caseNumber).join(', ')
  const w = await PleadingWriter.create({
    title: `${text.nature} — ${caseNumbers}`,
    footer: '[PROPOSED] ORDER — H&S § 11361.8',
    date: dateOf(input.date)
  })
  await firstPage(w, input.profile, defendantLines(input.person), caseNumbers, text.nature)
  for (const p of [...text.intro, ...text.counts, ...text.closing]) await w.paragraph(p, { firstIndent: 36 })
  w.skip(1)
  w.ensure(4)
  await w.drawOn(w.line++, 'Dated: ____________________')
  w.line++
  await w.drawOn(w.line++, '____________________________________', { x: 330 })
  await w.drawOn(w.line++, 'Judge of the Superior Court', { x: 330 })
  return finish(w, 'proposed_order')
}

/** One motion for many people at once (as counties filed with a presiding judge), pointing to Schedule A. */
export async function renderBulkMotion(input: BulkInput): Promise<RenderedDocument> {
  const text = bulkMotionText(input)
  const w = await PleadingWriter.create({
    title: `${text.nature} — Schedule A`,
    footer: "PEOPLE'S BULK MOTION — H&S § 11361.8",
    date: dateOf(input.date)
  })
  await firstPage(w, input.profile, ['THE PERSONS LISTED IN SCHEDULE A,'], 'Various (see Schedule A)', text.nature)
  await w.paragraph(text.salutation)
  for (const p of text.intro) await w.paragraph(p, { firstIndent: 36 })
  w.skip(1)
  await signature(w, input.profile, input.date)
  return finish(w, 'motion')
}

const SCHEDULE_COLUMNS: Array<{ title: string; width: number }> = [
  { title: 'Name', width: 142 },
  { title: 'DOB', width: 64 },
  { title: 'Case No.', width: 74 },
  { title: 'Counts', width: 104 },
  { title: 'Relief', width: 104 }
]

const RELIEF_SHORT: Record<Relief, string> = {
  dismiss_and_seal: 'Dismiss and seal',
  reduce_to_misdemeanor: 'Misdemeanor',
  reduce_to_infraction: 'Infraction',
  not_eligible: ''
}

/** A count's relief, marked with its grounds unless the law gives it. */
function reliefMark(count: PaperCount): string {
  const basis = groundsOf(count).basis
  return basis === 'law' ? RELIEF_SHORT[count.outcome] : `${RELIEF_SHORT[count.outcome]} ${MARK[basis]}`
}

/** One relief for the row when all its counts share it; else one per count, in the order of the counts column. */
function reliefCell(counts: PaperCount[]): string {
  const cells = counts.map(reliefMark)
  return new Set(cells).size === 1 ? cells[0]! : cells.join('; ')
}

/** Schedule A: one row per case (name, DOB, case number, counts, relief and its grounds), over as many pages as it takes, the header repeated on each. */
export async function renderSchedule(input: BulkInput): Promise<RenderedDocument> {
  for (const e of input.entries) checkNames(e.person, 'schedule')
  const w = await PleadingWriter.create({
    title: `Schedule A — ${input.court}`,
    footer: "SCHEDULE A TO PEOPLE'S BULK MOTION — H&S § 11361.8",
    date: dateOf(input.date)
  })
  await w.paragraph(`SCHEDULE A — ${input.court.toUpperCase()}`, { align: 'center', bold: true })
  await w.paragraph(
    `Persons and convictions for which the People move for relief under Health and Safety Code section 11361.8 (${writtenDate(input.date)}).`,
    { align: 'center' }
  )
  const marks = new Set(input.entries.flatMap((e) => grantableCounts(e.case).map((n) => groundsOf(n).basis)))
  const legend = [
    ...(marks.has('conceded')
      ? [`${MARK.conceded}: the record does not show every fact the relief depends on; the People concede those facts.`]
      : []),
    ...(marks.has('beyond_law')
      ? [
          `${MARK.beyond_law}: relief beyond Health and Safety Code section 11361.8, requested in furtherance of justice (${BEYOND.cite}).`
        ]
      : [])
  ]
  if (legend.length > 0) await w.paragraph(legend.join(' '))
  const header = async () => {
    let x = TEXT_LEFT
    for (const col of SCHEDULE_COLUMNS) {
      await w.drawOn(w.line, col.title, { x, width: col.width, bold: true })
      x += col.width
    }
    w.rule(TEXT_LEFT, TEXT_RIGHT, baselineBelow(w.line), 0.5)
    w.line++
  }
  w.skip(1)
  await header()
  for (const entry of input.entries) {
    const counts = grantableCounts(entry.case)
    if (counts.length === 0) continue
    const names = rosterNames(entry.person.name, entry.person.aliases)
    const cells = [
      [names.name, ...names.akas.map((a) => `aka ${a}`)].join('; '),
      entry.person.dob ? numericDate(entry.person.dob) : '',
      entry.case.caseNumber,
      counts.map((n) => n.section).join('; '),
      reliefCell(counts)
    ]
    const wrapped = await Promise.all(
      cells.map(async (text, i) => w.wrap(text, await w.fonts.forText(text), SCHEDULE_COLUMNS[i]!.width - 6))
    )
    const height = Math.max(...wrapped.map((l) => l.length))
    if (w.line + height - 1 > LINES_PER_PAGE) {
      w.newPage()
      await header()
    }
    let x = TEXT_LEFT
    for (const [i, lines] of wrapped.entries()) {
      await w.drawBlock(baselineOf(w.line), lines, { x })
      x += SCHEDULE_COLUMNS[i]!.width
    }
    w.line += height
    if (w.line > LINES_PER_PAGE) {
      w.newPage()
      await header()
    }
  }
  return finish(w, 'schedule')
}

const baselineBelow = (line: number) => baselineOf(line) - 6

function titleCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/\b([a-z])/g, (c) => c.toUpperCase())
    .replace(/\bOf\b/g, 'of')
    .replace(/\bAnd\b/g, 'and')
}
