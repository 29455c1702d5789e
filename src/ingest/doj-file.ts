import { findCodeSectionInText, offenseCodeText, parseCodeSection, type CodeSection } from '../eligibility/code-section.js'
import type { ConvictionFact, PersonRecord } from '../eligibility/record.js'
import { daysInMonth, sentenceEndDate, type SentencePart } from './sentence.js'

/**
 * The California DOJ bulk research file: 95 comma-separated columns, one row
 * per count of one step (arrest, court action, registration, deceased) of one
 * cycle, repeated per sentence part; person fields repeat on every row.
 * Column meanings: docs clear-my-record-anchor.md §2.1.
 */
export const DOJ_FIELD_COUNT = 95
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
export function splitCsvRecord (line: string, keep?: Uint8Array): string[] {
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

/** The columns the review reads: everything else in a row is skipped, not copied. */
export const REVIEW_COLUMNS = (() => {
  const mask = new Uint8Array(DOJ_FIELD_COUNT + 64)
  for (const col of Object.values(COL)) mask[col] = 1
  return mask
})()

/** `20100501` → `2010-05-01`; null for blank; undefined for anything that is not a real date. */
export function parseDojDate (text: string): string | null | undefined {
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
  line: number
}

export interface DojSubject {
  record: Omit<PersonRecord, 'convictions'> & { convictions: DojConviction[] }
  name: string
  cii: string
  problems: RowProblem[]
}

const SEE_COMMENT = /^\s*SEE COMMENT FOR CHARGE\s*$/i
const SENTENCE_UNITS: Record<string, SentencePart['unit']> = { D: 'days', M: 'months', Y: 'years' }
const SENTENCE_KINDS: Record<string, string> = { JAIL: 'jail', PRISON: 'prison', PROBATION: 'probation', J: 'jail', P: 'prison' }

function severityOf (convStat: string, toc: string): 'F' | 'M' | 'I' | null {
  const s = convStat.trim().toUpperCase()
  if (s === 'FELONY') return 'F'
  if (s === 'MISDEMEANOR') return 'M'
  if (s === 'INFRACTION') return 'I'
  const t = toc.trim().toUpperCase()
  return t === 'F' || t === 'M' || t === 'I' ? t : null
}

/**
 * The offense of conviction: the conviction columns first (the offense a person
 * was convicted of can differ from the arrest offense, which the statewide tool
 * read), then the disposition columns, then the arrest offense, then the comment
 * when the offense says `SEE COMMENT FOR CHARGE`.
 */
function offenseOf (f: string[]): { text: string, section: CodeSection | null, source: string } {
  for (const [col, name] of [[COL.CONV_OFFENSE_DESCR, 'CONV_OFFENSE_DESCR'], [COL.DISP_OFFENSE_DESCR, 'DISP_OFFENSE_DESCR'], [COL.OFFENSE_DESCR, 'OFFENSE_DESCR']] as const) {
    const descr = f[col] ?? ''
    if (descr.trim() === '' || SEE_COMMENT.test(descr)) continue
    const text = offenseCodeText(descr)
    return { text, section: parseCodeSection(text) ?? findCodeSectionInText(descr), source: name }
  }
  const comment = f[COL.COMMENT_TEXT] ?? ''
  return { text: comment.trim(), section: findCodeSectionInText(comment), source: 'COMMENT_TEXT' }
}

/**
 * Builds one person's record from their rows. Rows that cannot be used are
 * returned as problems with their line numbers; the rest still count.
 */
export function buildSubject (rows: ReadonlyArray<{ line: number, fields: string[] }>): DojSubject {
  const problems: RowProblem[] = []
  const first = rows[0]!.fields
  const subjectId = first[COL.SUBJECT_ID]!
  let dob: string | null = null
  const dobText = first[COL.PRI_DOB] ?? ''
  const parsedDob = parseDojDate(dobText)
  if (parsedDob === undefined) problems.push({ line: rows[0]!.line, subjectId, severity: 'warning', reason: `PRI_DOB ${JSON.stringify(dobText)} is not a YYYYMMDD date; date of birth treated as unknown` })
  else dob = parsedDob

  const convictions = new Map<string, DojConviction>()
  const caseNumbers = new Map<string, Set<string>>()
  const registrations: Array<{ date: string | null }> = []
  let deceased = false

  for (const { line, fields: f } of rows) {
    const step = (f[COL.STP_TYPE_DESCR] ?? '').trim().toUpperCase()
    const cntOrder = (f[COL.CNT_ORDER] ?? '').trim()
    if (step === 'DECEASED') { deceased = true; continue }
    if (step === 'REGISTRATION') {
      if (offenseCodeText(f[COL.OFFENSE_DESCR] ?? '').replace(/^PC\s*/i, '').startsWith('290')) {
        const date = parseDojDate(f[COL.STP_EVENT_DATE] ?? '')
        registrations.push({ date: date ?? null })
      }
      continue
    }
    if (!/^\d{6,}$/.test(cntOrder)) {
      problems.push({ line, subjectId, severity: 'error', reason: `CNT_ORDER ${JSON.stringify(cntOrder)} is not at least 6 digits (cycle and step)` })
      continue
    }
    const caseKey = cntOrder.slice(0, 6)
    if (step === 'COURT ACTION') {
      for (const col of [COL.OFN, COL.FE_NUM_CRT_CASE]) {
        const n = (f[col] ?? '').trim()
        if (n !== '') {
          let set = caseNumbers.get(caseKey)
          if (!set) caseNumbers.set(caseKey, set = new Set())
          set.add(n)
        }
      }
    }
    if (!(f[COL.DISP_DESCR] ?? '').trimStart().toUpperCase().startsWith('CONVICTED')) continue

    const dateText = f[COL.STP_EVENT_DATE] ?? ''
    const date = parseDojDate(dateText)
    if (date === undefined) {
      problems.push({ line, subjectId, severity: 'error', reason: `STP_EVENT_DATE ${JSON.stringify(dateText)} is not a YYYYMMDD date` })
      continue
    }
    const part = sentencePartOf(f)
    const existing = convictions.get(cntOrder)
    if (existing) {
      // Another row for the same count is another part of its sentence (the statewide tool added it to whichever count came last).
      if (part) existing.sentence.push(part)
      continue
    }
    const offense = offenseOf(f)
    convictions.set(cntOrder, {
      id: cntOrder,
      section: offense.section,
      sectionText: offense.text,
      offenseSource: offense.source,
      court: (f[COL.STP_ORI_DESCR] ?? '').trim() || null,
      severity: severityOf(f[COL.CONV_STAT_DESCR] ?? '', f[offense.source === 'CONV_OFFENSE_DESCR' ? COL.CONV_OFFENSE_TOC : COL.OFFENSE_TOC] ?? ''),
      date,
      sentenceEnd: null,
      sentence: part ? [part] : [],
      county: (f[COL.STP_ORI_CNTY_NAME] ?? '').trim().replace(/\s+/g, ' ').toUpperCase() || null,
      caseNumber: null,
      line
    })
  }
  for (const c of convictions.values()) {
    c.sentenceEnd = sentenceEndDate(c.date, c.sentence)
    const numbers = caseNumbers.get(c.id.slice(0, 6))
    c.caseNumber = numbers ? [...numbers].join('; ') : null
  }
  return {
    record: { subjectId, dob, deceased, convictions: [...convictions.values()], registrations },
    name: (first[COL.PRI_NAME] ?? '').trim(),
    cii: (first[COL.CII_NUMBER] ?? '').trim(),
    problems
  }
}

function sentencePartOf (f: string[]): SentencePart | null {
  const lengthText = (f[COL.SENT_LENGTH] ?? '').trim()
  const unit = SENTENCE_UNITS[(f[COL.SENT_TIME_CODE] ?? '').trim().toUpperCase()]
  if (lengthText === '' || !unit || !/^\d+$/.test(lengthText)) return null
  const kind = SENTENCE_KINDS[(f[COL.SENT_LOC_DESCR] ?? '').trim().toUpperCase()] ?? 'other'
  // An "other" part with a length still runs for that long; count it as custody so the end date errs late.
  return { kind: kind === 'other' ? 'jail' : kind, length: Number(lengthText), unit }
}
