import { parse } from 'csv-parse/sync'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { COURT_FILING_ID, OUR_FILING_ID } from '../ecf/messages.js'
import { parseCourtXml, refuseDocumentType } from '../ecf/parse.js'
import { rulingOfText } from '../ecf/ruling-text.js'
import { ClearfileError } from '../errors.js'

export const RULINGS = ['granted', 'denied', 'partially_granted', 'withdrawn'] as const
export type Ruling = (typeof RULINGS)[number]

/** One line of a court's outcome report, as read: what it identifies and what the court decided. */
export interface ReportLine {
  /** The line in a CSV file, or the message's or row's position (1-based) in an XML report. */
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
  return rulingOfText(text)
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

type Field = keyof ReportColumns

/**
 * The checks every line of a report passes, whichever format it came in: a
 * ruling that reads as one, dates that are dates, and something to match the
 * line by. `value` gives a field's text as the report has it (undefined when
 * absent); blanks count as absent.
 */
function reportLine(line: number, value: (field: Field) => string | undefined): ReportLine | ReportProblem {
  const get = (field: Field) => value(field)?.trim() || null
  const rulingText = get('ruling')
  const ruling = rulingText ? rulingOf(rulingText) : null
  if (!ruling) return { line, reason: rulingText ? `unknown ruling "${rulingText}"` : 'no ruling' }
  const dobText = get('dob')
  const dob = dobText ? reportDate(dobText) : null
  if (dobText && !dob) return { line, reason: `unreadable date of birth "${dobText}"` }
  const orderText = get('orderDate')
  const orderDate = orderText ? reportDate(orderText) : null
  if (orderText && !orderDate) return { line, reason: `unreadable order date "${orderText}"` }
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
  if (!parsed.filingId && !parsed.courtFilingId && !parsed.caseNumber)
    return { line, reason: 'no filing id, court filing id or case number to match it by' }
  return parsed
}

/** Sorts what `reportLine` gave into the lines and the problems. */
function collect(results: Iterable<ReportLine | ReportProblem>): { lines: ReportLine[]; problems: ReportProblem[] } {
  const lines: ReportLine[] = []
  const problems: ReportProblem[] = []
  for (const r of results) {
    if ('reason' in r) problems.push(r)
    else lines.push(r)
  }
  return { lines, problems }
}

/** A record of a CSV report: its fields and the line it starts on. */
interface CsvRecord {
  line: number
  fields: string[]
}

/** Quote errors after which csv-parse reads on inside a quoted field: the rest is read again after the line. */
const REREAD_AFTER = new Set([
  'CSV_QUOTE_NOT_CLOSED',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
])
/** How often the rest of a report is read again before it is given up (each time costs a pass over the rest). */
const MAX_REREADS = 20

/** Stops a pass of csv-parse at a quote error: what follows it in that pass would be misread. */
class RereadFrom {
  constructor(readonly line: number) {}
}

/** The number of line breaks in `text`. */
function breaks(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/**
 * The line a record (or the part of one csv-parse skipped) starts on, from
 * the line csv-parse was on at its end and its raw text: the raw text holds
 * the blank lines skipped before it, and its own final line break is not yet
 * counted.
 */
function firstLine(lastLine: number, raw: string): number {
  const own = raw.replace(/^(?:[ \t]*\n)+/, '')
  return lastLine - breaks(own) + (own.endsWith('\n') ? 1 : 0)
}

/** Why csv-parse could not read a record, in the words of a clerk's report; `runsTo` is the line it saw that on. */
function csvTrouble(code: string, column: unknown, runsTo: number | null): string {
  const field = typeof column === 'number' ? ` field ${column + 1}` : ' a field'
  if (code === 'INVALID_OPENING_QUOTE' || code === 'CSV_INVALID_OPENING_QUOTE')
    return `a stray quote in${field}: a field holding a quote must be quoted whole, with the quote doubled`
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE')
    return runsTo === null
      ? `a stray quote in${field}: text follows the quote that closes the field`
      : `a quote in${field} opens a field that runs on to line ${runsTo}, where text follows its closing quote`
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quote opened on this line is never closed'
  return `the line cannot be read as CSV (${code})`
}

/**
 * Reads CSV text into records with csv-parse, each with the line it starts on
 * (quoted line breaks inside a record count), and the records it cannot read
 * as problems with their lines. A stray quote costs its own record only: where
 * csv-parse would read on inside a quoted field (past the closing quote, or to
 * the end of the text), the rest is read again from the line after the one
 * the record starts on.
 */
function csvRecords(text: string): { records: CsvRecord[]; problems: ReportProblem[] } {
  // One kind of line break, so csv-parse's line count is right inside quoted fields too (it counts CRLF twice there).
  const csv = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  const records: CsvRecord[] = []
  const problems: ReportProblem[] = []
  const problem = (line: number, reason: string) => {
    if (problems.at(-1)?.line !== line) problems.push({ line, reason })
  }
  let from = 0 // where the text still to read starts
  let before = 0 // the lines before it
  for (let rereads = 0; ; rereads++) {
    let reread: RereadFrom | undefined
    try {
      parse(from === 0 ? csv : csv.slice(from), {
        info: true,
        raw: true,
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
        skip_records_with_error: true,
        on_record: (record, context) => {
          const { record: fields, raw } = record as unknown as { record: string[]; raw: string }
          records.push({ line: before + firstLine(context.lines, raw), fields })
          return null
        },
        on_skip: (err, raw): undefined => {
          if (!err) return
          const seen = before + Number(err.lines)
          const line = before + firstLine(Number(err.lines), raw ?? '')
          const trouble = csvTrouble(err.code, err.column, seen > line ? seen : null)
          if (!REREAD_AFTER.has(err.code)) {
            problem(line, trouble)
            return
          }
          if (rereads === MAX_REREADS) {
            problem(line, `${trouble}; the report is not read past it (too many stray quotes)`)
            throw new RereadFrom(0)
          }
          problem(line, trouble)
          // The quote at fault is most likely on the record's first line: the lines after it are read again.
          throw new RereadFrom(line + 1)
        }
      })
    } catch (err) {
      if (!(err instanceof RereadFrom)) {
        problem(before + 1, `the report cannot be read as CSV: ${(err as Error).message}`)
        break
      }
      reread = err
    }
    if (!reread || reread.line === 0) break
    // On to the start of the line to read from.
    for (; before < reread.line - 1; before++) {
      const next = csv.indexOf('\n', from)
      if (next === -1) return { records, problems }
      from = next + 1
    }
  }
  return { records, problems }
}

/**
 * Reads a CSV outcome report: a header row naming the columns (the court's own
 * names, or the defaults), then one ruling per line — per filing, or per count
 * when `code_section` is given. A line that cannot be used (too few fields, a
 * stray quote, a ruling or date that does not read) is a problem with its line
 * number; the others still count.
 */
export function parseCsvReport(text: string, columns: ReportColumns = DEFAULT_REPORT_COLUMNS): ParsedReport {
  const { records, problems: unread } = csvRecords(text)
  const header = records.shift()
  const first = unread[0]
  if (first && (!header || first.line < header.line))
    return {
      lines: [],
      problems: [{ line: first.line, reason: `the header row cannot be read: ${first.reason}` }],
      total: records.length + (header ? 1 : 0) + unread.length - 1
    }
  if (!header) return { lines: [], problems: [{ line: 1, reason: 'the report is empty' }], total: 0 }
  const total = records.length + unread.length
  const names = header.fields.map((h) => h.trim().toLowerCase())
  const index = Object.fromEntries(
    Object.entries(columns).map(([field, column]) => [field, names.indexOf(column.toLowerCase())])
  ) as Record<Field, number>
  if (index.ruling === -1)
    return {
      lines: [],
      problems: [{ line: header.line, reason: `no "${columns.ruling}" column in the header` }],
      total
    }
  const read = collect(
    records.map(({ line, fields }) =>
      fields.length < names.length
        ? { line, reason: `${fields.length} fields where the header has ${names.length}` }
        : reportLine(line, (field) => (index[field] === -1 ? undefined : fields[index[field]]))
    )
  )
  // csv-parse's problems and the lines' own, in the order of the report.
  return { lines: read.lines, problems: [...unread, ...read.problems].sort((a, b) => a.line - b.line), total }
}

/** Whether an XML report is ECF messages (read with libxml2) rather than a table export (read with fast-xml-parser). */
const ECF_XML =
  /urn:oasis:names:tc:legalxml-courtfiling|<(?:[\w.-]+:)?(?:ReviewFilingCallbackMessage|FilingStatusResponseMessage)[\s/>]/

/**
 * Reads an XML outcome report, of either kind a clerk's system exports: ECF
 * messages (any document naming the ECF namespaces or messages, see
 * {@link parseEcfReport}) or a table (see {@link parseTableXmlReport}), whose
 * fields are named like the CSV columns — the court's own, or the defaults. A
 * document type declaration anywhere is refused, so no entity is ever expanded.
 */
export function parseXmlReport(xml: string, columns: ReportColumns = DEFAULT_REPORT_COLUMNS): ParsedReport {
  refuseDocumentType(xml)
  return ECF_XML.test(xml) ? parseEcfReport(xml) : parseTableXmlReport(xml, columns)
}

/** A node of fast-xml-parser's ordered output: an element (`{name: children, ':@': attributes}`), text or CDATA. */
type XmlNode = Record<string, unknown>

const tableParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities stay as written: the five XML ones and character references are decoded below, nothing else ever.
  processEntities: false,
  htmlEntities: false,
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata'
})

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Text with its predefined entities and character references decoded (the parser is told to expand none). */
function xmlText(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (ref, dec, hex, name) => {
    if (name) return XML_ENTITIES[name]!
    const code = dec ? Number(dec) : Number.parseInt(hex, 16)
    return code <= 0x10ffff ? String.fromCodePoint(code) : ref
  })
}

