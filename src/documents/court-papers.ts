import { createHash } from 'node:crypto'
import type { Relief, Remedy } from '../eligibility/prop64-floor.js'
import { assertDrawable } from './fonts.js'
import { baselineOf, LINES_PER_PAGE, PleadingWriter, TEXT_LEFT, TEXT_RIGHT } from './pleading-paper.js'

/** A county District Attorney's office as it appears on its papers; kept in configuration, per county. */
export interface DaProfile {
  county: string
  /** "SUPERIOR COURT OF THE STATE OF CALIFORNIA" is fixed; this is the rest: "COUNTY OF SAN FRANCISCO". */
  courtCounty: string
  office: string
  address: string[]
  phone: string
  email: string
  electedDa: { name: string, barNumber: string }
  filingDeputy: { name: string, barNumber: string, title: string }
}

export interface PaperCount {
  countOrder: string
  /** Canonical, e.g. `HS 11359`. */
  section: string
  severity: 'F' | 'M' | 'I' | null
  convictionDate: string | null
  outcome: Relief
  remedy: Remedy
  citations: string[]
}

export interface PaperCase {
  caseNumber: string
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
  entries: Array<{ person: PaperPerson, case: PaperCase }>
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
export function grantableCounts (c: PaperCase): PaperCount[] {
  return c.counts.filter((n) => GRANTABLE.has(n.outcome))
}

/** What the court is asked to do with a count, in the words of HS 11361.8, by remedy. */
export function reliefText (count: PaperCount): string {
  const serving = count.remedy === 'resentencing'
  const subd = serving ? 'subds. (a), (b)' : 'subds. (e), (f)'
  switch (count.outcome) {
    case 'dismiss_and_seal': return serving
      ? `recall the sentence and dismiss the conviction (Health & Saf. Code, § 11361.8, ${subd})`
      : `dismiss and seal the conviction as legally invalid (Health & Saf. Code, § 11361.8, ${subd})`
    case 'reduce_to_misdemeanor': return serving
      ? `recall the sentence and resentence the conviction as a misdemeanor (Health & Saf. Code, § 11361.8, ${subd})`
      : `redesignate the conviction as a misdemeanor (Health & Saf. Code, § 11361.8, ${subd})`
    case 'reduce_to_infraction': return serving
      ? `recall the sentence and resentence the conviction as an infraction (Health & Saf. Code, § 11361.8, ${subd})`
      : `redesignate the conviction as an infraction (Health & Saf. Code, § 11361.8, ${subd})`
    default: throw new Error(`${count.outcome} is not relief a motion asks for`)
  }
}

/** The order's words for the same relief. */
function orderText (count: PaperCount): string {
  switch (count.outcome) {
    case 'dismiss_and_seal': return count.remedy === 'resentencing' ? 'is recalled and the conviction DISMISSED' : 'is DISMISSED and SEALED as legally invalid'
    case 'reduce_to_misdemeanor': return count.remedy === 'resentencing' ? 'is recalled and RESENTENCED as a misdemeanor' : 'is REDESIGNATED a misdemeanor for all purposes'
    default: return count.remedy === 'resentencing' ? 'is recalled and RESENTENCED as an infraction' : 'is REDESIGNATED an infraction for all purposes'
  }
}

/** "MOTION TO RECALL AND RESENTENCE, REDESIGNATE, OR DISMISS AND SEAL", from the relief actually asked. */
export function natureOfMotion (counts: PaperCount[]): string {
  const asks = new Set<string>()
  for (const c of counts) {
    if (c.remedy === 'resentencing') asks.add(c.outcome === 'dismiss_and_seal' ? 'RECALL AND DISMISS' : 'RECALL AND RESENTENCE')
    else asks.add(c.outcome === 'dismiss_and_seal' ? 'DISMISS AND SEAL' : 'REDESIGNATE')
  }
  const order = ['RECALL AND RESENTENCE', 'RECALL AND DISMISS', 'REDESIGNATE', 'DISMISS AND SEAL'].filter((a) => asks.has(a))
  const list = order.length <= 2 ? order.join(' OR ') : `${order.slice(0, -1).join(', ')}, OR ${order.at(-1)}`
  return `PEOPLE'S MOTION TO ${list} (Health & Saf. Code, § 11361.8)`
}

function defendantLines (person: PaperPerson): string[] {
  return [`${person.name.toUpperCase()},`, ...person.aliases.map((a) => `aka ${a.toUpperCase()},`)]
}

function describeCount (count: PaperCount, c: PaperCase): string {
  const grade = count.severity ? SEVERITY[count.severity] : 'conviction'
  return `Count ${Number(count.countOrder.slice(-6, -3)) || Number(count.countOrder) || count.countOrder} in case ${c.caseNumber}: ${count.section} (${grade}), convicted ${count.convictionDate ?? 'on a date not on record'}`
}

/**
 * Lines 1-7, left of centre: counsel (single-spaced, as pleadings set it, so the
 * whole block fits above line 8); right of centre left blank for the clerk's
 * stamp; line 8: the court; then the caption, the case number and the nature of
 * the paper (CRC 2.111).
 */
async function firstPage (w: PleadingWriter, profile: DaProfile, defendant: string[], caseNumber: string, nature: string): Promise<void> {
  const counsel = [
    `${profile.electedDa.name.toUpperCase()} (SBN ${profile.electedDa.barNumber})`,
    'District Attorney',
    `${profile.filingDeputy.name.toUpperCase()} (SBN ${profile.filingDeputy.barNumber})`,
    profile.filingDeputy.title,
    profile.office,
    ...profile.address,
    `Telephone: ${profile.phone}`,
    `Email: ${profile.email}`,
    '',
    'Attorneys for Plaintiff,',
    PEOPLE
  ]
  const mid = TEXT_LEFT + (TEXT_RIGHT - TEXT_LEFT) / 2
  const leftWidth = mid - TEXT_LEFT - 8
  const blockLines = counsel.flatMap((text) => (text === '' ? [''] : w.wrap(text, w.fonts.regular, leftWidth)))
  if (blockLines.length > 14) throw new Error('the DA profile is too long for lines 1-7 of pleading paper')
  await w.drawBlock(baselineOf(1), blockLines, { lineHeight: 12 })
  w.line = 8
  await w.drawOn(w.line++, 'SUPERIOR COURT OF THE STATE OF CALIFORNIA', { align: 'center', bold: true })
  await w.drawOn(w.line++, profile.courtCounty.toUpperCase(), { align: 'center', bold: true })
  w.line++

  const leftCol = mid - TEXT_LEFT - 12
  const left: Array<{ text: string, indent: number }> = []
  for (const [text, indent] of [[`${PEOPLE},`, 0], ['Plaintiff,', 96], ['v.', 36], ...defendant.map((d) => [d, 0] as const), ['Defendant.', 96]] as const) {
    for (const part of w.wrap(text, await w.fonts.forText(text), leftCol - indent)) left.push({ text: part, indent })
  }
  const rightX = mid + 10
  const right = [`Case No. ${caseNumber}`, '', ...w.wrap(nature, w.fonts.bold, TEXT_RIGHT - rightX)]
  const rows = Math.max(left.length, right.length)
  w.ensure(rows + 1)
  const start = w.line
  // Each run of left-column lines with the same indent, the ")" divider, the case number and the nature: one text operation each.
  for (let i = 0; i < left.length;) {
    let j = i
    while (j < left.length && left[j]!.indent === left[i]!.indent) j++
    await w.drawBlock(baselineOf(start + i), left.slice(i, j).map((l) => l.text), { x: TEXT_LEFT + left[i]!.indent })
    i = j
  }
  await w.drawBlock(baselineOf(start), new Array<string>(rows).fill(')'), { x: mid - 4 })
  await w.drawBlock(baselineOf(start), [right[0]!], { x: rightX })
  await w.drawBlock(baselineOf(start + 2), right.slice(2), { x: rightX, bold: true })
  w.line = start + rows
  w.skip(1)
}

async function signature (w: PleadingWriter, profile: DaProfile, date: string): Promise<void> {
  w.ensure(6)
  await w.drawOn(w.line++, `Dated: ${date}`)
  await w.drawBlock(baselineOf(w.line), ['Respectfully submitted,', `${profile.electedDa.name}, District Attorney`, '', 'By: ______________________________', `${profile.filingDeputy.name}, ${profile.filingDeputy.title}`], { x: 330 })
  w.line += 5
}

function checkNames (person: PaperPerson, where: string): void {
  assertDrawable(person.name, `${where}: name`)
  for (const a of person.aliases) assertDrawable(a, `${where}: alias`)
}

async function finish (w: PleadingWriter, kind: DocumentKind): Promise<RenderedDocument> {
  const bytes = await w.save()
  return { kind, bytes, pages: w.pageCount, sha256: createHash('sha256').update(bytes).digest('hex') }
}

const dateOf = (date: string) => new Date(`${date}T12:00:00.000Z`)

/**
 * The People's motion under HS 11361.8 for one person's case (or cases in one
 * court): the District Attorney's finding of eligibility and, count by count,
 * the relief asked and its statutory basis.
 */
export async function renderMotion (input: PacketInput): Promise<RenderedDocument> {
  checkNames(input.person, 'motion')
  const counts = input.cases.flatMap((c) => grantableCounts(c).map((n) => ({ c, n })))
  if (counts.length === 0) throw new Error('no count of these cases is eligible for relief')
  const caseNumbers = input.cases.map((c) => c.caseNumber).join(', ')
  const nature = natureOfMotion(counts.map((x) => x.n))
  const w = await PleadingWriter.create({ title: `${nature} — ${caseNumbers}`, footer: "PEOPLE'S MOTION — H&S § 11361.8", date: dateOf(input.date) })
  await firstPage(w, input.profile, defendantLines(input.person), caseNumbers, nature)
  await w.paragraph('TO THE HONORABLE COURT:')
  await w.paragraph(`The People of the State of California, by ${input.profile.electedDa.name}, District Attorney of the ${titleCase(input.profile.courtCounty)}, move this Court under Health and Safety Code section 11361.8 for the relief stated below on each listed count of the conviction${counts.length > 1 ? 's' : ''} of defendant ${input.person.name} in case number ${caseNumbers}.`, { firstIndent: 36 })
  await w.paragraph('The District Attorney has reviewed the defendant\'s record and finds that the defendant is eligible for the relief requested on each count listed below, that the defendant would not have been guilty of the offense, or would have been guilty of a lesser offense, had the Control, Regulate and Tax Adult Use of Marijuana Act been in effect at the time of the offense, and that no disqualifying prior conviction appears. The People do not oppose relief and ask that it be granted without a hearing. (Health & Saf. Code, §§ 11361.8, 11361.9.)', { firstIndent: 36 })
  w.skip(1)
  await w.paragraph('COUNTS AND RELIEF REQUESTED', { align: 'center', bold: true })
  for (const [i, { c, n }] of counts.entries()) {
    await w.paragraph(`${i + 1}. ${describeCount(n, c)}. The People ask the Court to ${reliefText(n)}. Authority: ${n.citations.join('; ')}.`, { firstIndent: 36 })
  }
  w.skip(1)
  await signature(w, input.profile, input.date)
  return finish(w, 'motion')
}

/** The order for the judge: relief count by count, sealing under HS 11361.8(f), relief from HS 11590 registration, signature lines. */
export async function renderProposedOrder (input: PacketInput): Promise<RenderedDocument> {
  checkNames(input.person, 'proposed order')
  const counts = input.cases.flatMap((c) => grantableCounts(c).map((n) => ({ c, n })))
  if (counts.length === 0) throw new Error('no count of these cases is eligible for relief')
  const caseNumbers = input.cases.map((c) => c.caseNumber).join(', ')
  const nature = `[PROPOSED] ORDER GRANTING ${natureOfMotion(counts.map((x) => x.n))}`
  const w = await PleadingWriter.create({ title: `${nature} — ${caseNumbers}`, footer: '[PROPOSED] ORDER — H&S § 11361.8', date: dateOf(input.date) })
  await firstPage(w, input.profile, defendantLines(input.person), caseNumbers, nature)
  await w.paragraph(`The Court has read and considered the People's motion under Health and Safety Code section 11361.8 concerning defendant ${input.person.name}. Good cause appearing, IT IS ORDERED:`, { firstIndent: 36 })
  for (const [i, { c, n }] of counts.entries()) {
    await w.paragraph(`${i + 1}. ${describeCount(n, c)}, ${orderText(n)}.`, { firstIndent: 36 })
  }
  if (counts.some(({ n }) => n.outcome === 'dismiss_and_seal')) {
    await w.paragraph('The records of each conviction dismissed above shall be sealed. (Health & Saf. Code, § 11361.8, subd. (f).)', { firstIndent: 36 })
  }
  await w.paragraph('Any requirement that the defendant register under Health and Safety Code section 11590 because of a conviction listed above is terminated.', { firstIndent: 36 })
  await w.paragraph('A conviction redesignated or resentenced above is a misdemeanor or an infraction for all purposes. (Health & Saf. Code, § 11361.8, subd. (h).) The clerk shall report this order to the Department of Justice. (Health & Saf. Code, § 11361.9.)', { firstIndent: 36 })
  w.skip(1)
  w.ensure(4)
  await w.drawOn(w.line++, 'Dated: ____________________')
  w.line++
  await w.drawOn(w.line++, '____________________________________', { x: 330 })
  await w.drawOn(w.line++, 'Judge of the Superior Court', { x: 330 })
  return finish(w, 'proposed_order')
}

/** One motion for many people at once (as counties filed with a presiding judge), pointing to Schedule A. */
export async function renderBulkMotion (input: BulkInput): Promise<RenderedDocument> {
  const counts = input.entries.flatMap((e) => grantableCounts(e.case))
  const people = new Set(input.entries.map((e) => `${e.person.name}|${e.person.dob}`)).size
  const nature = natureOfMotion(counts)
  const w = await PleadingWriter.create({ title: `${nature} — Schedule A`, footer: "PEOPLE'S BULK MOTION — H&S § 11361.8", date: dateOf(input.date) })
  await firstPage(w, input.profile, ['THE PERSONS LISTED IN SCHEDULE A,'], 'Various (see Schedule A)', nature)
  await w.paragraph('TO THE HONORABLE PRESIDING JUDGE:')
  await w.paragraph(`The People of the State of California, by ${input.profile.electedDa.name}, District Attorney of the ${titleCase(input.profile.courtCounty)}, move this Court under Health and Safety Code section 11361.8 for the relief stated in the attached Schedule A on ${counts.length} count${counts.length === 1 ? '' : 's'} of conviction of ${people} ${people === 1 ? 'person' : 'people'} in the ${input.court}.`, { firstIndent: 36 })
  await w.paragraph('The District Attorney has reviewed the record of each person listed and finds each eligible for the relief stated beside each count. The People do not oppose relief and ask that it be granted without a hearing, and that the records of each dismissed conviction be sealed. (Health & Saf. Code, §§ 11361.8, subds. (e), (f), 11361.9.)', { firstIndent: 36 })
  w.skip(1)
  await signature(w, input.profile, input.date)
  return finish(w, 'motion')
}

const SCHEDULE_COLUMNS: Array<{ title: string, width: number }> = [
  { title: 'Name', width: 142 }, { title: 'DOB', width: 64 }, { title: 'Case No.', width: 74 },
  { title: 'Counts', width: 104 }, { title: 'Relief', width: 104 }
]

const RELIEF_SHORT: Record<Relief, string> = {
  dismiss_and_seal: 'Dismiss and seal', reduce_to_misdemeanor: 'Misdemeanor', reduce_to_infraction: 'Infraction', not_eligible: ''
}

/** Schedule A: one row per case (name, DOB, case number, counts, relief), over as many pages as it takes, the header repeated on each. */
export async function renderSchedule (input: BulkInput): Promise<RenderedDocument> {
  for (const e of input.entries) checkNames(e.person, 'schedule')
  const w = await PleadingWriter.create({ title: `Schedule A — ${input.court}`, footer: 'SCHEDULE A TO PEOPLE\'S BULK MOTION — H&S § 11361.8', date: dateOf(input.date) })
  await w.paragraph(`SCHEDULE A — ${input.court.toUpperCase()}`, { align: 'center', bold: true })
  await w.paragraph(`Persons and convictions for which the People move for relief under Health and Safety Code section 11361.8 (${input.date}).`, { align: 'center' })
  const header = async () => {
    let x = TEXT_LEFT
    for (const col of SCHEDULE_COLUMNS) {
      await w.drawOn(w.line, col.title, { x, width: col.width, bold: true })
      x += col.width
    }
    w.page.drawLine({ start: { x: TEXT_LEFT, y: baselineBelow(w.line) }, end: { x: TEXT_RIGHT, y: baselineBelow(w.line) }, thickness: 0.5 })
    w.line++
  }
  w.skip(1)
  await header()
  for (const entry of input.entries) {
    const counts = grantableCounts(entry.case)
    if (counts.length === 0) continue
    const cells = [
      [entry.person.name, ...entry.person.aliases.map((a) => `aka ${a}`)].join('; '),
      entry.person.dob ?? '',
      entry.case.caseNumber,
      counts.map((n) => n.section).join('; '),
      [...new Set(counts.map((n) => RELIEF_SHORT[n.outcome]))].join('; ')
    ]
    const wrapped = await Promise.all(cells.map(async (text, i) => w.wrap(text, await w.fonts.forText(text), SCHEDULE_COLUMNS[i]!.width - 6)))
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

function titleCase (text: string): string {
  return text.toLowerCase().replace(/\b([a-z])/g, (c) => c.toUpperCase()).replace(/\bOf\b/g, 'of').replace(/\bAnd\b/g, 'and')
}
