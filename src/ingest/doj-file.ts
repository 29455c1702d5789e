import {
  asInchoateOf,
  findCodeSectionInText,
  formatCodeSection,
  isBareInchoate,
  mayConcernCannabis,
  readOffenseText,
  type CodeSection
} from '../eligibility/code-section.js'
import type { ConvictionFact, PersonRecord, RegistrationFact } from '../eligibility/record.js'
import { daysInMonth, sentenceEndDate, type SentencePart } from './sentence.js'

/**
 * The California DOJ bulk research file: 95 comma-separated columns, one row
 * per count of one step (arrest, court action, registration, deceased) of one
 * cycle, repeated per sentence part; person fields repeat on every row.
 * Column meanings: docs clear-my-record-anchor.md §2.1.
 */
export const DOJ_FIELD_COUNT = 95

/** How the file reader hands over a record whose quote never closed: this prefix, then `<first line>-<last line>`. */
export const BROKEN_RECORD = '\u0000broken:'
export const COL = {
  RECORD_ID: 0,
  SUBJECT_ID: 2,
  CII_NUMBER: 11,
  PRI_NAME: 12,
  PRI_DOB: 14,
  CYC_DATE: 37,
  STP_EVENT_DATE: 40,
  STP_TYPE_DESCR: 42,
  STP_ORI_DESCR: 46,
  STP_ORI_CNTY_NAME: 48,
  CNT_ORDER: 50,
  DISP_DATE: 51,
  OFN: 52,
  OFFENSE_DESCR: 54,
  OFFENSE_TOC: 55,
  DISP_OFFENSE_DESCR: 58,
  DISP_OFFENSE_TOC: 59,
  CONV_OFFENSE_DESCR: 63,
  CONV_OFFENSE_TOC: 64,
  FE_NUM_CRT_CASE: 76,
  DISP_DESCR: 80,
  CONV_STAT_DESCR: 82,
  SENT_LOC_DESCR: 86,
  SENT_LENGTH: 87,
  SENT_TIME_CODE: 88,
  COMMENT_TEXT: 93
} as const

/**
 * Splits one CSV record (RFC 4180: quoted fields, doubled quotes). When `keep`
 * is given, only the fields it marks are sliced out (the rest stay undefined),
 * which spares most of the allocation on a 95-column row; the length of the
 * result is always the record's field count.
 */
export function splitCsvRecord(line: string, keep?: Uint8Array): string[] {
  if (keep === undefined && line.indexOf('"') === -1) return line.split(',')
  const fields: string[] = []
  const n = line.length
  let i = 0
  let index = 0
  for (;;) {
    const wanted = keep === undefined || keep[index] === 1
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = ''
      let from = i + 1
      let close = line.indexOf('"', from)
      // Doubled quotes inside a quoted field stand for one quote.
      while (close !== -1 && line.charCodeAt(close + 1) === 34) {
        if (wanted) value += line.slice(from, close + 1)
        from = close + 2
        close = line.indexOf('"', from)
      }
      if (close === -1) close = n
      if (wanted) value += line.slice(from, close)
      const comma = line.indexOf(',', close)
      if (wanted) fields[index] = comma === -1 ? value + line.slice(close + 1) : value + line.slice(close + 1, comma)
      index++
      if (comma === -1) break
      i = comma + 1
    } else {
      const comma = line.indexOf(',', i)
      if (wanted) fields[index] = comma === -1 ? line.slice(i) : line.slice(i, comma)
      index++
      if (comma === -1) break
      i = comma + 1
    }
  }
  fields.length = index
  return fields
}

/** The columns the review reads, in the order a review row holds them: everything else in a row is skipped, not copied. */
const REVIEW_COLUMNS: readonly number[] = Object.values(COL)
export const REVIEW_FIELD_COUNT = REVIEW_COLUMNS.length

/** Where a review row holds each column the review reads: `fields[FIELD.SUBJECT_ID]`. */
export const FIELD = Object.fromEntries(Object.keys(COL).map((name, i) => [name, i])) as {
  readonly [K in keyof typeof COL]: number
}