const elementName = (node: XmlNode) => Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata')
const childrenOf = (node: XmlNode, name: string) => node[name] as XmlNode[]

/** The text of an element's content: its text, CDATA and the text of the elements in it. */
function contentText(children: XmlNode[]): string {
  let text = ''
  for (const c of children) {
    if ('#text' in c) text += xmlText(String(c['#text']))
    else if ('#cdata' in c) text += (c['#cdata'] as XmlNode[]).map((t) => String(t['#text'] ?? '')).join('')
    else {
      const name = elementName(c)
      if (name) text += contentText(childrenOf(c, name))
    }
  }
  return text
}

/** An element's fields by lower-cased name: its attributes and its child elements' text (a name may repeat). */
function fieldsOf(node: XmlNode, name: string): Map<string, string[]> {
  const fields = new Map<string, string[]>()
  const add = (key: string, value: string) => {
    const k = key.toLowerCase()
    const values = fields.get(k)
    if (values) values.push(value)
    else fields.set(k, [value])
  }
  for (const [key, value] of Object.entries((node[':@'] as Record<string, unknown> | undefined) ?? {}))
    add(key, xmlText(String(value)))
  for (const child of childrenOf(node, name)) {
    const childName = elementName(child)
    if (childName) add(childName, contentText(childrenOf(child, childName)))
  }
  return fields
}

