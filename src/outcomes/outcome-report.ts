import { parseCourtXml } from '../ecf/parse.js'
import { COURT_FILING_ID, OUR_FILING_ID } from '../ecf/messages.js'
import { splitCsvRecord } from '../ingest/doj-file.js'

export const RULINGS = ['granted', 'denied', 'partially_granted', 'withdrawn'] as const
export type Ruling = (typeof RULINGS)[number]

/** One line of a court's outcome report, as read: what it identifies and what the court decided. */
export interface ReportLine {
  /** The line in a CSV file, or the message's position (1-based) in an XML batch. */
  line: number
  filingId: string | null
  courtFilingId: string | null
  caseNumber: string | null
  name: string | null
  dob: string | null
  codeSection: string | null
  ruling: Ruling
  orderDate: string | null
  docketId: string | null
}

export interface ReportProblem {
  line: number
  reason: string
}

export interface ParsedReport {
  lines: ReportLine[]
  problems: ReportProblem[]
  total: number
}

/** The fields of an outcome report, by the CSV column each is read from. */
export type ReportColumns = Record<
  'caseNumber' | 'name' | 'dob' | 'courtFilingId' | 'filingId' | 'codeSection' | 'ruling' | 'orderDate' | 'docketId',
  string
>

/** The documented default columns of a CSV outcome report; a court may name its own in the courts file. */
export const DEFAULT_REPORT_COLUMNS: ReportColumns = {
  caseNumber: 'case_number',
  name: 'defendant_name',
  dob: 'defendant_dob',
  courtFilingId: 'court_filing_id',
  filingId: 'filing_id',
  codeSection: 'code_section',
  ruling: 'ruling',
  orderDate: 'order_date',
  docketId: 'docket_id'
}

/** A clerk's word for a ruling, in the forms reports use ("GRANTED", "Partially granted", "ruling: denied"). */
export function rulingOf(text: string): Ruling | null {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^ruling:\s*/, '')
    .replace(/[\s-]+/g, '_')
  if (t === 'granted' || t === 'grant') return 'granted'
  if (t === 'denied' || t === 'deny') return 'denied'
  if (t === 'partially_granted' || t === 'granted_in_part' || t === 'partial') return 'partially_granted'
  if (t === 'withdrawn' || t === 'withdraw') return 'withdrawn'
  return null
}

/** A date as reports write it (2026-11-28, 11/28/2026, 20261128) in ISO form, or null when it is not one. */
export function reportDate(text: string): string | null {
  const t = text.trim()
  let y: string, m: string, d: string
  let match: RegExpExecArray | null
  if ((match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) [, y, m, d] = match as unknown as [string, string, string, string]
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t))) {
    y = match[3]!
    m = match[1]!.padStart(2, '0')
    d = match[2]!.padStart(2, '0')
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(t)))
    [, y, m, d] = match as unknown as [string, string, string, string]
  else return null
  const iso = `${y}-${m}-${d}`
  const date = new Date(`${iso}T00:00:00Z`)
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso
}

/** Splits CSV text into records, keeping quoted line breaks inside their field; each record with its first line number. */
function csvRecords(text: string): Array<{ line: number; record: string }> {
  const out: Array<{ line: number; record: string }> = []
  let line = 1
  let start = 0
  let startLine = 1
  let quoted = false
  for (let i = 0; i <= text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) quoted = !quoted
    else if ((c === 10 && !quoted) || i === text.length) {
      const record = text.slice(start, i).replace(/\r$/, '')
      if (record.trim() !== '') out.push({ line: startLine, record })
      start = i + 1
      startLine = line + 1
    }
    if (c === 10) line++
    if (c === 10 && !quoted) startLine = line
  }
  return out
}

/**
 * Reads a CSV outcome report: a header row naming the columns (the court's own
 * names, or the defaults), then one ruling per line — per filing, or per count
 * when `code_section` is given. A line that cannot be used is a problem with its
 * line number; the others still count.
 */