/** Column → its place in a review row, or -1 for a column the review does not read. */
const REVIEW_SLOT = (() => {
  const slots = new Int8Array(DOJ_FIELD_COUNT + 64).fill(-1)
  REVIEW_COLUMNS.forEach((col, i) => {
    slots[col] = i
  })
  return slots
})()

/** A DOJ row's fields as the review reads them (see FIELD), from all of them (`splitCsvRecord`). */
export function reviewFieldsOf(all: readonly string[]): string[] {
  const fields = new Array<string>(REVIEW_FIELD_COUNT)
  for (let i = 0; i < REVIEW_FIELD_COUNT; i++) fields[i] = all[REVIEW_COLUMNS[i]!]!
  return fields
}

const REVIEW_MASK = (() => {
  const mask = new Uint8Array(DOJ_FIELD_COUNT + 64)
  for (const col of REVIEW_COLUMNS) mask[col] = 1
  return mask
})()

/** A record's text split as the review reads it: its review row (see FIELD) and how many fields it has. */
export function splitReviewRecord(record: string): { fields: string[]; count: number } {
  const all = splitCsvRecord(record, REVIEW_MASK)
  return { fields: reviewFieldsOf(all), count: all.length }
}

/** Int32s a located record takes: its field count, then where each field the review reads starts and ends. */
export const LOCATED_SPAN = 1 + 2 * REVIEW_FIELD_COUNT

/** Where byte b first is in bytes[from, end), or -1. */
function byteIndex(bytes: Uint8Array, b: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === b) return i
  return -1
}

/**
 * Finds, in the bytes of one record of an ASCII file (`bytes[start, end)`), where each field the review reads lies,
 * as `splitCsvRecord` would split the record's text (RFC 4180 quotes, doubled quotes), without slicing any of them:
 * writes at `located[at]` the record's field count, then each read field's first byte and the byte after it (its
 * opening quote and the comma after its closing one, when quoted), -1 for a field the record does not have. The
 * review finds them on the thread that reads the file, which waits for the workers most of a review.
 */
export function locateReviewFields(
  bytes: Uint8Array,
  start: number,
  end: number,
  located: Int32Array,
  at: number
): void {
  located.fill(-1, at + 1, at + LOCATED_SPAN)
  let i = start
  let index = 0
  for (;;) {
    let close = i
    if (i < end && bytes[i] === 34 /* " */) {
      close = byteIndex(bytes, 34, i + 1, end)
      // Doubled quotes inside a quoted field stand for one quote.
      while (close !== -1 && close + 1 < end && bytes[close + 1] === 34) close = byteIndex(bytes, 34, close + 2, end)
      if (close === -1) close = end
    }
    const comma = byteIndex(bytes, 44 /* , */, close, end)
    const slot = index < REVIEW_SLOT.length ? REVIEW_SLOT[index]! : -1
    if (slot >= 0) {
      located[at + 1 + 2 * slot] = i
      located[at + 2 + 2 * slot] = comma === -1 ? end : comma
    }
    index++
    if (comma === -1) break
    i = comma + 1
  }
  located[at] = index
}

/**
 * The review row of a record located by `locateReviewFields` at `located[at]`: each field sliced from the text its
 * bytes were decoded to (one-byte text holding the bytes from `base` on), unquoted; undefined where the record has
 * no such field.
 */
export function reviewFieldsAt(
  bytes: Uint8Array,
  located: Int32Array,
  at: number,
  text: string,
  base: number
): string[] {
  const fields = new Array<string>(REVIEW_FIELD_COUNT)
  for (let k = 0; k < REVIEW_FIELD_COUNT; k++) {
    const start = located[at + 1 + 2 * k]!
    if (start >= 0) fields[k] = fieldText(bytes, start, located[at + 2 + 2 * k]!, text, base)
  }
  return fields
}

