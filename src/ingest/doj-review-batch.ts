import { determineRecord, type Determination, type Policy } from '../eligibility/policy.js'
import { buildSubject, DOJ_FIELD_COUNT, REVIEW_COLUMNS, splitCsvRecord, type DojConviction, type DojSubject, type RowProblem } from './doj-file.js'

export const DETERMINATION_COLUMNS = [
  'subject_id', 'count_order', 'case_number', 'name', 'code_section', 'section_as_recorded', 'severity',
  'conviction_date', 'county', 'determination', 'remedy', 'reason', 'citations', 'law_floor', 'law_most_relief',
  'missing_facts', 'super_strike', 'pc290', 'two_priors', 'aggravating', 'convicted_after_prop64', 'decided_by', 'line'
] as const

export const ERROR_COLUMNS = ['line', 'subject_id', 'severity', 'reason'] as const

export interface BatchOptions {
  county: string
  asOf: string
  policy: Policy
}

/** Figures a batch adds to the run's summary; summed across batches and workers. */
export interface BatchStats {
  rowsRead: number
  rowsRejected: number
  warnings: number
  people: number
  peopleWithProp64InCounty: number
  peopleNoFelonyAfterRelief: number
  peopleNoConvictionAfterRelief: number
  convictions: number
  /** section → outcome → count */
  bySection: Record<string, Record<string, number>>
  byRemedy: Record<string, number>
}

export interface BatchResult {
  csv: string
  errorsCsv: string
  stats: BatchStats
  /** The decided subjects, when the caller stores them (the API path); omitted for plain CSV reviews. */
  subjects?: Array<{ subject: DojSubject, determinations: Determination[] }>
}

export function emptyStats (): BatchStats {
  return {
    rowsRead: 0, rowsRejected: 0, warnings: 0, people: 0, peopleWithProp64InCounty: 0,
    peopleNoFelonyAfterRelief: 0, peopleNoConvictionAfterRelief: 0, convictions: 0, bySection: {}, byRemedy: {}
  }
}

export function addStats (into: BatchStats, from: BatchStats): BatchStats {
  for (const key of ['rowsRead', 'rowsRejected', 'warnings', 'people', 'peopleWithProp64InCounty', 'peopleNoFelonyAfterRelief', 'peopleNoConvictionAfterRelief', 'convictions'] as const) {
    into[key] += from[key]
  }
  for (const [section, outcomes] of Object.entries(from.bySection)) {
    const target = into.bySection[section] ??= {}
    for (const [o, n] of Object.entries(outcomes)) target[o] = (target[o] ?? 0) + n
  }
  for (const [r, n] of Object.entries(from.byRemedy)) into.byRemedy[r] = (into.byRemedy[r] ?? 0) + n
  return into
}

/** One CSV field, quoted when it holds a comma, quote or line break. */
export function csvField (value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const s = String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvLine = (values: ReadonlyArray<string | number | null | undefined>) => values.map(csvField).join(',') + '\n'

const RELIEVED_FELONY = new Set(['dismiss_and_seal', 'reduce_to_misdemeanor', 'reduce_to_infraction'])

/**
 * Reviews a batch of DOJ records that holds whole subjects (all of a person's
 * rows), returning CSV text for the outputs and the batch's figures. Pure and
 * synchronous: it runs the same in a worker thread and in a test.
 */
export function reviewBatch (records: readonly string[], lines: readonly number[], options: BatchOptions, keepSubjects = false): BatchResult {
  const stats = emptyStats()
  let csv = ''
  let errorsCsv = ''
  const kept: NonNullable<BatchResult['subjects']> = []
  const problem = (p: RowProblem) => {
    if (p.severity === 'error') stats.rowsRejected++
    else stats.warnings++
    errorsCsv += csvLine([p.line, p.subjectId, p.severity, p.reason])
  }

  let group: Array<{ line: number, fields: string[] }> = []
  let groupId: string | undefined
  const flush = () => {
    if (group.length === 0) return
    const subject = buildSubject(group)
    for (const p of subject.problems) problem(p)
    const determinations = determineRecord(subject.record, { asOf: options.asOf, policy: options.policy, county: options.county })
    stats.people++
    if (determinations.length > 0) {
      stats.peopleWithProp64InCounty++
      tallyRelief(subject, determinations, stats)
      const byId = new Map<string, DojConviction>(subject.record.convictions.map((c) => [c.id, c]))
      for (const d of determinations) csv += determinationLine(subject, byId.get(d.convictionId)!, d)
      if (keepSubjects) kept.push({ subject, determinations })
    }
    group = []
  }

  for (let i = 0; i < records.length; i++) {
    const line = lines[i]!
    const fields = splitCsvRecord(records[i]!, REVIEW_COLUMNS)
    stats.rowsRead++
    if (fields.length !== DOJ_FIELD_COUNT) {
      problem({ line, subjectId: fields[2] ?? '', severity: 'error', reason: `expected ${DOJ_FIELD_COUNT} fields, found ${fields.length}` })
      continue
    }
    const subjectId = fields[2]!.trim()
    if (subjectId === '') {
      problem({ line, subjectId: '', severity: 'error', reason: 'SUBJECT_ID is empty' })
      continue
    }
    if (subjectId !== groupId) {
      flush()
      groupId = subjectId
    }
    group.push({ line, fields })
  }
  flush()
  return keepSubjects ? { csv, errorsCsv, stats, subjects: kept } : { csv, errorsCsv, stats }
}

function tallyRelief (subject: DojSubject, determinations: Determination[], stats: BatchStats): void {
  const decided = new Map(determinations.map((d) => [d.convictionId, d.outcome]))
  let felonyLeft = false
  let convictionLeft = false
  for (const c of subject.record.convictions) {
    const outcome = decided.get(c.id)
    if (outcome !== 'dismiss_and_seal') convictionLeft = true
    if (c.severity === 'F' && !(outcome && RELIEVED_FELONY.has(outcome))) felonyLeft = true
  }
  if (!felonyLeft) stats.peopleNoFelonyAfterRelief++
  if (!convictionLeft) stats.peopleNoConvictionAfterRelief++
  for (const d of determinations) {
    stats.convictions++
    const bySection = stats.bySection[d.section] ??= {}
    bySection[d.outcome] = (bySection[d.outcome] ?? 0) + 1
    stats.byRemedy[d.remedy] = (stats.byRemedy[d.remedy] ?? 0) + 1
  }
}

function determinationLine (subject: DojSubject, c: DojConviction, d: Determination): string {
  const dq = d.floor.disqualifiers
  const flag = (f: { status: string, detail?: string }) => (f.status === 'absent' ? '' : `${f.status}${f.detail ? `: ${f.detail}` : ''}`)
  return csvLine([
    subject.record.subjectId, c.id, c.caseNumber, subject.name, d.section, c.sectionText, c.severity, c.date, c.county,
    d.outcome, d.remedy, d.reason, d.citations.join('; '), d.floor.guaranteed, d.floor.best, d.floor.missingFacts.join('; '),
    flag(dq.superStrike), flag(dq.pc290), flag(dq.twoPriors), flag(dq.aggravating),
    d.floor.convictedAfterProp64 === null ? '' : d.floor.convictedAfterProp64 ? 'Y' : 'N', d.decidedBy, c.line
  ])
}