export function parseCsvReport(text: string, columns: ReportColumns = DEFAULT_REPORT_COLUMNS): ParsedReport {
  const records = csvRecords(text.replace(/^\uFEFF/, ''))
  const header = records.shift()
  if (!header) return { lines: [], problems: [{ line: 1, reason: 'the report is empty' }], total: 0 }
  const names = splitCsvRecord(header.record).map((h) => h.trim().toLowerCase())
  const index = Object.fromEntries(
    Object.entries(columns).map(([field, column]) => [field, names.indexOf(column.toLowerCase())])
  ) as Record<keyof ReportColumns, number>
  if (index.ruling === -1)
    return {
      lines: [],
      problems: [{ line: header.line, reason: `no "${columns.ruling}" column in the header` }],
      total: records.length
    }
  const lines: ReportLine[] = []
  const problems: ReportProblem[] = []
  for (const { line, record } of records) {
    const fields = splitCsvRecord(record)
    const get = (field: keyof ReportColumns) => {
      const v = index[field] === -1 ? '' : (fields[index[field]] ?? '').trim()
      return v === '' ? null : v
    }
    if (fields.length < names.length) {
      problems.push({ line, reason: `${fields.length} fields where the header has ${names.length}` })
      continue
    }
    const rulingText = get('ruling')
    const ruling = rulingText ? rulingOf(rulingText) : null
    if (!ruling) {
      problems.push({ line, reason: rulingText ? `unknown ruling "${rulingText}"` : 'no ruling' })
      continue
    }
    const dobText = get('dob')
    const dob = dobText ? reportDate(dobText) : null
    if (dobText && !dob) {
      problems.push({ line, reason: `unreadable date of birth "${dobText}"` })
      continue
    }
    const orderText = get('orderDate')
    const orderDate = orderText ? reportDate(orderText) : null
    if (orderText && !orderDate) {
      problems.push({ line, reason: `unreadable order date "${orderText}"` })
      continue
    }
    const parsed: ReportLine = {
      line,
      filingId: get('filingId'),
      courtFilingId: get('courtFilingId'),
      caseNumber: get('caseNumber'),
      name: get('name'),
      dob,
      codeSection: get('codeSection'),
      ruling,
      orderDate,
      docketId: get('docketId')
    }
    if (!parsed.filingId && !parsed.courtFilingId && !parsed.caseNumber) {
      problems.push({ line, reason: 'no filing id, court filing id or case number to match it by' })
      continue
    }
    lines.push(parsed)
  }
  return { lines, problems, total: records.length }
}

const byName = (name: string) => `*[local-name()="${name}"]`

/**
 * Reads an XML outcome report: ECF ReviewFilingCallbackMessage or
 * FilingStatusResponseMessage elements, alone or in any wrapper (a batch).
 * Each message's ruling is read from its status text ("ruling: granted") or,
 * failing that, its status code; a message without a ruling is a problem.
 */
export function parseXmlReport(xml: string): ParsedReport {
  return parseCourtXml(xml, (doc) => {
    const messages = doc.root.find(
      `descendant-or-self::*[local-name()="ReviewFilingCallbackMessage" or local-name()="FilingStatusResponseMessage"]`
    )
    const lines: ReportLine[] = []
    const problems: ReportProblem[] = []
    messages.forEach((m, i) => {
      const line = i + 1
      const text = (path: string) => m.get(path)?.content.trim() || null
      const ids = m.find(`./${byName('DocumentIdentification')}`).map((n) => ({
        id: n.get(`./${byName('IdentificationID')}`)?.content.trim() ?? '',
        category: n.get(`./${byName('IdentificationCategoryText')}`)?.content.trim() ?? null
      }))
      const statusText = text(`./${byName('FilingStatus')}/${byName('StatusDescriptionText')}`) ?? ''
      const ruling = rulingOf(statusText) ?? (/ruling:/i.test(statusText) ? null : null)
      if (!ruling) {
        problems.push({
          line,
          reason: `message ${line} carries no ruling (status "${statusText || text(`./${byName('FilingStatus')}/${byName('FilingStatusCode')}`) || 'none'}")`
        })
        return
      }
      const courtFilingId =
        ids.find((x) => x.category === COURT_FILING_ID)?.id ?? ids.find((x) => x.category === null)?.id ?? null
      const filingId = ids.find((x) => x.category === OUR_FILING_ID)?.id ?? null
      const completed = text(`./${byName('FilingCompletionDate')}/*`)
      lines.push({
        line,
        filingId,
        courtFilingId,
        caseNumber: text(`./*/${byName('CaseDocketID')}`) ?? text(`./*/${byName('CaseTrackingID')}`),
        name: null,
        dob: null,
        codeSection: null,
        ruling,
        orderDate: completed ? completed.slice(0, 10) : null,
        docketId: text(`.//${byName('DocumentDocketID')}/${byName('IdentificationID')}`)
      })
    })
    if (messages.length === 0)
      problems.push({ line: 1, reason: 'no ReviewFilingCallbackMessage or FilingStatusResponseMessage in the report' })
    return { lines, problems, total: messages.length }
  })
}