/**
 * Reads a table exported as XML, without namespaces: a root whose repeated
 * child elements are the lines — `<outcomes><outcome><filing_id>…</filing_id>
 * <ruling>granted</ruling></outcome>…</outcomes>`, or `<rows><row
 * case_number="…" ruling="…"/>…</rows>` — each field a child element or an
 * attribute named like a CSV column (any case). The lines are the root's
 * children named like the first one that has such a field (a root with none
 * but fields of its own is one line); `line` is the element's position. Each
 * goes through the same checks as a CSV line.
 */
function parseTableXmlReport(xml: string, columns: ReportColumns): ParsedReport {
  const text = xml.replace(/^\uFEFF/, '')
  const valid = XMLValidator.validate(text)
  if (valid !== true)
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_MALFORMED',
      `Court XML is not well-formed: ${valid.err.msg} (line ${valid.err.line})`
    )
  const roots = (tableParser.parse(text) as XmlNode[]).filter((n) => elementName(n) !== undefined)
  if (roots.length !== 1)
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_MALFORMED',
      `Court XML is not well-formed: ${roots.length === 0 ? 'no root element' : 'more than one root element'}`
    )
  const root = roots[0]!
  const rootName = elementName(root)!
  const wanted = new Set(Object.values(columns).map((column) => column.toLowerCase()))
  const hasFields = (fields: Map<string, string[]>) => [...fields.keys()].some((k) => wanted.has(k))
  const children = childrenOf(root, rootName)
    .map((node) => ({ node, name: elementName(node) }))
    .filter((c): c is { node: XmlNode; name: string } => c.name !== undefined)
    .map((c) => ({ ...c, fields: fieldsOf(c.node, c.name) }))
  const first = children.find((c) => hasFields(c.fields))
  const own = first ? null : fieldsOf(root, rootName)
  const rows = first
    ? children.filter((c) => c.name === first.name).map((c) => c.fields)
    : own && hasFields(own)
      ? [own]
      : []
  const problem = (reason: string) => ({ lines: [], problems: [{ line: 1, reason }], total: rows.length })
  if (rows.length === 0)
    return problem(
      `no element in <${rootName}> has fields named like the report's columns (such as "${columns.ruling}")`
    )
  // As a CSV header without the ruling column: the court's columns are not these.
  const ruling = columns.ruling.toLowerCase()
  if (!rows.some((fields) => fields.has(ruling)))
    return problem(`no "${columns.ruling}" field in any <${first?.name ?? rootName}>`)
  const read = collect(
    rows.map((fields, i) => {
      const line = i + 1
      for (const [column, values] of fields)
        if (wanted.has(column) && values.length > 1)
          return { line, reason: `"${column}" is given ${values.length} times` }
      return reportLine(line, (field) => fields.get(columns[field].toLowerCase())?.[0])
    })
  )
  return { ...read, total: rows.length }
}

const byName = (name: string) => `*[local-name()="${name}"]`

/**
 * Reads an ECF outcome report with libxml2: ReviewFilingCallbackMessage or
 * FilingStatusResponseMessage elements, alone or in any wrapper (a batch).
 * Each message's ruling is read from its status text ("ruling: granted") or,
 * failing that, its status code; a message without a ruling is a problem.
 */
function parseEcfReport(xml: string): ParsedReport {
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
      const ruling = rulingOf(statusText)
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