function fieldText(bytes: Uint8Array, start: number, end: number, text: string, base: number): string {
  if (start >= end || bytes[start] !== 34 /* " */) return text.slice(start - base, end - base)
  let value = ''
  let from = start + 1
  let close = byteIndex(bytes, 34, from, end)
  while (close !== -1 && close + 1 < end && bytes[close + 1] === 34) {
    value += text.slice(from - base, close + 1 - base)
    from = close + 2
    close = byteIndex(bytes, 34, from, end)
  }
  if (close === -1) close = end
  // Text after the closing quote, before the comma, is kept as splitCsvRecord keeps it.
  return value + text.slice(from - base, close - base) + text.slice(close + 1 - base, end - base)
}

/** `20100501` → `2010-05-01`; null for blank; undefined for anything that is not a real date. */
export function parseDojDate(text: string): string | null | undefined {
  const s = text.length === 8 ? text : text.trim()
  if (s === '') return null
  if (s.length !== 8) return undefined
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
  }
  const y = Number(s.slice(0, 4))
  const m = Number(s.slice(4, 6))
  const d = Number(s.slice(6, 8))
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`
}

export interface RowProblem {
  line: number
  subjectId: string
  /** `error`: the row got no determination and counts as unreadable; `warning`: it was used, but a fact in it was dropped or is suspect. */
  severity: 'error' | 'warning'
  reason: string
}

/** A person's conviction with what the review outputs besides the engine's facts. */
export interface DojConviction extends ConvictionFact {
  /** Which column the offense came from: CONV_OFFENSE_DESCR, DISP_OFFENSE_DESCR, OFFENSE_DESCR or COMMENT_TEXT. */
  offenseSource: string
  /** The court as the DOJ names it (STP_ORI_DESCR, e.g. `CASC SAN FRANCISCO`). */
  court: string | null
  sentence: SentencePart[]
  /** False when no row of the count says how long its sentence is: the end date is then unknown. */
  sentenceKnown: boolean
  line: number
  /** Every line of the file that holds this count (one per sentence part). */
  lines: number[]
}

/** A registration with where it came from in the file, so storing it twice is recognisable. */
export interface DojRegistration extends RegistrationFact {
  /** The registration row's CNT_ORDER (or its line when it has none). */
  key: string
  offenseText: string
}

export interface DojSubject {
  record: Omit<PersonRecord, 'convictions' | 'registrations'> & {
    convictions: DojConviction[]
    registrations: DojRegistration[]
  }
  name: string
  cii: string
  problems: RowProblem[]
  /**
   * Rows of the subject that are no conviction (arrests, dismissals, registrations, deaths). With the conviction
   * rows (`lines` of each conviction) and the unreadable rows (problems of severity `error`), every row is counted.
   */
  notAConvictionRows: number
}

const SEE_COMMENT = /^\s*SEE COMMENT FOR CHARGE\s*$/i
const SENTENCE_UNITS: Record<string, SentencePart['unit']> = { D: 'days', M: 'months', Y: 'years' }
const SENTENCE_KINDS: Record<string, string> = {
  JAIL: 'jail',
  PRISON: 'prison',
  PROBATION: 'probation',
  J: 'jail',
  P: 'prison',
  FINE: 'fine',
  F: 'fine'
}

function severityOf(convStat: string, toc: string): 'F' | 'M' | 'I' | null {
  const s = convStat.trim().toUpperCase()
  if (s === 'FELONY') return 'F'
  if (s === 'MISDEMEANOR') return 'M'
  if (s === 'INFRACTION') return 'I'
  const t = toc.trim().toUpperCase()
  return t === 'F' || t === 'M' || t === 'I' ? t : null
}

interface Offense {
  text: string
  section: CodeSection | null
  source: string
  refused?: string
  mayConcernCannabis: boolean
}

const OFFENSE_COLUMNS = [
  [FIELD.CONV_OFFENSE_DESCR, 'CONV_OFFENSE_DESCR'],
  [FIELD.DISP_OFFENSE_DESCR, 'DISP_OFFENSE_DESCR'],
  [FIELD.OFFENSE_DESCR, 'OFFENSE_DESCR']
] as const

/**
 * The offense of conviction: the conviction columns first (the offense a person
 * was convicted of can differ from the arrest offense, which the statewide tool
 * read), then the disposition columns, then the arrest offense. The comment is
 * read when the offense says `SEE COMMENT FOR CHARGE` or is blank, when it names
 * only PC 182 or PC 664 (the comment says what was attempted or conspired), and
 * when the offense cannot be read.
 */
function offenseOf(f: string[]): Offense {
  const comment = f[FIELD.COMMENT_TEXT] ?? ''
  for (const [col, name] of OFFENSE_COLUMNS) {
    const descr = f[col] ?? ''
    if (descr.trim() === '' || SEE_COMMENT.test(descr)) continue
    const read = readOffenseText(descr)
    if (read.section && isBareInchoate(read.section)) {
      const target = findCodeSectionInText(comment)
      if (target && !isBareInchoate(target))
        return {
          text: read.text,
          section: asInchoateOf(read.section, target, 'COMMENT_TEXT'),
          source: name,
          mayConcernCannabis: false
        }
      // A conspiracy or attempt of something cannabis the record does not name by section: a person must read it.
      if (mayConcernCannabis(descr) || mayConcernCannabis(comment)) {
        return {
          text: `${descr.trim()} / ${comment.trim()}`,
          section: null,
          source: name,
          refused: `${formatCodeSection(read.section)} names no offense, and the comment names no code section`,
          mayConcernCannabis: true
        }
      }
      return { text: read.text, section: read.section, source: name, mayConcernCannabis: false }
    }
    if (read.section) return { text: read.text, section: read.section, source: name, mayConcernCannabis: false }
    const inComment = findCodeSectionInText(comment)
    if (inComment)
      return { text: comment.trim(), section: inComment, source: 'COMMENT_TEXT', mayConcernCannabis: false }
    return {
      text: read.text,
      section: null,
      source: name,
      ...(read.refused ? { refused: read.refused } : {}),
      mayConcernCannabis: mayConcernCannabis(descr) || mayConcernCannabis(comment)
    }
  }
  const section = findCodeSectionInText(comment)
  return section
    ? { text: comment.trim(), section, source: 'COMMENT_TEXT', mayConcernCannabis: false }
    : {
        text: comment.trim(),
        section: null,
        source: 'COMMENT_TEXT',
        refused:
          comment.trim() === ''
            ? 'no offense in any offense column or the comment'
            : 'the comment names no code section',
        mayConcernCannabis: mayConcernCannabis(comment)
      }
}

export interface SubjectOptions {
  /** Dates after this are not yet possible: treated as unknown, with a warning. */
  asOf: string
}

/** Where a row's problems go, and what they are judged against. */
interface RowContext {
  subjectId: string
  problems: RowProblem[]
  asOf: string
}

// The functions a person's rows are read with are module functions, not closures made per person: V8 keeps a
// closure's optimized code only while such a closure lives, so closures made anew were compiled again and again.

/** A date column read: a date that is no date, or is after the as-of date, is unknown, with a warning. */
function dateOf(text: string, column: string, line: number, at: RowContext): string | null {
  const date = parseDojDate(text)
  if (date === undefined) {
    at.problems.push({
      line,
      subjectId: at.subjectId,
      severity: 'warning',
      reason: `${column} ${JSON.stringify(text)} is not a YYYYMMDD date; treated as unknown`
    })
    return null
  }
  if (date !== null && date > at.asOf) {
    at.problems.push({
      line,
      subjectId: at.subjectId,
      severity: 'warning',
      reason: `${column} ${date} is after the as-of date ${at.asOf}; treated as unknown`
    })
    return null
  }
  return date
}

/** The record in a fixed order (date, then count), whatever the order of the rows that gave it. */
function byDateThenId(a: { date: string | null; id?: string; key?: string }, b: typeof a): number {
  const da = a.date ?? '9999'
  const db = b.date ?? '9999'
  if (da !== db) return da < db ? -1 : 1
  return (a.id ?? a.key!) < (b.id ?? b.key!) ? -1 : 1
}

/**
 * Builds one person's record from their rows (review rows: `fields[FIELD.X]`). Every row is accounted for in
 * `rows`; a row that cannot be used is a problem with its line number, and a
 * fact that contradicts the record (a conviction before birth, a date after
 * the as-of date, a date that is no date) is dropped with a warning while the
 * row still counts.
 */
export function buildSubject(
  rows: ReadonlyArray<{ line: number; fields: string[] }>,
  options: SubjectOptions
): DojSubject {
  const problems: RowProblem[] = []
  let notAConvictionRows = 0
  const first = rows[0]!.fields
  const subjectId = first[FIELD.SUBJECT_ID]!.trim()
  let dob: string | null = null
  const dobText = first[FIELD.PRI_DOB] ?? ''
  const parsedDob = parseDojDate(dobText)
  if (parsedDob === undefined)
    problems.push({
      line: rows[0]!.line,
      subjectId,
      severity: 'warning',
      reason: `PRI_DOB ${JSON.stringify(dobText)} is not a YYYYMMDD date; date of birth treated as unknown`
    })
  else if (parsedDob !== null && parsedDob > options.asOf)
    problems.push({
      line: rows[0]!.line,
      subjectId,
      severity: 'warning',
      reason: `PRI_DOB ${parsedDob} is after the as-of date ${options.asOf}; date of birth treated as unknown`
    })
  else dob = parsedDob

  const convictions = new Map<string, DojConviction>()
  const firstRows = new Map<string, string[]>()
  const caseNumbers = new Map<string, Set<string>>()
  const registrations: DojRegistration[] = []
  let deceased = false
  const at: RowContext = { subjectId, problems, asOf: options.asOf }

  for (const { line, fields: f } of rows) {
    const step = upperTrimmed(f[FIELD.STP_TYPE_DESCR] ?? '')
    const cntOrder = (f[FIELD.CNT_ORDER] ?? '').trim()
    if (step === 'DECEASED') {
      deceased = true
      notAConvictionRows++
      continue
    }
    if (step === 'REGISTRATION') {
      const offense = readOffenseText(f[FIELD.OFFENSE_DESCR] ?? '')
      if (
        offense.section?.section === '290' ||
        (!offense.section && offense.text.replace(/^PC\s*/i, '').startsWith('290'))
      ) {
        registrations.push({
          date: dateOf(f[FIELD.STP_EVENT_DATE] ?? '', 'STP_EVENT_DATE', line, at),
          county: countyOf(f),
          key: cntOrder || `line ${line}`,
          offenseText: offense.text
        })
      }
      notAConvictionRows++
      continue
    }
    const convicted = upperTrimmed(f[FIELD.DISP_DESCR] ?? '').startsWith('CONVICTED')
    if (!isDigits(cntOrder, 6)) {
      if (!convicted) {
        notAConvictionRows++
        continue
      }
      problems.push({
        line,
        subjectId,
        severity: 'error',
        reason: `CNT_ORDER ${JSON.stringify(cntOrder)} is not at least 6 digits (cycle and step), so the row cannot be placed in a case`
      })
      continue
    }
    const caseKey = cntOrder.slice(0, 6)
    if (step === 'COURT ACTION') {
      for (const col of CASE_NUMBER_COLUMNS) {
        const n = (f[col] ?? '').trim()
        if (n !== '') {
          let set = caseNumbers.get(caseKey)
          if (!set) caseNumbers.set(caseKey, (set = new Set()))
          set.add(n)
        }
      }
    }
    if (!convicted) {
      notAConvictionRows++
      continue
    }

    const part = sentencePartOf(f)
    const existing = convictions.get(cntOrder)
    if (existing) {
      // Another row for the same count is another part of its sentence (the statewide tool added it to whichever count came last).
      if (part) existing.sentence.push(part)
      existing.lines.push(line)
      mergeCountRow(existing, firstRows.get(cntOrder)!, f, line, at)
      continue
    }
    firstRows.set(cntOrder, f)
    const date = dateOf(f[FIELD.STP_EVENT_DATE] ?? '', 'STP_EVENT_DATE', line, at)
    const arrest = parseDojDate(f[FIELD.CYC_DATE] ?? '')
    const offenseDate = arrest && (date === null || arrest <= date) && arrest <= options.asOf ? arrest : null
    const offense = offenseOf(f)
    convictions.set(cntOrder, {
      id: cntOrder,
      section: offense.section,
      sectionText: offense.text,
      ...(offense.refused ? { sectionRefused: offense.refused } : {}),
      ...(offense.mayConcernCannabis ? { mayConcernCannabis: true } : {}),
      offenseSource: offense.source,
      court: (f[FIELD.STP_ORI_DESCR] ?? '').trim() || null,
      severity: severityOf(
        f[FIELD.CONV_STAT_DESCR] ?? '',
        f[offense.source === 'CONV_OFFENSE_DESCR' ? FIELD.CONV_OFFENSE_TOC : FIELD.OFFENSE_TOC] ?? ''
      ),
      date,
      ...(offenseDate ? { offenseDate, offenseDateBasis: 'arrest' as const } : {}),
      sentenceEnd: null,
      sentence: part ? [part] : [],
      sentenceKnown: false,
      county: countyOf(f),
      caseNumber: null,
      line,
      lines: [line]
    })
  }
  for (const c of convictions.values()) {
    // Parts in a fixed order: adding months is not commutative at month ends, and row order must not change a result.
    c.sentence.sort(comparePart)
    c.sentenceKnown = c.sentence.length > 0
    // No sentence on any row of the count, or a part without a usable length: the end is unknown, never "completed".
    c.sentenceEnd = c.sentenceKnown ? sentenceEndDate(c.date, c.sentence) : null
    const numbers = caseNumbers.get(c.id.slice(0, 6))
    c.caseNumber = numbers ? [...numbers].sort().join('; ') : null
    if (dob !== null && c.date !== null && c.date < dob) {
      problems.push({
        line: c.line,
        subjectId,
        severity: 'warning',
        reason: `the conviction date ${c.date} is before the date of birth ${dob}; the date of birth is treated as unknown for this person`
      })
      dob = null
    }
  }
  return {
    record: {
      subjectId,
      dob,
      deceased,
      convictions: [...convictions.values()].sort(byDateThenId),
      registrations: registrations.sort(byDateThenId)
    },
    name: (first[FIELD.PRI_NAME] ?? '').trim(),
    cii: (first[FIELD.CII_NUMBER] ?? '').trim(),
    problems,
    notAConvictionRows
  }
}

const CASE_NUMBER_COLUMNS = [FIELD.OFN, FIELD.FE_NUM_CRT_CASE] as const

/**
 * True when `text.trim().toUpperCase()` would leave the text as it is (and, with `singleSpaces`, collapsing its
 * whitespace to single spaces too). DOJ writes its columns that way already, so the common case is checked first
 * and costs no new string (a review reads hundreds of thousands of rows); any other character sends the text the
 * slow way.
 */
function isPlainUpper(text: string, singleSpaces: boolean): boolean {
  const n = text.length
  if (n === 0) return true
  if (text.charCodeAt(0) === 32 || text.charCodeAt(n - 1) === 32) return false
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if ((c >= 97 && c <= 122) || c > 127 || c < 32) return false
    if (singleSpaces && c === 32 && text.charCodeAt(i + 1) === 32) return false
  }
  return true
}

/** Text trimmed and in upper case. */
export function upperTrimmed(text: string): string {
  return isPlainUpper(text, false) ? text : text.trim().toUpperCase()
}

/** True when the text is `min` or more ASCII digits (as `/^\d{min,}$/`). */
function isDigits(text: string, min: number): boolean {
  if (text.length < min) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

const MERGED_COLUMNS = [
  FIELD.CONV_OFFENSE_DESCR,
  FIELD.DISP_OFFENSE_DESCR,
  FIELD.OFFENSE_DESCR,
  FIELD.COMMENT_TEXT,
  FIELD.CONV_STAT_DESCR,
  FIELD.OFFENSE_TOC,
  FIELD.CONV_OFFENSE_TOC,
  FIELD.STP_EVENT_DATE
]

const comparePart = (a: SentencePart, b: SentencePart) =>
  a.kind !== b.kind
    ? a.kind < b.kind
      ? -1
      : 1
    : (a.unit ?? '') !== (b.unit ?? '')
      ? (a.unit ?? '') < (b.unit ?? '')
        ? -1
        : 1
      : (a.length ?? -1) - (b.length ?? -1)

/**
 * Another row of a count already read must say the same of it. Where rows
 * disagree (a felony on one, a misdemeanor on another; two dates; two
 * offenses), the fact is unknown rather than whichever row came first, so
 * the order of rows never changes a result.
 */
function mergeCountRow(c: DojConviction, first: string[], f: string[], line: number, at: RowContext): void {
  // Sentence rows almost always repeat the count's first row word for word: compare the text before reading it.
  let same = true
  for (const col of MERGED_COLUMNS) if (first[col] !== f[col]) same = false
  if (same) return
  const offense = offenseOf(f)
  const severity = severityOf(
    f[FIELD.CONV_STAT_DESCR] ?? '',
    f[offense.source === 'CONV_OFFENSE_DESCR' ? FIELD.CONV_OFFENSE_TOC : FIELD.OFFENSE_TOC] ?? ''
  )
  const warn = (what: string) =>
    at.problems.push({
      line,
      subjectId: at.subjectId,
      severity: 'warning',
      reason: `rows of count ${c.id} disagree on ${what} (line ${c.line} and line ${line}); treated as unknown`
    })
  if (severity !== c.severity && c.severity !== null && severity !== null) {
    warn(`the grade (${c.severity} and ${severity})`)
    c.severity = null
  }
  const date = dateOf(f[FIELD.STP_EVENT_DATE] ?? '', 'STP_EVENT_DATE', line, at)
  if (date !== c.date && c.date !== null && date !== null) {
    warn(`the conviction date (${c.date} and ${date})`)
    c.date = null
  }
  const mine = c.section ? formatCodeSection(c.section) : null
  const theirs = offense.section ? formatCodeSection(offense.section) : null
  if (mine !== null && theirs !== null && mine !== theirs) {
    warn(`the offense (${mine} and ${theirs})`)
    c.mayConcernCannabis =
      c.mayConcernCannabis === true || mayConcernCannabis(c.sectionText) || mayConcernCannabis(offense.text)
    c.sectionRefused = `rows of the count name ${mine} and ${theirs}`
    c.sectionText = `${c.sectionText} / ${offense.text}`
    c.section = null
  }
}

/** STP_ORI_CNTY_NAME as counties are compared: upper case, single spaces. */
export function countyOf(f: string[]): string | null {
  const text = f[FIELD.STP_ORI_CNTY_NAME] ?? ''
  return (isPlainUpper(text, true) ? text : text.trim().replace(/\s+/g, ' ').toUpperCase()) || null
}

/**
 * One row's sentence part. A row that names a custody kind but no usable length
 * or unit (a unit other than D, M or Y) gives a part without a length, so the
 * count's end date is unknown rather than the conviction date.
 */
function sentencePartOf(f: string[]): SentencePart | null {
  const lengthText = (f[FIELD.SENT_LENGTH] ?? '').trim()
  const unitText = (f[FIELD.SENT_TIME_CODE] ?? '').trim().toUpperCase()
  const kindText = (f[FIELD.SENT_LOC_DESCR] ?? '').trim().toUpperCase()
  if (lengthText === '' && unitText === '' && kindText === '') return null
  const kind = SENTENCE_KINDS[kindText] ?? 'other'
  const unit = SENTENCE_UNITS[unitText]
  // An "other" part with a length still runs for that long; count it as custody so the end date errs late.
  const timedKind = kind === 'other' ? 'jail' : kind
  if (kind === 'fine' && lengthText === '') return { kind: 'fine' }
  if (!unit || !/^\d+$/.test(lengthText)) return { kind: timedKind }
  return { kind: timedKind, length: Number(lengthText), unit }
}
